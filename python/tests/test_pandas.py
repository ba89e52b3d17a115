"""Tables are pandas DataFrames when pandas is installed, and plain records
(samples: arrays) when it is not; the numbers are the same either way."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap

import whatif

from conftest import ROOT, absent

CALL = 'whatif.load("scenarios/x_platform.whatif").eval("outages_continue", runs=800, samples=["P(users.migration)", "users.trust at 52"])'

WITHOUT = textwrap.dedent(
    f"""
    import array, json, sys
    sys.modules["pandas"] = None  # `import pandas` now raises ImportError
    import whatif
    r = {CALL}
    assert isinstance(r.events, list) and all(isinstance(e, dict) for e in r.events)
    assert isinstance(r.factor_steps, list)
    assert isinstance(r.samples, dict)
    assert all(isinstance(a, array.array) and a.typecode == "d" for a in r.samples.values())
    tables = {{
        "events": r.events,
        "event_steps": r.event_steps,
        "factors": r.factors,
        "factor_steps": r.factor_steps,
        "samples": {{k: list(v) for k, v in r.samples.items()}},
    }}
    print(json.dumps(tables))
    """
)


def plain(rows):
    """Rows with every missing value as None."""
    return [{k: None if v is None or (isinstance(v, float) and math.isnan(v)) else v for k, v in r.items()} for r in rows]


def test_without_pandas_tables_are_records_and_samples_arrays() -> None:
    out = subprocess.run([sys.executable, "-c", WITHOUT], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    without = json.loads(out.stdout)
    try:
        import pandas as pd
    except ImportError:
        absent("pandas (the tests' requirements install it)")
    r = eval(CALL)
    assert isinstance(r.events, pd.DataFrame)
    for name in ("events", "event_steps", "factors", "factor_steps"):
        frame = getattr(r, name)
        assert isinstance(frame, pd.DataFrame)
        assert list(frame.columns) == list(without[name][0])
        # The same numbers (a missing value is None in records, NaN in a frame).
        assert plain(frame.to_dict("records")) == plain(without[name])
    s = r.samples
    assert isinstance(s, pd.DataFrame)
    assert s.index.name == "run" and list(s.index) == list(range(800))
    assert list(s.columns) == ["P(users.migration)", "users.trust at 52"]
    assert all(str(t) == "float64" for t in s.dtypes)
    assert {k: list(v) for k, v in s.items()} == without["samples"]


def test_dataframe_columns_have_useful_types() -> None:
    try:
        import pandas  # noqa: F401
    except ImportError:
        absent("pandas (the tests' requirements install it)")
    r = whatif.load("scenarios/x_platform.whatif").eval(runs=300)
    events = r.events
    assert events["probability"].dtype == "float64"
    assert events["happened_runs"].dtype == "int64"
    assert events["event"].tolist()[0] == "platform.data_breach"
    steps = r.event_steps
    assert steps["step"].max() == r.horizon
    assert steps.groupby("event").size().eq(r.horizon + 1).all()
