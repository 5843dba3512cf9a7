"""Everything one page of the app shows for one state, computed in one call: the verbs behind ``explorer.model.page``.

A worker calls ``build(state)`` and sends the ``Page`` back as JSON; ``step_view``
draws the graph part-way through backward, ``further`` computes one deeper view.

>>> page = build(PageState(function="y = x ** 2", points=(("x", "2"),)))
>>> page.result.grad, "PowBackward0" in page.dot
({'x': 4.0}, True)
"""

from __future__ import annotations

import math
from collections.abc import Callable

from explorer.compute.curves import plots
from explorer.compute.differentiation import derivative_graph, forward_mode, hessian, second_derivative_plot
from explorer.compute.explore import explore, explore_and_play
from explorer.compute.script import python_script
from explorer.compute.symbols import derivatives
from explorer.content.lessons import lesson
from explorer.draw.dot import format_value, to_dot, to_text
from explorer.draw.folds import fold
from explorer.draw.render import RenderError, has_dot, svg
from explorer.errors import ExpressionError
from explorer.language.expression import Expression, parse
from explorer.language.points import Point, Range, grid_shape, read_point, read_points
from explorer.model.exploration import MAX_RECORDED_VALUES, Exploration, recorded_values
from explorer.model.page import MAX_DRAWN_NODES, MAX_PAGE_VALUES, TOPICS, Comparison, Further, Page, StepView
from explorer.model.playback import Playback, known_grads
from explorer.model.state import PageState

__all__ = ["build", "further", "inspector_rows", "step_view", "svgs"]


def build(state: PageState, hide_grads: bool = False) -> Page:
    """Run the state's function and prepare every panel; raises ExpressionError on bad input."""
    parsed = parse(state.function)
    at = {v: state.point(v) for v in parsed.variables}
    values = recorded_values(parsed, math.prod(grid_shape(read_points(at, parsed.variables))))
    if values > MAX_PAGE_VALUES:
        raise ExpressionError(f"this page would show {values:,} recorded values (every tensor at every point); a page "
                              f"shows at most {MAX_PAGE_VALUES:,}: use fewer points or a shorter function")
    # torchviz's DOT is made only for its view: make_dot takes longer than the rest of the run
    # NOTE [one run for the page]: the graph, every value and grad and the player's steps come from one run at the
    # point (backward hooked); only the plots run the function again, over their window (one run a variable, and
    # the contour's grid for two), and the SQ lesson runs its two comparison functions.
    result, steps = explore_and_play(state.function, at, device=state.device, dtype=state.dtype,
                                     torchviz=state.view == "torchviz", steps=not hide_grads)
    folding = fold(result.graph)
    dot = to_dot(result.graph, show_grads=not hide_grads, folding=folding)
    # torchviz's picture costs a second dot process: lay it out only when its view is open
    drawn, torchviz_drawn, problem = svgs(dot, result.torchviz_dot if state.view == "torchviz" else None)
    window = _plot_window(parsed, read_point(state.window, "the plot"))
    return Page(
        state=state,
        result=result,
        dot=dot,
        svg=drawn,
        torchviz_svg=torchviz_drawn,
        text=to_text(result.graph, show_grads=not hide_grads),
        plots=plots(state.function, result.points, window, state.device, state.dtype, not hide_grads,
                    here=_here(result)),
        script=python_script(parsed, result.points, state.device, state.dtype),
        rows=inspector_rows(result, hide_grads),
        comparisons=_comparisons(state),
        playback=Playback(result.graph, steps),
        render_problem=problem,
        folding=folding,
    )


def _here(result: Exploration) -> Callable[[], tuple[float, list[float | None]]] | None:
    """The value and partials the plots mark at the point: the page's own run has them (None over a range)."""
    value = result.value
    if isinstance(value, list) or any(isinstance(point, Range) for point in result.points.values()):
        return None
    # at one point every tensor is a number, never a list
    partials = [None if isinstance(grad, list) else grad for grad in map(result.grad.get, result.points)]
    return lambda: (value, partials)


