"""Type stubs of the native module ``whatif._whatif`` (re-exported by ``whatif``)."""

import os
import pathlib
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

__version__: str

# A DataFrame when pandas is installed, else a list of records (one dict per row).
Table = Any

class Error(Exception):
    """The base of whatif's own exceptions."""

class ModelError(Error):
    """A model, a measure or a ``whatif.toml`` that does not check.

    ``str()`` is what the command line prints."""

    diagnostics: List["Diagnostic"]

class EvalError(Error):
    """An evaluation that could not complete (a fault, a limit, values that
    fail their checks under ``set``). ``str()`` is what the command line prints."""

    code: str
    help: Optional[str]
    diagnostics: List["Diagnostic"]

class Diagnostic:
    """One diagnostic: what is wrong, where, and what to do about it."""

    severity: str
    code: str
    message: str
    file: str
    line: int
    column: int
    end_line: int
    end_column: int
    help: Optional[str]
    rendered: str

class Scenario:
    """A scenario: its name, title, parent, and what it changes."""

    name: str
    title: Optional[str]
    extends: Optional[str]
    changes: List[str]
    horizon: int

class Param:
    """A parameter, with its value in the baseline."""

    name: str
    value: float
    range: Optional[Tuple[float, float]]
    description: Optional[str]
    sources: List[str]
    assumption: bool

class Node:
    """An event or a factor."""

    name: str
    kind: str
    actor: Optional[str]
    derived: bool
    range: Optional[Tuple[float, float]]
    description: Optional[str]
    sources: List[str]

class Expectation:
    """An expectation of the model."""

    scenario: str
    text: str
    file: str
    line: int

class Results:
    """The results of evaluating one scenario."""

    @property
    def scenario(self) -> str: ...
    @property
    def title(self) -> Optional[str]: ...
    @property
    def model(self) -> str: ...
    @property
    def horizon(self) -> int: ...
    @property
    def runs(self) -> int: ...
    @property
    def seed(self) -> int: ...
    @property
    def exact(self) -> bool: ...
    @property
    def confidence(self) -> float: ...
    @property
    def events(self) -> Table:
        """One row per event: scenario, event, probability, ci_low, ci_high,
        ci95_low, ci95_high, words, median_step, happened_runs."""
    @property
    def event_steps(self) -> Table:
        """One row per event and step: scenario, event, step, probability."""
    @property
    def factors(self) -> Table:
        """One row per factor at the horizon: scenario, factor, mean, sd, p5,
        p50, p95, range_low, range_high, bounded_runs, bounded_from."""
    @property
    def factor_steps(self) -> Table:
        """One row per factor and step: scenario, factor, step, mean, sd, p5, p50, p95."""
    @property
    def samples(self) -> Optional[Any]:
        """Per-run samples: a DataFrame (one column per measure, indexed by
        run) or a dict of ``array.array("d")``; None when none were asked for."""
    def to_json(self) -> str:
        """``whatif eval FILE -s SCENARIO --format json``, byte for byte."""
    def _repr_html_(self) -> str: ...

class TestReport:
    """The verdicts of a model's expectations."""

    @property
    def passed(self) -> int: ...
    @property
    def failed(self) -> int: ...
    @property
    def inconclusive(self) -> int: ...
    @property
    def ok(self) -> bool: ...
    @property
    def outcomes(self) -> Table:
        """One row per expectation: scenario, expectation, line, verdict,
        measured, against, runs_to_decide, seconds."""
    def _repr_html_(self) -> str: ...

class Explanation:
    """How an event comes about in a scenario, and why not."""

    @property
    def event(self) -> str: ...
    @property
    def scenario(self) -> str: ...
    @property
    def runs(self) -> int: ...
    @property
    def happened_runs(self) -> int: ...
    @property
    def shares_may_exceed_1(self) -> bool: ...
    @property
    def chains(self) -> Table:
        """One row per causal chain: chain, runs, share."""
    @property
    def why_not(self) -> Table:
        """One row per failed condition: rule, condition, failed_runs,
        absent_runs, closest_median."""
    @property
    def conditions_held_without_effect(self) -> Table:
        """One row per rule: rule, runs."""
    def to_json(self) -> str:
        """``whatif explain … --format json``, byte for byte."""
    def _repr_html_(self) -> str: ...

class Diff:
    """What scenario A changes against B, on paired runs."""

    @property
    def a(self) -> str: ...
    @property
    def b(self) -> str: ...
    @property
    def runs(self) -> int: ...
    @property
    def horizon(self) -> int: ...
    @property
    def changes(self) -> Table:
        """One row per changed consequence: node, kind, a, b, change, low,
        high, size, crossing."""
    @property
    def chains(self) -> Table:
        """One row per chain in one scenario only: node, scenario, chain, share."""
    def to_json(self) -> str:
        """``whatif diff … --format json``, byte for byte."""
    def _repr_html_(self) -> str: ...

Overrides = Mapping[str, float]

class Model:
    """A checked model (immutable; safe to use from several threads)."""

    @property
    def title(self) -> str: ...
    @property
    def path(self) -> Optional[pathlib.Path]: ...
    @property
    def config(self) -> Optional[pathlib.Path]: ...
    @property
    def defaults(self) -> Dict[str, Union[int, float]]: ...
    @property
    def warnings(self) -> List[Diagnostic]: ...
    @property
    def scenarios(self) -> List[Scenario]: ...
    @property
    def params(self) -> List[Param]: ...
    @property
    def nodes(self) -> List[Node]: ...
    @property
    def expectations(self) -> List[Expectation]: ...
    def eval(
        self,
        scenario: str = "baseline",
        *,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        confidence: Optional[float] = None,
        set: Optional[Overrides] = None,
        exact: bool = False,
        samples: Optional[Sequence[str]] = None,
    ) -> Results:
        """Evaluates a scenario (``whatif eval``)."""
    def test(
        self,
        *,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        confidence: Optional[float] = None,
        set: Optional[Overrides] = None,
        exact: bool = False,
        select: Optional[str] = None,
    ) -> TestReport:
        """Judges the model's expectations (``whatif test``)."""
    def explain(
        self,
        event: str,
        scenario: str = "baseline",
        *,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        set: Optional[Overrides] = None,
    ) -> Explanation:
        """Explains an event (``whatif explain``)."""
    def diff(
        self,
        a: str,
        b: str = "baseline",
        *,
        runs: Optional[int] = None,
        seed: Optional[int] = None,
        threads: Optional[int] = None,
        confidence: Optional[float] = None,
        set: Optional[Overrides] = None,
    ) -> Diff:
        """Compares two scenarios on paired runs (``whatif diff``)."""
    def graph_svg(self) -> str:
        """The cause-and-effect graph as SVG."""
    def _repr_html_(self) -> str: ...

def load(path: Union[str, "os.PathLike[str]"], *, limits: Optional[Mapping[str, int]] = None) -> Model:
    """Reads and checks the model at ``path`` under its project's ``whatif.toml``."""

def loads(text: str, *, name: str = "<string>", limits: Optional[Mapping[str, int]] = None) -> Model:
    """Checks a model given as text (which cannot import files)."""
