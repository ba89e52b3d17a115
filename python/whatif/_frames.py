"""Tables for the native module: pandas DataFrames when pandas is installed,
plain records otherwise. pandas is looked for at each call, so a notebook
that installs it later gets DataFrames without reloading whatif."""

from __future__ import annotations

import html
from typing import Any, Dict, List, Sequence, Tuple


def _pandas() -> Any:
    try:
        import pandas
    except ImportError:
        return None
    return pandas


def table(columns: Sequence[Tuple[str, List[Any]]]) -> Any:
    """Named columns of equal length as a DataFrame, or a list of dicts."""
    pd = _pandas()
    if pd is None:
        names = [name for name, _ in columns]
        return [dict(zip(names, row)) for row in zip(*(values for _, values in columns))]
    return pd.DataFrame({name: values for name, values in columns})


def samples(columns: Sequence[Tuple[str, Any]]) -> Any:
    """Per-run samples, one ``array.array("d")`` per measure, as a DataFrame
    indexed by run, or a dict of the arrays."""
    pd = _pandas()
    if pd is None:
        return dict(columns)
    import numpy

    data: Dict[str, Any] = {name: numpy.frombuffer(values, dtype="float64") for name, values in columns}
    runs = len(columns[0][1]) if columns else 0
    return pd.DataFrame(data, index=pd.RangeIndex(runs, name="run"))


def html_table(uid: str, caption: str, header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A small table of text for a notebook, every cell escaped."""
    esc = html.escape
    head = "".join(f"<th>{esc(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in row) + "</tr>" for row in rows)
    return (
        f'<div class="whatif-out" id="{esc(uid)}"><table>'
        f"<caption>{esc(caption)}</caption><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )
