"""Shared fixtures: the repository, the command line to compare with, and
the rule for programs outside Python (skip with a notice when absent and CI
is unset, fail when CI is set)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import List, Tuple

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.whatif"))


def absent(what: str) -> None:
    """Skips (with a notice) or, under CI, fails a test that needs `what`."""
    message = f"{what} is not available"
    if os.environ.get("CI"):
        pytest.fail(message + " (CI is set, so this is a failure)")
    print(f"notice: skipping: {message}", file=sys.stderr)
    pytest.skip(message)


@pytest.fixture(scope="session")
def whatif_bin() -> Path:
    """The `whatif` binary whose output the package must match:
    `WHATIF_BIN`, else the release build in target/."""
    path = Path(os.environ.get("WHATIF_BIN", ROOT / "target" / "release" / "whatif"))
    if not path.is_file():
        absent(f"the whatif binary ({path}; build it with `cargo build --release`)")
    return path


@pytest.fixture(scope="session")
def cli(whatif_bin: Path):
    """Runs the command line from the repository's root: (status, stdout
    bytes, stderr text)."""

    def run(*args: str) -> Tuple[int, bytes, str]:
        p = subprocess.run(
            [str(whatif_bin), *args],
            cwd=ROOT,
            capture_output=True,
            env={**os.environ, "NO_COLOR": "1"},
        )
        return p.returncode, p.stdout, p.stderr.decode()

    return run


@pytest.fixture(autouse=True)
def in_root(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test runs from the repository's root, as the docs' commands do."""
    monkeypatch.chdir(ROOT)


def names(paths: List[Path]) -> List[str]:
    return [p.stem for p in paths]
