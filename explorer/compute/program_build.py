"""Program mode's page: a pasted program run once, its graphs drawn, its plots made; and its views step by step.

The worker's "program" task calls ``build_program``; "program_view" calls
``program_view`` for one step of the line-by-line view (the forward graph as
it was) or of a graph's backward player. Like ``explorer.compute.build``, it
lays graphs out with ``dot`` here, in the worker, never in the app's process.
"""

from __future__ import annotations

from explorer.compute.build import svgs
from explorer.compute.interpreter import run_program
from explorer.draw.dot import to_dot, to_text, top_down
from explorer.draw.folds import fold
from explorer.draw.program_plot import figures
from explorer.errors import ExpressionError
from explorer.language.program import ProgramRefused
from explorer.model.graph import Graph
from explorer.model.page import StepView
from explorer.model.playback import Playback, known_grads
from explorer.model.program_page import DrawnGraph, ProgramPage, ProgramRefusal

__all__ = ["build_program", "program_view", "VIEWS"]

# the graph as the program built it so far; a backward call's player; torchviz's drawing of a backward call's graph
VIEWS = ("forward", "backward", "torchviz")


def build_program(source: str) -> ProgramPage:
    """Run ``source`` and prepare what program mode shows; a program the static check refuses comes back refused."""
    try:
        run = run_program(source)
    except ProgramRefused as err:
        return ProgramPage(source, refusal=ProgramRefusal(err.line, err.column or 1, err.message))
    drawn = []
    for recorded in run.graphs:
        dot = to_dot(recorded.graph, folding=fold(recorded.graph))
        svg, _, problem = svgs(dot, None)
        drawn.append(DrawnGraph(recorded.line, recorded.call, dot, svg, to_text(recorded.graph),
                                Playback(recorded.graph, recorded.steps), problem))
    return ProgramPage(source, run=run, drawn=tuple(drawn), figures=figures(run.plots))


def program_view(page: ProgramPage, view: str, index: int, step: int) -> StepView:
    """One picture of the line-by-line view: ``view`` "forward" draws ``run.forward[index]`` (the graph behind what
    a step made); "backward" draws graph ``index`` after ``step`` steps of its backward player; "torchviz" draws
    what torchviz.make_dot draws for graph ``index``."""
    run = page.run
    if run is None or view not in VIEWS:
        raise ExpressionError("there is nothing to draw for this program")
    if view == "forward":
        if not 0 <= index < len(run.forward):
            raise ExpressionError("no such step of the program")
        graph: Graph = run.forward[index]
        # grads as they are (None before any backward); top to bottom: it grows downwards beside the code
        dot = top_down(to_dot(graph, folding=fold(graph)))
        svg, _, _ = svgs(dot, None)
        return StepView(0, dot, svg, graph.root or "", ())  # the newest grad_fn lit up: what this line added
    if view == "torchviz":
        torchviz = run.graphs[index].torchviz_dot if 0 <= index < len(run.graphs) else None
        if torchviz is None:
            raise ExpressionError("torchviz's drawing was kept for a run's first few small graphs only")
        svg, _, _ = svgs(torchviz, None)
        return StepView(0, torchviz, svg, "", ())
    if not 0 <= index < len(run.graphs) or not 1 <= step <= len(run.graphs[index].steps):
        raise ExpressionError("no such step of the backward player")
    recorded = run.graphs[index]
    playback = Playback(recorded.graph, recorded.steps)
    current = playback.steps[step - 1]
    dot = to_dot(recorded.graph, show_grads=known_grads(playback, step), folding=fold(recorded.graph))
    svg, _, _ = svgs(dot, None)
    return StepView(step, dot, svg, current.node, tuple(s.target for s in current.sent if s.target is not None))
