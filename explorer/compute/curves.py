"""The plots: a function against its derivative (the lab's two curves), and for two variables
a contour of f with its gradient, computed with PyTorch and drawn as Plotly figures in plain JSON.

Every curve is computed by PyTorch over a range, and the derivative drawn is
exactly what autograd returns at each point (the lab's sum trick), not a
finite difference. Kinks and infinite slopes are found in that data and said in
words: relu'(0) = 0 is PyTorch's convention, not calculus. ``explorer.draw.figure``
draws the numbers (its NOTE says what reaches the browser). This module imports
torch, so only worker processes import it (see ``explorer``'s NOTE).

>>> plot = curve("torch.relu(x)", {"x": 2.0}, "x", Range(-1, 1, 201))
>>> [trace["name"] for trace in plot.figure["data"]][:2]
['y = torch.relu(x)', 'dy/dx (autograd)']
>>> plot.figure["data"][0]["x"], plot.figure["data"][0]["y"]  # relu's line: its two straight pieces
([-1.0, 0.0, 1.0], [0.0, 0.0, 1.0])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import numpy as np
import torch

from explorer.compute.explore import Live, run_live
from explorer.compute.recording import dense
from explorer.draw.figure import Line, derivative_name, held_points, layout, line_traces, rounded_list, rounded_lists
from explorer.language.points import Point, PointInput, Range
from explorer.model.plot import GRADIENT, WITH_GRADIENT, Plot

__all__ = ["as_float64", "contour", "curve", "curve_values", "on_grid", "plots"]

_F_COLOUR, _DF_COLOUR, _POINT_COLOUR = "#1f77b4", "#ff7f0e", "#d62728"
# ColorBrewer's Blues, light to dark, as Plotly's Python names it (Plotly.js's own "Blues" runs dark to grey)
_BLUES = [[i / 8, colour] for i, colour in enumerate(
    ["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)", "rgb(107,174,214)",
     "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)"])]
_GRID = 41  # points per axis of the contour
_ARROWS = 9  # gradient arrows per axis
# f and its partials at the chosen point, from PyTorch (None where no gradient reaches), computed when first asked
_Here = Callable[[], tuple[float, list[float | None]]]


def plots(expression: str, points: Mapping[str, Point], window: Range, device: str = "cpu",
          dtype: str = "float32", show_derivative: bool = True, here: _Here | None = None) -> tuple[Plot, ...]:
    """A curve per variable (the others held at their points), and a contour for two variables.

    ``here`` gives f and every partial at ``points`` where the caller has them already (a page's own run).
    """
    variables = tuple(points)
    if here is None and all(not isinstance(p, Range) for p in points.values()):
        # every curve and the contour mark the same point: one run of PyTorch there gives its value and every partial
        here = functools.cache(lambda: _at(expression, points, list(variables), device, dtype))
    sketches = [_sketch(expression, points, v, _window_for(points[v], window), device, dtype, show_derivative, here)
                for v in variables]
    # the lines of all the curves are thinned and rounded together: each step then runs once for all of them
    drawn = iter(line_traces([line for s in sketches if s is not None for line in s.lines]))
    found = [None if s is None else _finish(s, [next(drawn) for _ in s.lines]) for s in sketches]
    if len(variables) == 2 and here is not None:
        found.append(contour(expression, points, window, device, dtype, show_derivative, here))
    return tuple(p for p in found if p is not None)


def curve(expression: str, points: Mapping[str, Point], variable: str, window: Range, device: str = "cpu",
          dtype: str = "float32", show_derivative: bool = True, here: _Here | None = None) -> Plot | None:
    """f and df/d(variable) over the window, the others held fixed; None if f mixes the points.

    ``here`` gives f and every partial at ``points``, where all of them are numbers (``plots`` shares one run).
    """
    sketch = _sketch(expression, points, variable, window, device, dtype, show_derivative, here)
    return None if sketch is None else _finish(sketch, line_traces(sketch.lines))


@dataclass(frozen=True)
class _Sketch:
    """A curve's plot before its lines are thinned: those lines, and what goes around them."""

    variable: str
    lines: tuple[Line, ...]
    marks: tuple[dict, ...]
    layout: dict
    notes: tuple[str, ...]


def _finish(sketch: _Sketch, traces: list[tuple[dict, dict]]) -> Plot:
    data = [line for line, _ in traces] + list(sketch.marks) + [hover for _, hover in traces]
    return Plot("curve", (sketch.variable,), {"data": data, "layout": sketch.layout}, sketch.notes)


def _sketch(expression: str, points: Mapping[str, Point], variable: str, window: Range, device: str,
            dtype: str, show_derivative: bool, here: _Here | None) -> _Sketch | None:
    held = held_points(points, variable)
    live = run_live(expression, {**held, variable: window}, device, dtype)
    found = curve_values(live, window.count)
    if found is None:
        return None  # the points mix (a mean or max inside): the value is not a curve over them
    values, name = found
    leaf = live.leaves[variable]
    xs, f = as_float64(leaf), as_float64(values)
    grad = _gradients(live.output.tensor, [leaf])[0]
    df = np.zeros_like(xs) if grad is None else as_float64(grad)
    output = live.parsed.output
    derivative = derivative_name(output, variable, len(points) > 1)
    exact: list[tuple[float, float, float | None]] = []  # (x, f, f') where PyTorch is asked exactly
    kink_notes = []
    for i in _kinks(df):  # found even with the derivative hidden: f's line goes through the corner itself
        where = _nice_between(float(xs[i]), float(xs[i + 1]))
        value, (slope,) = _at(expression, {**held, variable: where}, [variable], device, dtype)
        exact.append((where, value, slope))
        kink_notes.append(f"kink at {variable} = {where:g}: {derivative} jumps from {_fmt(float(df[i]))} to "
                          f"{_fmt(float(df[i + 1]))}; the derivative is not defined there, and PyTorch returns "
                          f"{_fmt(slope)} by convention.")
    notes = [*_infinite_slopes(xs, df, derivative, variable, window), *kink_notes] if show_derivative else []
    marks: list[dict] = []
    point = points[variable]
    if not isinstance(point, Range):
        if here is None:
            value, (slope,) = _at(expression, {**held, variable: point}, [variable], device, dtype)
        else:
            value, slopes = here()
            slope = slopes[list(points).index(variable)]
        if not math.isfinite(value):
            notes.append(f"{output} is {value} at {variable} = {point:g}")
        else:
            exact.append((point, value, slope))
            marks = _point_marks(point, value, slope if show_derivative else None, variable, window)
    # a short range (the lab's linspace(-10, 10, 10)) shows its points on both curves, to read them one by one
    few = window.count < 20
    lines = [Line(xs, f, name, _F_COLOUR, "solid", tuple((x, v) for x, v, _ in exact), marked=few)]
    if show_derivative:
        lines.append(Line(xs, df, f"{derivative} (autograd)", _DF_COLOUR, "dash",
                           tuple((x, d) for x, _, d in exact if d is not None), marked=few, gradient=True))
    return _Sketch(variable, tuple(lines), tuple(marks), layout(variable, output), tuple(notes))


def contour(expression: str, points: Mapping[str, Point], window: Range, device: str = "cpu",
            dtype: str = "float32", show_derivative: bool = True, here: _Here | None = None) -> Plot | None:
    """f over a grid of two variables, its gradient as arrows, and the chosen point; None if f mixes the points."""
    (a, pa), (b, pb) = points.items()
    grid = Range(window.start, window.stop, _GRID)
    live = run_live(expression, {a: grid, b: grid}, device, dtype)
    found = curve_values(live, _GRID * _GRID)
    if found is None:
        return None
    values, _ = found
    output = live.parsed.output
    axis = rounded_list(as_float64(live.leaves[a])[:: _GRID])  # the grid is indexed [a][b]: a's values down the rows
    surface = {"type": "contour", "x": axis, "y": axis, "z": rounded_list(as_float64(values).reshape(_GRID, _GRID).T),
               "colorscale": _BLUES, "contours": {"showlabels": True}, "name": output,
               "colorbar": {"title": {"text": output}, "outlinewidth": 0, "ticks": ""}}  # z is indexed [y][x]
    data: list[dict] = [surface]
    if show_derivative:
        ga, gb = (np.zeros((_GRID, _GRID)) if g is None else as_float64(g).reshape(_GRID, _GRID)
                  for g in _gradients(live.output.tensor, [live.leaves[a], live.leaves[b]]))
        data.append(_arrows(as_float64(live.leaves[a])[:: _GRID], ga, gb, window))
        _, (da, db) = here() if here is not None else _at(expression, {a: pa, b: pb}, [a, b], device, dtype)
        da, db = da or 0.0, db or 0.0
        chosen = np.array([[pa, pb, da, db]], dtype=np.float64)
        data.append(_arrow_trace(chosen, _inside(chosen, _scale(chosen[:, 2:], window) * 1.5, window), _POINT_COLOUR,
                                 f"gradient at ({pa:g}, {pb:g}) = ({_fmt(da)}, {_fmt(db)})", 4))
    data.append({"type": "scatter", "x": [x for x in axis for _ in axis], "y": axis * len(axis), "mode": "markers",
                 "marker": {"size": 9, "opacity": 0, "maxdisplayed": 1}, "hoverinfo": "skip", "showlegend": False,
                 "name": "click to move the point"})
    data.append({"type": "scatter", "x": [pa], "y": [pb], "mode": "markers", "name": f"({a}, {b}) = ({pa:g}, {pb:g})",
                 "marker": {"color": _POINT_COLOUR, "size": 12, "symbol": "circle"}})
    frame = layout(a, b)
    span = [window.start, window.stop]
    # square cells, so the arrows point the true way; "domain": a frame wider (or taller) than square narrows the
    # drawing, where Plotly would otherwise widen the range and leave the contour in the middle of empty axes
    frame["xaxis"].update(range=span, constrain="domain", constraintoward="left")  # under the title and legend
    frame["yaxis"].update(range=span, scaleanchor="x", scaleratio=1, constrain="domain")
    title = f"{output}({a}, {b})" + (WITH_GRADIENT if show_derivative else "")
    frame.update(title={"text": title, "y": 0.98}, height=520,
                 margin={**frame["margin"], "t": 90})
    return Plot("contour", (a, b), {"data": data, "layout": frame}, ())


def curve_values(live: Live, count: int) -> tuple[torch.Tensor, str] | None:
    """What to draw over ``count`` points and its name; None where the function is not a curve over them.

    A function is a curve when each point's value depends on that point alone:
    only then is autograd's gradient of the sum (the lab's sum trick) the
    derivative at each point. A sum, mean, max or min over the points mixes
    them (``torch.sum(x) * x``, ``x - torch.mean(x)``), except the lab's own
    ``y = torch.sum(Y)``, drawn as its terms Y.
    """
    value = live.entries[live.value_index]
    reductions = _reductions(live)
    if not reductions and value.tensor.numel() == count:
        return value.tensor, f"{live.parsed.output} = {live.parsed.body}"
    if reductions == [live.value_index] and value.op == "sum":
        inner = live.entries[value.operands[0]]
        if inner.tensor.numel() == count:
            return inner.tensor, f"{inner.text} (the terms of the sum)"
    return None


# -- pieces ---------------------------------------------------------------------------------


def _reductions(live: Live) -> list[int]:
    """Entries that make one number of many (sum, mean, max, min over the points), the sum trick aside."""
    trick = len(live.entries) - 1 if live.reduced else None
    return [i for i, e in enumerate(live.entries)
            if i != trick and e.tensor.numel() == 1 and any(live.entries[o].tensor.numel() > 1 for o in e.operands)]


def _gradients(output: torch.Tensor, leaves: list[torch.Tensor]) -> list[torch.Tensor | None]:
    """d output / d each leaf, None where no gradient reaches it (as its ``.grad`` would stay None)."""
    if not output.requires_grad:
        return [None] * len(leaves)
    return list(torch.autograd.grad(output, leaves, allow_unused=True))


def _at(expression: str, at: Mapping[str, PointInput], variables: list[str], device: str,
        dtype: str) -> tuple[float, list[float | None]]:
    """The function's value and its partials at one point, straight from PyTorch (None where no gradient reaches)."""
    live = run_live(expression, at, device, dtype)
    used = [v for v in variables if v in live.leaves]  # a point given for a variable f does not use makes no leaf
    grads = dict(zip(used, _gradients(live.output.tensor, [live.leaves[v] for v in used]), strict=True))
    return live.entries[live.value_index].tensor.item(), [None if (grad := grads.get(v)) is None else grad.item()
                                                          for v in variables]


def _point_marks(x0: float, f0: float, slope: float | None, variable: str, window: Range) -> list[dict]:
    """The chosen point on f, and its tangent where the slope is known and finite."""
    marks = [{"type": "scatter", "x": [x0], "y": [f0], "mode": "markers", "name": f"{variable} = {x0:g}",
              "marker": {"color": _POINT_COLOUR, "size": 12}}]
    if slope is not None and math.isfinite(slope):
        half = (window.stop - window.start) / 6
        xs = [x0 - half, x0 + half]
        marks.append({"type": "scatter", "x": xs, "y": [f0 + slope * (x - x0) for x in xs], "mode": "lines",
                      "name": f"tangent, slope {_fmt(slope)}", "meta": GRADIENT,
                      "line": {"color": _POINT_COLOUR, "width": 2, "dash": "dot"}})
    return marks


def _infinite_slopes(xs: np.ndarray, df: np.ndarray, derivative: str, variable: str, window: Range) -> list[str]:
    bad = ~np.isfinite(df)
    if not bad.any():
        return []
    where = [on_grid(float(x), window) for x in xs[bad]]
    kinds = " or ".join(sorted({str(d) for d in df[bad].tolist()}))
    at = f"at {variable} = {where[0]:g}" if len(where) == 1 else \
        f"at {len(where)} points from {variable} = {where[0]:g} to {where[-1]:g}"
    return [f"{derivative} is {kinds} {at}: the slope is undefined there, so the curve breaks."]


def on_grid(x: float, window: Range) -> float:
    """A point of the window as its grid means it: float32's linspace(-10, 10, 401) holds -1.49e-07 where 0 is
    meant, so the point is rounded to a hundredth of the grid's step (0 here, -9.95 stays -9.95).

    >>> on_grid(-1.4901161e-07, Range(-10, 10, 401)), on_grid(-9.949999809, Range(-10, 10, 401))
    (0.0, -9.95)
    """
    step = abs(window.stop - window.start) / max(window.count - 1, 1)
    if step == 0 or not math.isfinite(x):
        return x
    digits = 2 - math.floor(math.log10(step))
    return round(x, digits) + 0.0  # + 0.0: no -0


def _kinks(df: np.ndarray) -> list[int]:
    """Where the derivative jumps between point i and i + 1: the first three, in order."""
    before, a, b, after = df[:-3], df[1:-2], df[2:-1], df[3:]
    with np.errstate(invalid="ignore"):  # inf - inf: not a kink, and left out below
        # a jump much larger than the change on either side: a corner, not a steep smooth slope
        jump = np.abs(b - a) > 20 * np.maximum(np.abs(a - before), np.abs(after - b)) + 1e-3
    finite = np.isfinite(before) & np.isfinite(a) & np.isfinite(b) & np.isfinite(after)
    return [int(i) + 1 for i in np.flatnonzero(finite & jump)[:3]]


def _arrows(axis: np.ndarray, grad_a: np.ndarray, grad_b: np.ndarray, window: Range) -> dict:
    """The gradient field: arrows centred on grid points half a step in from the window's edges, none longer than
    the room around its point, so every arrow stays on the coloured area."""
    step = max(1, axis.size // _ARROWS)
    picks = np.arange(step // 2, axis.size, step)
    a, b = np.meshgrid(axis[picks], axis[picks], indexing="ij")
    arrows = np.stack([a, b, grad_a[np.ix_(picks, picks)], grad_b[np.ix_(picks, picks)]], axis=-1).reshape(-1, 4)
    arrows = arrows[np.isfinite(arrows).all(axis=1)]
    spacing = float(axis[picks[1]] - axis[picks[0]]) if picks.size > 1 else window.stop - window.start
    margin = min(float(axis[picks[0]]) - window.start, window.stop - float(axis[picks[-1]]))
    room = 0.9 * min(spacing, 2 * margin)
    longest = float(np.hypot(arrows[:, 2], arrows[:, 3]).max()) if len(arrows) else 0.0
    scale = room / longest if longest > 0 else 0.0
    arrows[:, :2] -= scale * arrows[:, 2:] / 2  # the tail half an arrow back: the arrow's middle is its point
    return _arrow_trace(arrows, scale, "#444444", "gradient", 1.5)


def _inside(arrows: np.ndarray, scale: float, window: Range) -> float:
    """``scale``, shortened where an arrow's head would leave the window: the arrow ends at its edge."""
    tails, steps = arrows[:, :2], arrows[:, 2:] * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        room = np.where(steps > 0, (window.stop - tails) / steps, np.where(steps < 0, (window.start - tails) / steps,
                                                                           np.inf))
    fraction = float(np.nan_to_num(room, nan=np.inf).min(initial=1.0))
    return scale * min(max(fraction, 0.0), 1.0)


def _arrow_trace(arrows: np.ndarray, scale: float, colour: str, name: str, width: float) -> dict:
    """Arrows (x, y, dx, dy in each row) as one trace: tail, head, and a break before the next arrow."""
    arrows = arrows[np.isfinite(arrows).all(axis=1)]  # an infinite or undefined gradient has no head to draw
    x, y, g, h = arrows.T
    gap = np.full_like(x, np.nan)
    xs, ys = np.stack([x, x + scale * g, gap], 1).ravel(), np.stack([y, y + scale * h, gap], 1).ravel()
    drawn_x, drawn_y = rounded_lists((xs, 0.0), (ys, 0.0))
    return {"type": "scatter", "x": drawn_x, "y": drawn_y, "mode": "lines+markers", "name": name, "meta": GRADIENT,
            "line": {"color": colour, "width": width},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 9, 0] * len(arrows), "color": colour}}


def _scale(vectors: np.ndarray, window: Range) -> float:
    longest = float(np.hypot(vectors[:, 0], vectors[:, 1]).max()) if len(vectors) else 0.0
    return (window.stop - window.start) / _ARROWS * 0.9 / longest if longest > 0 else 0.0


def _window_for(point: Point, window: Range) -> Range:
    return point if isinstance(point, Range) else window


def as_float64(values: torch.Tensor) -> np.ndarray:
    """A tensor's values, flat, as the numbers ``explorer.draw.figure`` draws (it never imports torch)."""
    return dense(values).to("cpu", torch.float64).numpy().reshape(-1)


def _nice_between(a: float, b: float) -> float:
    """The roundest number in [a, b]: the kink of relu sits at 0, not at 0.0100100."""
    for digits in range(0, 8):
        candidate = round((a + b) / 2, digits)
        if a <= candidate <= b:
            return candidate
    return (a + b) / 2


def _fmt(value: float | None) -> str:
    if value is None:
        return "None"
    return f"{value:.4g}"
