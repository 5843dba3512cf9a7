"""Text a visitor may have typed, made safe for Streamlit's markdown and for LaTeX."""

from __future__ import annotations

import re

# a story quotes subexpressions a visitor typed: show * _ ( ) literally, never as markdown
_MARKDOWN_ESCAPES = str.maketrans({c: "\\" + c for c in "\\`*_{}[]()#+-.!|<>~"})


def escape_markdown(text: str) -> str:
    return text.translate(_MARKDOWN_ESCAPES)  # one pass in C: a long chain's labels run to thousands of characters


def latex_name(name: str) -> str:
    # an output name is letters, digits and underscores; an underscore would be a subscript in LaTeX
    return name if len(name) == 1 else r"\mathrm{" + name.replace("_", r"\_") + "}"


def markdown_table(rows: list[dict[str, str]]) -> str:
    """Rows of markdown cells (visitor text already escaped) as one table for ``st.markdown``; the first row's
    keys are the header. Not ``st.table``: it imports pandas on the server and loads Streamlit's Arrow code in
    the browser, for a few rows of text."""
    if not rows:
        return ""
    columns = list(rows[0])
    lines = [_row(columns), "|" + " --- |" * len(columns)]
    lines += [_row([row[c] for c in columns]) for row in rows]
    return "\n".join(lines)


def _row(cells: list[str]) -> str:
    # a cell is one line, and a bare | would end it (an escaped one, \|, is the character)
    return "| " + " | ".join(re.sub(r"(?<!\\)\|", r"\\|", " ".join(c.splitlines())) for c in cells) + " |"
