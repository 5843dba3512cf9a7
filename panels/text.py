"""Text a visitor may have typed, made safe for Streamlit's markdown and for LaTeX."""

from __future__ import annotations

import pyarrow as pa


def escape_markdown(text: str) -> str:
    # a story quotes subexpressions a visitor typed: show * _ ( ) literally, never as markdown
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~" else c for c in text)


def latex_name(name: str) -> str:
    # an output name is letters, digits and underscores; an underscore would be a subscript in LaTeX
    return name if len(name) == 1 else r"\mathrm{" + name.replace("_", r"\_") + "}"



def arrow(rows: list[dict[str, str]]) -> pa.Table:
    """Rows of text for ``st.table``, as the Arrow table Streamlit sends: given a list of dicts it builds a
    pandas frame first, ~6 ms a table on every rerun."""
    return pa.Table.from_pylist(rows)