def _plot_window(parsed: Expression, window: Point) -> Range:
    """The plot's range, with fewer points where a long function would pass the recording limit."""
    if not isinstance(window, Range):
        raise ExpressionError("the plot's range is start:stop:count, as in -10:10:401")
    fits = MAX_RECORDED_VALUES // max(recorded_values(parsed, 1), 1)
    return window if window.count <= fits else Range(window.start, window.stop, max(fits, 2))


def step_view(page: Page, step: int) -> StepView:
    """The page's graph after ``step`` steps of backward (1-based), with the running node named."""
    playback = page.playback
    current = playback.steps[step - 1]
    dot = to_dot(playback.graph, show_grads=known_grads(playback, step), folding=page.folding)
    drawn, _, _ = svgs(dot, None)
    targets = tuple(item.target for item in current.sent if item.target is not None)
    return StepView(step, dot, drawn, current.node, targets)


def inspector_rows(result: Exploration, hide_grads: bool = False) -> tuple[dict[str, str | bool], ...]:
    """The lab's attribute printout, one row per tensor."""
    return tuple(
        {
            "tensor": t.label,
            "data": format_value(t.data),
            "grad": "?" if hide_grads and t.requires_grad else format_value(t.grad),
            "grad_fn": t.grad_fn or "None",
            "is_leaf": t.is_leaf,
            "requires_grad": t.requires_grad,
            "retains_grad": t.retains_grad,
            "shape": str(tuple(t.shape)),
            "dtype": t.dtype,
            "device": t.device,
            "id": t.id,
        }
        for t in result.graph.tensors
    )


def svgs(dot: str, torchviz_dot: str | None) -> tuple[str | None, str | None, str]:
    if not has_dot():
        return None, None, ""
    drawn = dot.count(' [id="')
    if drawn > MAX_DRAWN_NODES:
        return None, None, (f"This graph has {drawn:,} nodes, more than the {MAX_DRAWN_NODES:,} drawn here; "
                            "read it as text below.")
    try:
        ours = svg(dot)
    except RenderError as err:
        return None, None, str(err)
    try:  # torchviz's layout of a long graph can take minutes: it alone goes without a picture then
        return ours, svg(torchviz_dot) if torchviz_dot else None, ""
    except RenderError as err:
        return ours, None, f"torchviz's drawing: {err}"


def _comparisons(state: PageState) -> tuple[Comparison, ...]:
    current = lesson(state.lesson)
    if current is None or not current.compare:
        return ()
    rows = []
    for function in current.compare:
        other = explore(function, {"x": state.point("x")}, device=state.device, dtype=state.dtype, torchviz=False)
        rows.append(Comparison(function, format_value(other.value), format_value(other.grad.get("x"))))
    return tuple(rows)


def further(state: PageState, topic: str) -> Further:
    """Compute one deeper view for the state's function; raises ExpressionError on bad input."""
    parsed = parse(state.function)
    points = {v: read_point(state.point(v), v) for v in parsed.variables}
    if not parsed.variables:
        return Further(topic, note="The function has no variable, so there is nothing to differentiate.")
    options = {"device": state.device, "dtype": state.dtype}
    if topic == "second":
        window = read_point(state.window, "the plot")
        plot = second_derivative_plot(state.function, points, parsed.variables[0], window, **options) \
            if isinstance(window, Range) else None
        return Further(topic, plot=plot, note="" if plot else "The function mixes its points (a sum, mean, max or "
                       "min inside), so f'' is not a curve over them.")
    if any(isinstance(p, Range) for p in points.values()):
        return Further(topic, note="This view works at one point: give every variable a number, not a range.")
    if topic == "hessian":
        return Further(topic, hessian=hessian(state.function, points, **options))
    if topic == "derivative-graph":
        made = derivative_graph(state.function, points, parsed.variables[0], **options)
        drawn = svgs(to_dot(made.graph), None)[0] if made.graph.nodes else None
        return Further(topic, derivative=made, derivative_svg=drawn)
    if topic == "symbols":
        return Further(topic, symbolic=derivatives(state.function, points, dtype=state.dtype))
    if topic == "forward":
        return Further(topic, forward=tuple(forward_mode(state.function, points, v, **options)
                                            for v in parsed.variables))
    raise KeyError(f"no topic {topic!r}; the topics are {', '.join(TOPICS)}")
