"""The API round-trips: a model's metadata, evaluation options, the tables
against the JSON, per-run samples, the analyses and their HTML."""

from __future__ import annotations

import json
import math
from typing import Any, Dict, List

import pytest

import whatif

MODEL = """model "Rumour" { step 1 week  horizon 10 weeks }
param spread = 0.6 in [0, 1] "how catching the rumour is" source "assumption: a guess"
actor town "the town" {
  event rumour "a rumour starts" hazard = 0.2 source "the town crier"
  event panic
  factor calm = 0.9 in [0, 1] "how calm the town is"
}
rule spreads: when town.rumour then town.panic p = spread after 2
rule frets: while town.panic then town.calm -= 0.05
scenario quiet "What if nobody listens?" { without rule spreads }
scenario catching extends quiet { set spread = 0.9 }
expect baseline { P(town.panic) > 0.2 }
expect quiet { never town.panic }
"""


def records(table: Any) -> List[Dict[str, Any]]:
    """A table as records, whether it is a DataFrame or already records."""
    if hasattr(table, "to_dict"):
        return [
            {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")
        ]
    return table


@pytest.fixture(scope="module")
def model() -> whatif.Model:
    return whatif.loads(MODEL, name="rumour.whatif")


def test_metadata_round_trips(model: whatif.Model) -> None:
    assert model.title == "Rumour"
    assert model.path is None and model.config is None
    assert [s.name for s in model.scenarios] == ["baseline", "quiet", "catching"]
    quiet, catching = model.scenarios[1], model.scenarios[2]
    assert (quiet.title, quiet.extends, quiet.changes) == ("What if nobody listens?", None, ["without rule spreads"])
    assert (catching.extends, catching.changes, catching.horizon) == ("quiet", ["set spread = 0.9"], 10)
    (spread,) = model.params
    assert (spread.name, spread.value, spread.range) == ("spread", 0.6, (0.0, 1.0))
    assert spread.description == "how catching the rumour is"
    assert spread.sources == ["assumption: a guess"] and spread.assumption
    nodes = {n.name: n for n in model.nodes}
    assert list(nodes) == ["town.rumour", "town.panic", "town.calm"]
    assert (nodes["town.calm"].kind, nodes["town.calm"].range, nodes["town.calm"].actor) == ("factor", (0.0, 1.0), "town")
    assert nodes["town.rumour"].sources == ["the town crier"] and nodes["town.rumour"].range is None
    assert [(e.scenario, e.text, e.line) for e in model.expectations] == [
        ("baseline", "P(town.panic) > 0.2", 12),
        ("quiet", "never town.panic", 13),
    ]
    assert model.warnings == []
    assert model.defaults == {"runs": 10000, "seed": 0, "threads": 0, "confidence": 0.95, "test_confidence": 0.99}
    assert "Rumour" in repr(model)


def test_tables_say_what_the_json_says(model: whatif.Model) -> None:
    r = model.eval("catching", runs=2000, seed=3)
    doc = json.loads(r.to_json())
    assert (r.scenario, r.title, r.model, r.horizon, r.runs, r.seed, r.exact, r.confidence) == (
        "catching",
        None,
        "Rumour",
        10,
        2000,
        3,
        False,
        0.95,
    )
    events = records(r.events)
    assert [e["event"] for e in events] == ["town.rumour", "town.panic"]
    for e in events:
        j = doc["events"][e["event"]]
        assert e["scenario"] == "catching"
        assert (e["probability"], e["happened_runs"], e["median_step"], e["words"]) == (
            j["probability"],
            j["happened_runs"],
            j["median_step"],
            j["words"],
        )
        assert [e["ci_low"], e["ci_high"]] == j["ci"] and [e["ci95_low"], e["ci95_high"]] == j["ci95"]
    steps = records(r.event_steps)
    assert len(steps) == 2 * 11
    assert [s["probability"] for s in steps if s["event"] == "town.panic"] == doc["events"]["town.panic"]["by_step"]
    (calm,) = records(r.factors)
    j = doc["factors"]["town.calm"]
    assert (calm["mean"], calm["p5"], calm["p50"], calm["p95"]) == (j["mean"][10], j["p5"][10], j["p50"][10], j["p95"][10])
    assert (calm["range_low"], calm["range_high"], calm["bounded_runs"]) == (0.0, 1.0, j["bounded_runs"])
    fs = records(r.factor_steps)
    assert [f["mean"] for f in fs] == j["mean"] and [f["step"] for f in fs] == list(range(11))
    assert r.samples is None


def test_options_threads_seed_set_and_exact(model: whatif.Model) -> None:
    one = model.eval(runs=3000, threads=1)
    assert one.to_json() == model.eval(runs=3000, threads=2).to_json()
    assert one.to_json() != model.eval(runs=3000, seed=1).to_json()
    p = {e["event"]: e["probability"] for e in records(one.events)}["town.panic"]
    higher = model.eval(runs=3000, set={"spread": 0.9})
    assert {e["event"]: e["probability"] for e in records(higher.events)}["town.panic"] > p
    exact = model.eval(exact=True)
    assert exact.exact
    rumour = {e["event"]: e["probability"] for e in records(exact.events)}["town.rumour"]
    assert rumour == pytest.approx(1 - 0.8**10)


def test_samples_are_each_runs_value(model: whatif.Model) -> None:
    measures = ["P(town.panic)", "town.calm at 5 weeks", "P(town.calm < 0.85 by 8)", "town.calm"]
    r = model.eval(runs=1500, seed=2, samples=measures)
    s = r.samples
    columns = {m: list(s[m]) for m in measures}
    assert all(len(c) == 1500 for c in columns.values())
    if hasattr(s, "index"):
        assert list(s.columns) == measures and s.index.name == "run"
    ev = {e["event"]: e for e in records(r.events)}
    assert sum(columns["P(town.panic)"]) / 1500 == ev["town.panic"]["probability"]
    steps = {(f["step"]): f for f in records(r.factor_steps)}
    assert sum(columns["town.calm at 5 weeks"]) / 1500 == pytest.approx(steps[5]["mean"], abs=1e-12)
    assert sum(columns["town.calm"]) / 1500 == pytest.approx(steps[10]["mean"], abs=1e-12)
    assert set(columns["P(town.calm < 0.85 by 8)"]) <= {0.0, 1.0}
    # The same whatever the threads.
    again = model.eval(runs=1500, seed=2, samples=measures, threads=1).samples
    assert all(list(again[m]) == columns[m] for m in measures)


def test_a_measure_that_does_not_check_points_into_its_string(model: whatif.Model) -> None:
    with pytest.raises(whatif.ModelError) as info:
        model.eval(samples=["P(town.panic)", "P(town.panik)", "town.panic at 3"])
    d1, d2 = info.value.diagnostics
    assert (d1.file, d1.line, d1.column, d1.end_column) == ("samples[1]", 1, 3, 13)
    assert d1.code == "whatif::check::unknown_name" and "did you mean `town.panic`?" in d1.help
    assert (d2.file, d2.column) == ("samples[2]", 1)
    assert "for an event write `P(event)`" in d2.help
    assert "samples[1]:1:3" in str(info.value)
    with pytest.raises(whatif.EvalError) as late:
        model.eval(runs=10, samples=["town.calm at 11"])
    (d,) = late.value.diagnostics
    assert d.code == "whatif::check::after_horizon" and d.file == "samples[0]"


def test_samples_over_the_memory_limit_are_refused() -> None:
    small = whatif.loads(MODEL, limits={"max_memory": 2_000_000})
    with pytest.raises(whatif.EvalError) as info:
        small.eval(runs=200_000, samples=["town.calm", "P(town.panic)"])
    assert info.value.code == "whatif::limit::eval"
    assert "memory" in str(info.value)
    assert small.eval(runs=20_000, samples=["town.calm"]).samples is not None


def test_test_explain_and_diff_return_structured_results(model: whatif.Model) -> None:
    report = model.test(runs=2000)
    assert (report.passed, report.failed, report.inconclusive, report.ok) == (2, 0, 0, True)
    rows = records(report.outcomes)
    assert [(r["scenario"], r["expectation"], r["verdict"]) for r in rows] == [
        ("baseline", "P(town.panic) > 0.2", "pass"),
        ("quiet", "never town.panic", "pass"),
    ]
    only = model.test(runs=500, select="^quiet:")
    assert [r["scenario"] for r in records(only.outcomes)] == ["quiet"]
    failing = model.test(runs=2000, set={"spread": 0.0})
    assert not failing.ok and failing.failed == 1

    x = model.explain("town.panic", runs=2000)
    assert (x.event, x.scenario, x.runs) == ("town.panic", "baseline", 2000)
    chains = records(x.chains)
    assert chains[0]["chain"].startswith("town.panic ← spreads ← town.rumour")
    assert chains[0]["runs"] == x.happened_runs
    assert json.loads(x.to_json())["node"] == "town.panic"

    d = model.diff("quiet", runs=2000)
    assert (d.a, d.b, d.runs, d.horizon) == ("quiet", "baseline", 2000, 10)
    changes = {c["node"]: c for c in records(d.changes)}
    assert changes["town.panic"]["a"] == 0.0 and changes["town.panic"]["change"] < 0
    assert changes["town.panic"]["crossing"] == "vanishes"
    assert json.loads(d.to_json())["scenario"] == "quiet"


def test_html_shows_the_reports_tables_charts_and_graph(model: whatif.Model) -> None:
    graph = model._repr_html_()
    assert graph.startswith('<div class="whatif-out"') and '<svg class="graph"' in graph
    assert model.graph_svg().startswith("<svg class=\"graph\"")
    html = model.eval(runs=500)._repr_html_()
    assert '<table class="events"' in html and '<table class="factors"' in html
    assert '<svg class="chart curve"' in html and '<svg class="chart fan"' in html
    quiet = model.eval("quiet", runs=500)._repr_html_()
    assert "<code>without rule spreads</code>" in quiet and "Never happen here: town.panic" in quiet
    # Each output's element ids are its own.
    assert model._repr_html_().split('id="', 1)[1][:12] != graph.split('id="', 1)[1][:12]
    assert "<table" in model.diff("quiet", runs=300)._repr_html_()
    assert "PASS" in model.test(runs=300)._repr_html_()
    assert "because of" in model.explain("town.panic", runs=300)._repr_html_()


def test_a_model_is_shared_between_threads(model: whatif.Model) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(4) as pool:
        docs = list(pool.map(lambda seed: model.eval(runs=1000, seed=seed % 2).to_json(), range(4)))
    assert docs[0] == docs[2] and docs[1] == docs[3] and docs[0] != docs[1]


def test_the_native_module_is_built_for_the_stable_abi() -> None:
    import sys

    from whatif import _whatif

    if sys.platform.startswith("linux"):
        assert _whatif.__file__.endswith(".abi3.so"), _whatif.__file__
    assert whatif.__version__ == "0.1.0"
