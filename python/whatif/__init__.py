"""whatif: scenario analysis for cause-and-effect models, from Python.

``whatif.load(path)`` reads and checks a ``.whatif`` model (under its
project's ``whatif.toml``, as the command line does) and returns a
:class:`Model`; ``whatif.loads(text)`` checks a model given as text. A model
evaluates its scenarios (``Model.eval``), judges its expectations
(``Model.test``), explains an event (``Model.explain``) and compares two
scenarios (``Model.diff``). Tables are pandas DataFrames when pandas is
installed, else lists of records.

A model that does not check raises :class:`ModelError`, whose
``diagnostics`` hold every diagnostic and whose ``str()`` is what the command
line prints. Evaluations run in Rust without the GIL; Ctrl-C (a notebook's
interrupt) stops one and raises ``KeyboardInterrupt``.
"""

from ._whatif import (
    Diagnostic,
    Diff,
    Error,
    EvalError,
    Expectation,
    Explanation,
    Model,
    ModelError,
    Node,
    Param,
    Results,
    Scenario,
    TestReport,
    __version__,
    load,
    loads,
)

__all__ = [
    "Diagnostic",
    "Diff",
    "Error",
    "EvalError",
    "Expectation",
    "Explanation",
    "Model",
    "ModelError",
    "Node",
    "Param",
    "Results",
    "Scenario",
    "TestReport",
    "__version__",
    "load",
    "loads",
]
