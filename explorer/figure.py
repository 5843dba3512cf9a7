"""The plots: a function against its derivative (the lab's two curves), and for two variables
a contour of f with its gradient.

Every curve is computed by ``explore`` over a range, so the derivative drawn is
exactly what autograd returns at each point (the lab's sum trick), not a
finite difference. Kinks and infinite slopes are found in that data and said in
words: relu'(0) = 0 is PyTorch's convention, not calculus.

>>> plot = curve("torch.relu(x)", {"x": 2.0}, "x", Range(-1, 1, 201))
>>> [trace["name"] for trace in plot.figure["data"]][:2]
['y = torch.relu(x)', 'dy/dx (autograd)']
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

import plotly.graph_objects as go

from .exploration import Exploration, explore
from .points import Point, Range

__all__ = ["Plot", "curve", "contour", "plots", "layout", "held_points"]

_F_COLOUR, _DF_COLOUR, _POINT_COLOUR = "#1f77b4", "#ff7f0e", "#d62728"
_GRID = 41  # points per axis of the contour
_ARROWS = 9  # gradient arrows per axis


@dataclass(frozen=True)
class Plot:
    """One figure as Plotly JSON, the variables on its axes, and what to say about it."""

    kind: str  # "curve" or "contour"
    variables: tuple[str, ...]
    figure: dict
    notes: tuple[str, ...]


def plots(expression: str, points: Mapping[str, Point], window: Range, device: str = "cpu",
          dtype: str = "float32", show_derivative: bool = True) -> tuple[Plot, ...]:
    """A curve per variable (the others held at their points), and a contour for two variables."""
    variables = tuple(points)
    found = [curve(expression, points, v, _window_for(points[v], window), device, dtype, show_derivative)
             for v in variables]
    if len(variables) == 2 and all(not isinstance(p, Range) for p in points.values()):
        found.append(contour(expression, points, window, device, dtype, show_derivative))
    return tuple(p for p in found if p is not None)


def curve(expression: str, points: Mapping[str, Point], variable: str, window: Range, device: str = "cpu",
          dtype: str = "float32", show_derivative: bool = True) -> Plot | None:
    """f and df/d(variable) over the window, the others held fixed; None if f mixes the points."""
    held = held_points(points, variable)
    result = explore(expression, {**held, variable: window}, device=device, dtype=dtype)
    f, name = _curve_values(result, window.count)
    if f is None:
        return None  # the points mix (a mean or max inside): the value is not a curve over them
    xs = _linspace(window)
    df = result.grad[variable] or [0.0] * window.count
    partial = "∂" if len(points) > 1 else "d"
    derivative = f"{partial}{result.output}/{partial}{variable}"
    fig = go.Figure()
    # invisible markers: a click selects a point only on a trace with markers, not on a bare line
    fig.add_trace(go.Scatter(x=xs, y=_gaps(f), name=name, mode="lines+markers", line=dict(color=_F_COLOUR, width=3),
                             marker=dict(size=7, opacity=0)))
    notes: list[str] = []
    if show_derivative:
        fig.add_trace(go.Scatter(x=xs, y=_gaps(df), name=f"{derivative} (autograd)",
                                 line=dict(color=_DF_COLOUR, width=3, dash="dash")))
        notes += _infinite_slopes(xs, df, derivative, variable)
        notes += _kinks(expression, held, variable, xs, df, derivative, device, dtype)
    point = points[variable]
    if not isinstance(point, Range):
        notes += _mark_point(fig, expression, {**held, variable: point}, variable, window, device, dtype,
                             show_derivative)
    fig.update_layout(layout(variable, f"{result.output}"))
    return Plot("curve", (variable,), fig.to_plotly_json(), tuple(notes))


def contour(expression: str, points: Mapping[str, Point], window: Range, device: str = "cpu",
            dtype: str = "float32", show_derivative: bool = True) -> Plot:
    """f over a grid of two variables, its gradient as arrows, and the chosen point."""
    (a, pa), (b, pb) = points.items()
    grid = Range(window.start, window.stop, _GRID)
    result = explore(expression, {a: grid, b: grid}, device=device, dtype=dtype)
    axis = _linspace(grid)
    fig = go.Figure(go.Contour(x=axis, y=axis, z=_transpose(result.value), colorscale="Blues",
                               contours=dict(showlabels=True), name=result.output,
                               colorbar=dict(title=result.output)))
    if show_derivative:
        fig.add_trace(_arrows(axis, result.grad[a], result.grad[b], window))
        here = explore(expression, {a: pa, b: pb}, device=device, dtype=dtype)
        ga, gb = here.grad[a] or 0.0, here.grad[b] or 0.0
        fig.add_trace(_arrow_trace([(pa, pb, ga, gb)], _scale([(ga, gb)], window) * 1.5, _POINT_COLOUR,
                                   f"gradient at ({pa:g}, {pb:g}) = ({_fmt(ga)}, {_fmt(gb)})", 4))
    grid_x = [x for x in axis for _ in axis]
    fig.add_trace(go.Scatter(x=grid_x, y=axis * len(axis), mode="markers", marker=dict(size=9, opacity=0),
                             hoverinfo="skip", showlegend=False, name="click to move the point"))
    fig.add_trace(go.Scatter(x=[pa], y=[pb], mode="markers", name=f"({a}, {b}) = ({pa:g}, {pb:g})",
                             marker=dict(color=_POINT_COLOUR, size=12, symbol="circle")))
    fig.update_layout(layout(a, b))
    fig.update_layout(title=dict(text=f"{result.output}({a}, {b}) with its gradient", y=0.98), height=520,
                      margin=dict(t=90))
    fig.update_yaxes(scaleanchor="x", scaleratio=1)  # square cells, so arrows point the true direction
    fig.update_xaxes(range=[window.start, window.stop])
    fig.update_yaxes(range=[window.start, window.stop])
    return Plot("contour", (a, b), fig.to_plotly_json(), ())


# -- pieces ---------------------------------------------------------------------------------


def _curve_values(result: Exploration, count: int) -> tuple[list[float] | None, str]:
    """The function's values at each point and their name; for torch.sum(Y), the lab's plot of Y."""
    if isinstance(result.value, list) and len(result.value) == count:
        return result.value, f"{result.output} = {result.body}"
    graph = result.graph
    output = graph.tensor(graph.output)
    if output.op == "sum" and len(output.operands) == 1:
        inner = graph.tensor(output.operands[0])
        if isinstance(inner.data, list) and len(inner.data) == count:
            return inner.data, f"{inner.text} (the terms of the sum)"  # each term depends on its own point
    return None, ""


def _mark_point(fig: go.Figure, expression: str, at: dict, variable: str, window: Range, device: str,
                dtype: str, show_derivative: bool) -> list[str]:
    here = explore(expression, at, device=device, dtype=dtype)
    x0, f0, slope = at[variable], here.value, here.grad[variable]
    if not isinstance(f0, float) or not math.isfinite(f0):
        return [f"{here.output} is {f0} at {variable} = {x0:g}"]
    fig.add_trace(go.Scatter(x=[x0], y=[f0], mode="markers", name=f"{variable} = {x0:g}",
                             marker=dict(color=_POINT_COLOUR, size=12)))
    if show_derivative and isinstance(slope, float) and math.isfinite(slope):
        half = (window.stop - window.start) / 6
        xs = [x0 - half, x0 + half]
        fig.add_trace(go.Scatter(x=xs, y=[f0 + slope * (x - x0) for x in xs], mode="lines",
                                 name=f"tangent, slope {_fmt(slope)}",
                                 line=dict(color=_POINT_COLOUR, width=2, dash="dot")))
    return []


def _infinite_slopes(xs: list[float], df: list[float], derivative: str, variable: str) -> list[str]:
    bad = [(x, d) for x, d in zip(xs, df, strict=True) if not math.isfinite(d)]
    if not bad:
        return []
    kinds = " or ".join(sorted({str(d) for _, d in bad}))
    where = f"at {variable} = {bad[0][0]:g}" if len(bad) == 1 else \
        f"at {len(bad)} points from {variable} = {bad[0][0]:g} to {bad[-1][0]:g}"
    return [f"{derivative} is {kinds} {where}: the slope is undefined there, so the curve breaks."]


def _kinks(expression: str, held: dict, variable: str, xs: list[float], df: list[float], derivative: str,
           device: str, dtype: str) -> list[str]:
    """Where the derivative jumps, find the kink and say what PyTorch returns exactly there."""
    notes = []
    for i in range(1, len(df) - 2):
        before, a, b, after = df[i - 1 : i + 3]
        if not all(math.isfinite(v) for v in (before, a, b, after)):
            continue
        # a jump much larger than the change on either side: a corner, not a steep smooth slope
        if abs(b - a) <= 20 * max(abs(a - before), abs(after - b)) + 1e-3:
            continue
        where = _nice_between(xs[i], xs[i + 1])
        exact = explore(expression, {**held, variable: where}, device=device, dtype=dtype).grad[variable]
        notes.append(f"kink at {variable} = {where:g}: {derivative} jumps from {_fmt(a)} to {_fmt(b)}; "
                     f"the derivative is not defined there, and PyTorch returns {_fmt(exact)} by convention.")
        if len(notes) == 3:
            break
    return notes


def _arrows(axis: list[float], grad_a: list, grad_b: list, window: Range) -> go.Scatter:
    stride = max(1, len(axis) // _ARROWS)
    picks = [(axis[i], axis[j], grad_a[i][j], grad_b[i][j])
             for i in range(0, len(axis), stride) for j in range(0, len(axis), stride)
             if math.isfinite(grad_a[i][j]) and math.isfinite(grad_b[i][j])]
    return _arrow_trace(picks, _scale([(g, h) for _, _, g, h in picks], window), "#444444", "gradient", 1.5)


def _arrow_trace(picks: list[tuple], scale: float, colour: str, name: str, width: float) -> go.Scatter:
    xs, ys = [], []
    for x, y, g, h in picks:
        xs += [x, x + scale * g, None]
        ys += [y, y + scale * h, None]
    return go.Scatter(x=xs, y=ys, mode="lines+markers", name=name, line=dict(color=colour, width=width),
                      marker=dict(symbol="arrow", angleref="previous", size=[0, 9, 0] * len(picks), color=colour))


def _scale(vectors: list[tuple[float, float]], window: Range) -> float:
    longest = max((math.hypot(g, h) for g, h in vectors), default=0.0)
    return (window.stop - window.start) / _ARROWS * 0.9 / longest if longest > 0 else 0.0


def layout(x_title: str, y_title: str) -> dict:
    """The layout every plot of the explorer shares: axis titles, size, legend on top, clicks select."""
    return dict(xaxis_title=x_title, yaxis_title=y_title, height=420,
                margin=dict(l=40, r=20, t=40, b=40), legend=dict(orientation="h", yanchor="bottom", y=1.02),
                font=dict(size=14), clickmode="event+select")


def _window_for(point: Point, window: Range) -> Range:
    return point if isinstance(point, Range) else window


def _linspace(r: Range) -> list[float]:
    if r.count == 1:
        return [r.start]
    step = (r.stop - r.start) / (r.count - 1)
    return [r.start + i * step for i in range(r.count)]


def held_points(points: Mapping[str, Point], variable: str) -> dict[str, float]:
    """The other variables' points while one varies: a range is held at its middle."""
    return {k: ((p.start + p.stop) / 2 if isinstance(p, Range) else p) for k, p in points.items() if k != variable}


def _nice_between(a: float, b: float) -> float:
    """The roundest number in [a, b]: the kink of relu sits at 0, not at 0.0100100."""
    for digits in range(0, 8):
        candidate = round((a + b) / 2, digits)
        if a <= candidate <= b:
            return candidate
    return (a + b) / 2


def _gaps(values: list[float]) -> list[float | None]:
    return [v if math.isfinite(v) else None for v in values]


def _transpose(grid: list[list[float]]) -> list[list[float | None]]:
    # the grid is indexed [a][b]; a contour's z is indexed [y][x]
    return [[_gaps([row[j]])[0] for row in grid] for j in range(len(grid[0]))]


def _fmt(value: float | None) -> str:
    if value is None:
        return "None"
    return f"{value:.4g}"
