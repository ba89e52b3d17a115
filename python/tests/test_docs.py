"""docs/python.md: its tour runs as written, with the outputs it shows."""

from __future__ import annotations

import doctest
import re

from conftest import ROOT, absent

DOC = ROOT / "docs" / "python.md"


def test_the_tour_runs_as_written() -> None:
    try:
        import pandas  # noqa: F401
    except ImportError:
        absent("pandas (the tour shows DataFrames; the tests' requirements install it)")
    text = DOC.read_text()
    blocks = list(re.finditer(r"^```pycon\n(.*?)^```", text, flags=re.S | re.M))
    assert len(blocks) >= 5, "the tour's examples are ```pycon blocks"
    parser = doctest.DocTestParser()
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    names: dict = {}
    # One block after another, in the names the earlier ones made, each
    # reported at its own line of the file.
    for block in blocks:
        line = text.count("\n", 0, block.start(1))
        test = parser.get_doctest(block.group(1), names, "docs/python.md", str(DOC), line)
        runner.run(test, clear_globs=False)
        names.update(test.globs)
    result = runner.summarize(verbose=False)
    assert result.attempted > 20
    assert result.failed == 0, f"{result.failed} examples of docs/python.md failed (see above)"


def test_the_readmes_python_line_runs() -> None:
    import subprocess
    import sys

    readme = (ROOT / "README.md").read_text()
    lines = [l for l in readme.splitlines() if l.startswith("python -c ")]
    assert lines, "the README shows how to use the package"
    for line in lines:
        command = line.split("#", 1)[0] if "  #" in line else line
        code = command[len("python -c ") :].strip().strip("'")
        out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
        assert out.returncode == 0, out.stderr
        assert "users.migration" in out.stdout
