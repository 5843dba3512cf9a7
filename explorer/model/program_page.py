"""Everything program mode shows for one program, as plain data.

``explorer.compute.program_build`` runs the program in a worker and makes a
``ProgramPage``: the run (``explorer.model.program_run``), each recorded graph
drawn, the plots its plt calls make, and the script to download; or, for a
program the static check refused, the refusal with its line and column. Like
``explorer.model.page.Page`` it holds only strings, numbers and Plotly JSON, so
the app caches it.
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.playback import Playback
from explorer.model.program_run import ProgramRun

__all__ = ["ProgramRefusal", "DrawnGraph", "ProgramPage"]


@dataclass(frozen=True)
class ProgramRefusal:
    """Why the static check will not run a program, and where: nothing of it ran."""

    line: int
    column: int
    message: str


@dataclass(frozen=True)
class DrawnGraph:
    """One backward() or autograd.grad call's graph, drawn: the call's line, its DOT, SVG and text, its player."""

    line: int
    call: str
    dot: str
    svg: str | None  # None where the server has no dot program (the browser lays it out) or gave up on it
    text: str
    playback: Playback  # the engine's steps over it; none where they were not recorded
    render_problem: str = ""


@dataclass(frozen=True)
class ProgramPage:
    source: str
    run: ProgramRun | None = None  # None when refused
    refusal: ProgramRefusal | None = None
    drawn: tuple[DrawnGraph, ...] = ()
    figures: tuple[dict, ...] = ()  # Plotly figures, one per plt.show() (or the program's end)
