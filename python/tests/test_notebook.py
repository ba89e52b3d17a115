"""examples/x_platform.ipynb runs headless (nbclient, an IPython kernel)
and shows what it says it shows."""

from __future__ import annotations

from conftest import ROOT, absent

NOTEBOOK = ROOT / "examples" / "x_platform.ipynb"


def outputs_of(cell) -> str:
    """Every output of a code cell, as text: HTML where there is some."""
    parts = []
    for out in cell.get("outputs", []):
        data = out.get("data", {})
        parts.append(data.get("text/html") or data.get("text/plain") or out.get("text", ""))
    return "\n".join(parts)


def test_the_example_notebook_runs_and_shows_its_outputs() -> None:
    try:
        import nbclient
        import nbformat
        import pandas  # noqa: F401
    except ImportError as e:
        absent(f"{e.name} (the tests' requirements install nbclient, nbformat, ipykernel and pandas)")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(NOTEBOOK.parent)}},
    )
    client.execute()
    code = [c for c in nb.cells if c.cell_type == "code"]
    for cell in code:
        assert not [o for o in cell.outputs if o.output_type == "error"], cell.source
    graph, scenarios, results, events, trust, samples, diff, tests = (outputs_of(c) for c in code)
    assert graph.startswith('<div class="whatif-out"') and '<svg class="graph"' in graph
    assert "outages_continue" in scenarios and "hold platform.outage_rate = 0.5" in scenarios
    assert '<table class="events"' in results and '<svg class="chart fan"' in results
    assert "users.migration" in events and "<table" in events
    assert "p50" in trust and "<td>52</td>" in trust
    assert "count" in samples and "mean" in samples
    assert "users.migration" in diff and "against" in diff
    assert "26 passed, 0 failed" in tests
