"""The Streamlit side of Autograd Explorer: the panels ``app.py`` draws, each from plain data the core made.

``explorer`` never imports Streamlit; this package is where it meets the page.
One module per part of the page (``inputs``, ``lesson``, ``graph``, ``tensors``,
``plots``, ``further``, ``share``), the session state and its callbacks
(``session``), and the jobs sent to the worker processes (``jobs``). Kept out of
``app.py`` so a rerun runs already-imported code: Streamlit compiles the script
it runs, and keys each cached function by its source, on every run.
"""

from __future__ import annotations

import importlib
import pkgutil
import threading

__all__ = ["preload"]


def preload() -> None:
    """Import every panel, and the pandas and pyarrow Streamlit's tables need, in a background thread.

    ``python app.py`` calls it while the server starts and the browser loads the page's JavaScript, so that the
    first visitor's run does not wait ~1.5 s for these imports.
    """

    def load() -> None:
        for module in pkgutil.iter_modules(__path__):
            importlib.import_module(f"{__name__}.{module.name}")
        importlib.import_module("pandas")
        importlib.import_module("pyarrow")

    threading.Thread(target=load, daemon=True, name="panels-preload").start()
