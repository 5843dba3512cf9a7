"""Everything one page of the app shows for one state, as plain data.

``explorer.compute.build`` makes a ``Page`` (and a ``StepView`` of the player, a
``Further`` view) with PyTorch in a worker; the result holds only strings,
numbers and Plotly JSON, so the app can cache it (a lesson revisited, a link
opened by a whole class) without keeping live tensors.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.derivatives import DerivativeGraph, ForwardPass, Hessian
from explorer.model.exploration import Exploration
from explorer.model.folding import Folding
from explorer.model.playback import Playback
from explorer.model.plot import Plot
from explorer.model.state import TOPICS, PageState
from explorer.model.symbolic import Symbolic

__all__ = ["MAX_DRAWN_NODES", "MAX_PAGE_VALUES", "TOPICS", "Comparison", "Further", "Page", "StepView"]


@dataclass(frozen=True)
class Comparison:
    """One row of a lesson's side-by-side table (the SQ lesson)."""

    function: str
    value: str
    grad: str


@dataclass(frozen=True)
class Page:
    state: PageState
    result: Exploration
    dot: str
    svg: str | None  # None where Graphviz's dot program is missing: the browser lays it out
    torchviz_svg: str | None
    text: str  # the graph in words, for screen readers and for copying
    plots: tuple[Plot, ...]
    script: str
    rows: tuple[dict[str, str | bool], ...]  # inspector_rows: one printout row per tensor
    comparisons: tuple[Comparison, ...]
    playback: Playback  # no steps while a practice question hides the gradients
    render_problem: str = ""
    folding: Folding = Folding()  # what the drawing collapsed into summary boxes (none for most graphs)


@dataclass(frozen=True)
class StepView:
    """The graph part-way through backward: grads only where backward has reached."""

    step: int
    dot: str
    svg: str | None
    running: str  # the node this step runs
    targets: tuple[str, ...]  # the nodes it sends gradients to


# A page carries each recorded value several times (data, grad, saved tensors, every backward step): about 180
# bytes of JSON a value. Past this many, a page is megabytes that the app's process must read for one visitor
# while it serves all the others (SECURITY.md); explore() itself allows MAX_RECORDED_VALUES from Python.
MAX_PAGE_VALUES = 50_000


# Nodes of our DOT laid out at most: dot's time grows faster than the graph (benchmarks/dot_features.py
# --sizes). to_dot folds a big graph to about SHOWN_NODES, so this bounds what a user expands.
MAX_DRAWN_NODES = 1500


@dataclass(frozen=True)
class Further:
    """One of the deeper views of the page's function (see TOPICS); ``note`` says why one is empty."""

    topic: str
    plot: Plot | None = None
    hessian: Hessian | None = None
    derivative: DerivativeGraph | None = None
    derivative_svg: str | None = None
    forward: tuple[ForwardPass, ...] = ()
    symbolic: Symbolic | None = None
    note: str = ""
