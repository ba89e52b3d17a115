"""The same numbers as the command line: `Results.to_json()` is `whatif eval
--format json` byte for byte for every scenario of every shipped model, and
so are the text, explanations, comparisons and verdicts."""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Tuple

import pytest

import whatif

from conftest import ROOT, SCENARIOS

# The flagship at the default number of runs; every other model at fewer, to
# keep the suite short (every scenario of every model all the same).
FLAGSHIP = ROOT / "scenarios" / "x_platform.whatif"
FEWER_RUNS = 2000


def every_scenario() -> List[Tuple[Path, str]]:
    out = []
    for path in SCENARIOS:
        model = whatif.load(str(path.relative_to(ROOT)))
        out.extend((path, s.name) for s in model.scenarios)
    return out


@pytest.mark.parametrize(
    "path,scenario",
    every_scenario(),
    ids=lambda v: v.stem if isinstance(v, Path) else v,
)
def test_to_json_is_the_command_lines_bytes(path: Path, scenario: str, cli) -> None:
    rel = str(path.relative_to(ROOT))
    model = whatif.load(rel)
    if path == FLAGSHIP:
        code, stdout, stderr = cli("eval", rel, "-s", scenario, "--format", "json")
        results = model.eval(scenario)
    else:
        code, stdout, stderr = cli("eval", rel, "-s", scenario, "--runs", str(FEWER_RUNS), "--format", "json")
        results = model.eval(scenario, runs=FEWER_RUNS)
    assert code == 0, stderr
    assert results.to_json().encode() == stdout


@pytest.mark.parametrize(
    "args,kwargs",
    [
        (["--runs", "3000", "--seed", "7", "--threads", "1"], dict(runs=3000, seed=7, threads=1)),
        (["--runs", "3000", "--threads", "2", "--confidence", "0.9"], dict(runs=3000, threads=2, confidence=0.9)),
        (
            ["--runs", "3000", "--set", "users.trust=0.5", "--set", "rule.outages_erode_trust.p=0.25"],
            dict(runs=3000, set={"users.trust": 0.5, "rule.outages_erode_trust.p": 0.25}),
        ),
    ],
)
def test_options_map_to_the_flags(args, kwargs, cli) -> None:
    rel = "scenarios/x_platform.whatif"
    code, stdout, stderr = cli("eval", rel, "-s", "major_breach", "--format", "json", *args)
    assert code == 0, stderr
    assert whatif.load(rel).eval("major_breach", **kwargs).to_json().encode() == stdout


@pytest.mark.parametrize("name", ["event_tree", "fault_tree", "markov_chain"])
def test_exact_results_are_the_command_lines(name: str, cli) -> None:
    rel = f"scenarios/{name}.whatif"
    code, stdout, stderr = cli("eval", rel, "--exact", "--format", "json")
    assert code == 0, stderr
    results = whatif.load(rel).eval(exact=True)
    assert results.exact
    assert results.to_json().encode() == stdout


def test_text_is_the_command_lines(cli) -> None:
    rel = "scenarios/x_platform.whatif"
    _, stdout, _ = cli("eval", rel, "-s", "outages_continue", "--runs", "1000")
    assert str(whatif.load(rel).eval("outages_continue", runs=1000)).encode() == stdout


def test_explain_and_diff_json_are_the_command_lines(cli) -> None:
    rel = "scenarios/x_platform.whatif"
    model = whatif.load(rel)
    _, stdout, _ = cli("explain", rel, "users.migration", "-s", "outages_continue", "--runs", "2000", "--format", "json")
    x = model.explain("users.migration", "outages_continue", runs=2000)
    assert x.to_json().encode() == stdout
    _, stdout, _ = cli("diff", rel, "outages_continue", "--runs", "2000", "--format", "json")
    d = model.diff("outages_continue", runs=2000)
    assert d.to_json().encode() == stdout


def test_verdicts_are_the_command_lines(cli) -> None:
    rel = "scenarios/x_platform.whatif"
    code, stdout, _ = cli("test", rel, "--runs", "2000", "--format", "json")
    expected = json.loads(stdout)
    report = whatif.load(rel).test(runs=2000)
    rows = report.outcomes
    records = rows.to_dict("records") if hasattr(rows, "to_dict") else rows
    got = [(r["scenario"], r["expectation"], r["line"], r["verdict"], r["measured"], r["against"]) for r in records]
    want = [
        (e["scenario"], e["text"], e["line"], e["verdict"], e["measured"], e["against"])
        for f in expected["files"]
        for e in f["expectations"]
    ]
    assert got == want
    assert (report.passed, report.failed, report.inconclusive) == (
        expected["passed"],
        expected["failed"],
        expected["inconclusive"],
    )
    assert report.ok == (code == 0)
