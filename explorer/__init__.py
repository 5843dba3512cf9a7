"""Autograd Explorer's core: typed function in, PyTorch's recorded autograd graph out.

Never imports Streamlit: the app (``app.py``), the command line
(``python -m explorer``) and a notebook all call the same functions.

>>> from explorer import explore
>>> explore("x**2", {"x": 2}).grad["x"]
4.0

The names below are loaded on first use (PEP 562), so ``import explorer.workers``
does not import torch: the app starts its worker processes first, and they
import torch while the app's own process does the same.
"""

from __future__ import annotations

_HOMES = {
    "ExpressionError": "errors",
    "DTYPES": "exploration", "Exploration": "exploration", "available_devices": "exploration", "explore": "exploration",
    "VARIABLES": "expression", "Expression": "expression", "parse": "expression",
    "SQ": "functions", "SQFixed": "functions", "GradcheckResult": "functions", "gradcheck_function": "functions",
    "GradNode": "graph", "Graph": "graph", "Saved": "graph", "TensorInfo": "graph",
    "MAX_ELEMENTS": "points", "MAX_POINTS": "points", "Range": "points",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    from . import errors, exploration, expression, functions, graph, points

    homes = {"errors": errors, "exploration": exploration, "expression": expression, "functions": functions,
             "graph": graph, "points": points}
    return getattr(homes[_HOMES[name]], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
