"""Autograd Explorer's core: typed function in, PyTorch's recorded autograd graph out.

Never imports Streamlit: the app (``app.py``), the command line
(``python -m explorer``) and a notebook all call the same functions.

>>> from explorer import explore
>>> explore("x**2", {"x": 2}).grad["x"]
4.0

NOTE [the layers]
Data flows down this list; each subpackage imports only from those after it
(``pyproject.toml``'s import-linter contracts, held by ``tests/test_architecture.py``):

- ``serve``: the worker pool and its processes, the quota, the JSON between processes;
- ``compute``: where PyTorch runs, the only layer that imports torch;
- ``draw``: DOT text, folded big graphs, figure JSON, SVG from ``dot``;
- ``model``: the frozen plain results that cross between layers and processes;
- ``content``: the lab's lessons, the pitfalls, the glossary;
- ``language``: the typed expression, its allow-list, the points;
- ``errors`` and ``child`` at the bottom.

The app's process never imports torch: every visitor's function runs in a
worker process, whose answer comes back as JSON and is read into ``model``'s
dataclasses. The names below are loaded on first use (PEP 562) from a fixed
table, so ``from explorer import parse`` does not import torch either.
Program mode follows the same layers: ``language.program`` checks a pasted
program without torch, ``compute.interpreter`` (``run_program``) runs it, and
``model.program_run`` holds its ``ProgramRun``.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # what type checkers see for the names loaded on first use below ("X as X": re-exported)
    from explorer.compute.calls import SQ as SQ
    from explorer.compute.calls import SQFixed as SQFixed
    from explorer.compute.calls import gradcheck_function as gradcheck_function
    from explorer.compute.explore import available_devices as available_devices
    from explorer.compute.explore import explore as explore
    from explorer.compute.interpreter import run_program as run_program
    from explorer.errors import ExpressionError as ExpressionError
    from explorer.language.expression import VARIABLES as VARIABLES
    from explorer.language.expression import Expression as Expression
    from explorer.language.expression import parse as parse
    from explorer.language.functions import GradcheckResult as GradcheckResult
    from explorer.language.points import MAX_ELEMENTS as MAX_ELEMENTS
    from explorer.language.points import MAX_POINTS as MAX_POINTS
    from explorer.language.points import Range as Range
    from explorer.language.program import ProgramRefused as ProgramRefused
    from explorer.model.exploration import DTYPES as DTYPES
    from explorer.model.exploration import Exploration as Exploration
    from explorer.model.graph import GradNode as GradNode
    from explorer.model.graph import Graph as Graph
    from explorer.model.graph import Saved as Saved
    from explorer.model.graph import TensorInfo as TensorInfo
    from explorer.model.program_run import ProgramRun as ProgramRun

_HOMES = {
    "ExpressionError": "errors",
    "DTYPES": "model.exploration", "Exploration": "model.exploration",
    "available_devices": "compute.explore", "explore": "compute.explore",
    "VARIABLES": "language.expression", "Expression": "language.expression", "parse": "language.expression",
    "SQ": "compute.calls", "SQFixed": "compute.calls", "gradcheck_function": "compute.calls",
    "GradcheckResult": "language.functions",
    "GradNode": "model.graph", "Graph": "model.graph", "Saved": "model.graph", "TensorInfo": "model.graph",
    "MAX_ELEMENTS": "language.points", "MAX_POINTS": "language.points", "Range": "language.points",
    "run_program": "compute.interpreter", "ProgramRun": "model.program_run", "ProgramRefused": "language.program",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> object:
    if name not in _HOMES:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    return getattr(importlib.import_module(f"explorer.{_HOMES[name]}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
