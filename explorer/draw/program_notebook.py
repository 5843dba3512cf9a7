"""A program as a Jupyter notebook: the cells it was pasted as, ready to run.

A program pasted from a notebook keeps its cells apart with blank lines, so
two blank lines or more before an unindented line start a new cell (as
``lab_cells`` joins the lab's cells); a program with none is one cell. The notebook is nbformat 4 JSON,
written here without nbformat: code cells, no outputs, Python 3 as the kernel.

>>> import json
>>> cells = json.loads(notebook("import torch\\n\\n\\nx = torch.ones(2)\\n"))["cells"]
>>> [cell["source"] for cell in cells]
[['import torch'], ['x = torch.ones(2)']]
"""

from __future__ import annotations

import json
import re
from typing import Any

__all__ = ["notebook"]


def notebook(source: str) -> str:
    """``source`` as an .ipynb file's text: one code cell per part between runs of two or more blank lines."""
    # not before an indented line: a class's body may follow two blank lines (the lab's SQ does)
    parts = [part.strip("\n") for part in re.split(r"\n[ \t]*\n(?:[ \t]*\n)+(?=\S)", source)]
    cells: list[dict[str, Any]] = [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
              "source": _lines(part)} for part in parts if part.strip()]
    document = {
        "cells": cells or [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                            "source": []}],
        "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                     "language_info": {"name": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _lines(text: str) -> list[str]:
    # nbformat keeps a cell's source as its lines, each with its newline but the last
    lines = text.split("\n")
    return [line + "\n" for line in lines[:-1]] + [lines[-1]]
