"""Autograd Explorer's core: typed function in, PyTorch's recorded autograd graph out.

Never imports Streamlit: the app (``app.py``), the command line
(``python -m explorer``) and a notebook all call the same functions.

>>> from explorer import explore
>>> explore("x**2", {"x": 2}).grad["x"]
4.0

NOTE [torch only where PyTorch runs]
The app's process never imports torch: every visitor's function runs in a
worker process (``explorer.workers``), whose answer comes back as JSON and is
read into this package's frozen dataclasses. So every module the app imports
(the parser, the page state, the result classes, the DOT writer) imports
without torch, and torch is imported where PyTorch runs, once, at the top of
the modules that run it: ``live`` (the run behind an ``Exploration`` and a
``Playback``), ``plots``, ``differentiation``, ``recording``, ``calls``,
``pitfall_demos`` and ``notebook``. The results they make are plain frozen
dataclasses in modules without torch (``exploration``, ``backward``,
``figure``, ``higher``, ``graph``, ...). ``page`` and ``symbolic`` hold results
the app reads and verbs that workers run, so those verbs import the PyTorch
side as they run. Program mode follows the layers by folder: ``language.program``
checks a pasted program without torch, ``compute.interpreter`` (``run_program``)
runs it with torch, and ``model.program`` holds its ``ProgramRun``. The names
below are loaded on first use (PEP 562), each from its own module, so
``from explorer import parse`` does not import torch either.
``tests/test_app_process.py`` holds the line.
"""

from __future__ import annotations

_HOMES = {
    "ExpressionError": "errors",
    "DTYPES": "exploration", "Exploration": "exploration", "available_devices": "live", "explore": "live",
    "VARIABLES": "expression", "Expression": "expression", "parse": "expression",
    "SQ": "calls", "SQFixed": "calls", "gradcheck_function": "calls", "GradcheckResult": "functions",
    "GradNode": "graph", "Graph": "graph", "Saved": "graph", "TensorInfo": "graph",
    "MAX_ELEMENTS": "points", "MAX_POINTS": "points", "Range": "points",
    "run_program": "compute.interpreter", "ProgramRun": "model.program", "ProgramRefused": "language.program",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module 'explorer' has no attribute {name!r}")
    if _HOMES[name] == "calls":
        from . import calls  # imports torch: asked for SQ, SQFixed or gradcheck_function

        return getattr(calls, name)
    if _HOMES[name] == "compute.interpreter":
        from .compute import interpreter  # imports torch: asked for run_program

        return getattr(interpreter, name)
    if _HOMES[name] in ("model.program", "language.program"):
        from .language import program as language_program
        from .model import program as model_program

        return getattr(model_program if _HOMES[name] == "model.program" else language_program, name)
    if _HOMES[name] == "live":
        from . import live  # imports torch: asked for explore or available_devices

        return getattr(live, name)
    from . import errors, exploration, expression, functions, graph, points

    homes = {"errors": errors, "exploration": exploration, "expression": expression, "functions": functions,
             "graph": graph, "points": points}
    return getattr(homes[_HOMES[name]], name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
