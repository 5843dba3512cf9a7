"""The Streamlit side of Autograd Explorer: the panels ``app.py`` draws, each from plain data the core made.

``explorer`` never imports Streamlit; this package is where it meets the page.
One module per part of the page (``inputs``, ``lesson``, ``graph``, ``tensors``,
``plots``, ``further``, ``share``), the session state and its callbacks
(``session``), the jobs sent to the worker processes (``jobs``), and our own
components (``components``: the graph, the plots, the copy box of ``copy``). Kept out of
``app.py`` so that a rerun runs already-imported code: Streamlit executes the
whole script on every run, so a cached function defined there read its own
source again each time (it is keyed by it), and AppTest compiles the script on
every run as well.
"""
