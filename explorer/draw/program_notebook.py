"""A program as a Jupyter notebook: the cells it was pasted as, ready to run.

Cells are divided as Jupytext, VS Code and Spyder divide a script: at ``# %%``
lines (``lab_cells`` writes the lab's cells so). A program without them is
divided where two blank lines or more come before an unindented line, the way a
notebook's cells often arrive pasted one after another; a program with neither
is one cell. The notebook is nbformat 4 JSON, written here without nbformat:
code cells, no outputs, Python 3 as the kernel.

>>> import json
>>> cells = json.loads(notebook("# %%\\nimport torch\\n\\n# %%\\nx = torch.ones(2)\\n"))["cells"]
>>> [cell["source"] for cell in cells]
[['import torch'], ['x = torch.ones(2)']]
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["notebook"]

_MARKER = re.compile(r"^[ \t]*#[ \t]*%%.*$", re.M)  # as explorer.compute.program_steps reads a cell marker
# not before an indented line: a class's body may follow two blank lines (the lab's SQ does)
_GAP = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+(?=\S)")


def notebook(source: str) -> str:
    """``source`` as an .ipynb file's text, one code cell per part."""
    parts = _MARKER.split(source) if _MARKER.search(source) else _GAP.split(source)
    cells: list[dict[str, Any]] = [_cell(part.strip("\n")) for part in parts if part.strip()]
    document = {
        # nbformat 4.5 gives every cell an id, unique in the notebook
        "cells": [{"id": f"cell-{n}", **cell} for n, cell in enumerate(cells or [_cell("")])],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _cell(text: str) -> dict[str, Any]:
    # nbformat keeps a cell's source as its lines, each with its newline but the last
    lines = text.split("\n") if text else []
    source = [line + "\n" for line in lines[:-1]] + lines[-1:]
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [], "source": source}
