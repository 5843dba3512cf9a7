"""The plots: a function against its derivative (the lab's two curves), and for two variables
a contour of f with its gradient, as Plotly figures in plain JSON.

Every curve is computed by PyTorch over a range, and the derivative drawn is
exactly what autograd returns at each point (the lab's sum trick), not a
finite difference. Kinks and infinite slopes are found in that data and said in
words: relu'(0) = 0 is PyTorch's convention, not calculus.

NOTE [what reaches the browser]
A figure is a plain dict in Plotly's JSON schema ({"data": [...], "layout":
{...}}), built without Plotly's graph objects, whose validation used to cost
more than the autograd run. A curve of up to 10,000 points is thinned before it
is sent: its line keeps only the points it needs to pass within ``TOLERANCE``
of every computed point (a share of the plot's width and of the curve's
height, far below a pixel), and always its ends, the edges of its gaps (nan and
inf are drawn as breaks), its kinks (with the exact point PyTorch computes at
the corner) and the chosen point. Hover and click go to a second, invisible
trace of evenly spaced computed points, so a straight stretch drawn with two
points still answers a click anywhere along it. Numbers are sent to 7
significant digits, float32's precision.

>>> plot = curve("torch.relu(x)", {"x": 2.0}, "x", Range(-1, 1, 201))
>>> [trace["name"] for trace in plot.figure["data"]][:2]
['y = torch.relu(x)', 'dy/dx (autograd)']
>>> plot.figure["data"][0]["x"], plot.figure["data"][0]["y"]  # relu's line: its two straight pieces
([-1.0, 0.0, 1.0], [0.0, 0.0, 1.0])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .exploration import Live, run_live
from .points import Point, Range

if TYPE_CHECKING:  # imported where a curve is computed: the app's process reads a Plot without torch
    import torch

__all__ = ["Plot", "TOLERANCE", "contour", "curve", "curve_traces", "curve_values", "derivative_name",
           "held_points", "layout", "plots"]

# How far a drawn line may pass from a computed point, as a share of the plot's width and of the curve's
# height: a ten-thousandth, a tenth of a pixel on a 1,000-pixel plot.
TOLERANCE = 1e-4
# evenly spaced points per curve that answer hover and click (every 0.1 on the default -10:10); invisible, and
# drawn as one marker ("maxdisplayed"): Plotly answers from the data, and each drawn marker is an SVG element
# the browser redraws on every change (Plotly.react of a curve: 79 ms with 201 drawn, 126 ms with 401, Chromium)
_HOVER_POINTS = 201
_F_COLOUR, _DF_COLOUR, _POINT_COLOUR = "#1f77b4", "#ff7f0e", "#d62728"
# ColorBrewer's Blues, light to dark, as Plotly's Python names it (Plotly.js's own "Blues" runs dark to grey)
_BLUES = [[i / 8, colour] for i, colour in enumerate(
    ["rgb(247,251,255)", "rgb(222,235,247)", "rgb(198,219,239)", "rgb(158,202,225)", "rgb(107,174,214)",
     "rgb(66,146,198)", "rgb(33,113,181)", "rgb(8,81,156)", "rgb(8,48,107)"])]
_GRID = 41  # points per axis of the contour
_ARROWS = 9  # gradient arrows per axis
# f and its partials at the chosen point, from PyTorch (None where no gradient reaches), computed when first asked
_Here = Callable[[], tuple[float, list]]


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
    here = None
    if all(not isinstance(p, Range) for p in points.values()):
        # every curve and the contour mark the same point: one run of PyTorch there gives its value and every partial
        here = functools.cache(lambda: _at(expression, points, list(variables), device, dtype))
    sketches = [_sketch(expression, points, v, _window_for(points[v], window), device, dtype, show_derivative, here)
                for v in variables]
    # the lines of all the curves are thinned and rounded together: each step then runs once for all of them
    drawn = iter(_traces([line for s in sketches if s is not None for line in s.lines]))
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
    return None if sketch is None else _finish(sketch, _traces(sketch.lines))


@dataclass(frozen=True)
class _Line:
    """One curve to draw as a line and hover points (``curve_traces``'s arguments)."""

    xs: np.ndarray
    ys: np.ndarray
    name: str
    colour: str
    dash: str
    exact: tuple[tuple[float, float], ...] = ()
    marked: bool = False


@dataclass(frozen=True)
class _Sketch:
    """A curve's plot before its lines are thinned: those lines, and what goes around them."""

    variable: str
    lines: tuple[_Line, ...]
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
    xs, f = _float64(leaf), _float64(values)
    grad = _gradients(live.output.tensor, [leaf])[0]
    df = np.zeros_like(xs) if grad is None else _float64(grad)
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
    notes = [*_infinite_slopes(xs, df, derivative, variable), *kink_notes] if show_derivative else []
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
    lines = [_Line(xs, f, name, _F_COLOUR, "solid", tuple((x, v) for x, v, _ in exact))]
    if show_derivative:
        # a short range shows its points, as Plotly draws a trace of fewer than 20 points by default
        lines.append(_Line(xs, df, f"{derivative} (autograd)", _DF_COLOUR, "dash",
                           tuple((x, d) for x, _, d in exact if d is not None), marked=window.count < 20))
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
    axis = _plain(_float64(live.leaves[a])[:: _GRID])  # the grid is indexed [a][b]: a's values down the rows
    surface = {"type": "contour", "x": axis, "y": axis, "z": _plain(_float64(values).reshape(_GRID, _GRID).T),
               "colorscale": _BLUES, "contours": {"showlabels": True}, "name": output,
               "colorbar": {"title": {"text": output}, "outlinewidth": 0, "ticks": ""}}  # z is indexed [y][x]
    data = [surface]
    if show_derivative:
        ga, gb = (np.zeros((_GRID, _GRID)) if g is None else _float64(g).reshape(_GRID, _GRID)
                  for g in _gradients(live.output.tensor, [live.leaves[a], live.leaves[b]]))
        data.append(_arrows(_float64(live.leaves[a])[:: _GRID], ga, gb, window))
        _, (da, db) = here() if here is not None else _at(expression, {a: pa, b: pb}, [a, b], device, dtype)
        da, db = da or 0.0, db or 0.0
        chosen = np.array([[pa, pb, da, db]], dtype=np.float64)
        data.append(_arrow_trace(chosen, _scale(chosen[:, 2:], window) * 1.5, _POINT_COLOUR,
                                 f"gradient at ({pa:g}, {pb:g}) = ({_fmt(da)}, {_fmt(db)})", 4))
    data.append({"type": "scatter", "x": [x for x in axis for _ in axis], "y": axis * len(axis), "mode": "markers",
                 "marker": {"size": 9, "opacity": 0, "maxdisplayed": 1}, "hoverinfo": "skip", "showlegend": False,
                 "name": "click to move the point"})
    data.append({"type": "scatter", "x": [pa], "y": [pb], "mode": "markers", "name": f"({a}, {b}) = ({pa:g}, {pb:g})",
                 "marker": {"color": _POINT_COLOUR, "size": 12, "symbol": "circle"}})
    frame = layout(a, b)
    span = [window.start, window.stop]
    frame["xaxis"]["range"] = span
    frame["yaxis"].update(range=span, scaleanchor="x", scaleratio=1)  # square cells: arrows point the true way
    frame.update(title={"text": f"{output}({a}, {b}) with its gradient", "y": 0.98}, height=520,
                 margin={**frame["margin"], "t": 90})
    return Plot("contour", (a, b), {"data": data, "layout": frame}, ())


def layout(x_title: str, y_title: str) -> dict:
    """The layout every plot of the explorer shares: axis titles, size, legend on top, clicks select."""
    return {"xaxis": _axis(x_title), "yaxis": _axis(y_title), "height": 420,
            "margin": {"l": 40, "r": 20, "t": 40, "b": 40},
            # "normal": a curve and its hover points share a legend group, which would otherwise space the legend
            "legend": {"orientation": "h", "yanchor": "bottom", "y": 1.02, "traceorder": "normal"},
            "font": {"size": 14}, "clickmode": "event+select", "hoverlabel": {"align": "left"}}


def _axis(title: str) -> dict:
    # what Plotly's default template set and Streamlit's theme leaves alone: a bold zero line, room for the labels
    return {"title": {"text": title}, "automargin": True, "zerolinewidth": 2}


def held_points(points: Mapping[str, Point], variable: str) -> dict[str, float]:
    """The other variables' points while one varies: a range is held at its middle."""
    return {k: ((p.start + p.stop) / 2 if isinstance(p, Range) else p) for k, p in points.items() if k != variable}


def derivative_name(output: str, variable: str, several: bool, order: int = 1) -> str:
    """The derivative as written: dy/dx, ∂f/∂u for a function of several variables, d²y/dx² for the second."""
    d, power = "∂" if several else "d", {1: "", 2: "²"}[order]
    return f"{d}{power}{output}/{d}{variable}{power}"


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


def curve_traces(xs: torch.Tensor | np.ndarray, ys: torch.Tensor | np.ndarray, name: str, colour: str, dash: str,
                 exact: Sequence[tuple[float, float]] = (), marked: bool = False) -> tuple[dict, dict]:
    """One curve as two Plotly traces: its line, thinned to within TOLERANCE, and the points that answer hover and
    click (evenly spaced computed points, invisible unless ``marked``).

    ``exact`` adds points computed on their own (a kink's corner, the chosen point), which the line passes through.
    """
    return _traces([_Line(xs, ys, name, colour, dash, tuple(exact), marked)])[0]


def _traces(lines: Sequence[_Line]) -> list[tuple[dict, dict]]:
    """``curve_traces`` of each line, thinned and rounded in one pass for all."""
    if not lines:
        return []
    drawn, hovers = [], []
    for line in lines:
        xs, ys = _float64(line.xs), _float64(line.ys)
        height = _height(ys[np.isfinite(ys)])
        width = float(xs[-1] - xs[0]) or 1.0
        drawn.append((*_with_points(xs, ys, line.exact), height))
        every = np.arange(0, xs.size, math.ceil(xs.size / _HOVER_POINTS))
        if every[-1] != xs.size - 1:
            every = np.append(every, xs.size - 1)
        # rounding moves a point by a fortieth of the tolerance at most, however far from 0 the curve lies
        hovers.append((xs[every], ys[every], TOLERANCE * width / 20, TOLERANCE * height / 20))
    parts = []
    for (line_x, line_y, _, _), kept, (hover_x, hover_y, x_quantum, y_quantum) in zip(
            drawn, _thinned_each(drawn), hovers, strict=True):
        parts += [(line_x[kept], x_quantum), (line_y[kept], y_quantum), (hover_x, x_quantum), (hover_y, y_quantum)]
    plain = _plain_each(*parts)
    traces = []
    for i, line in enumerate(lines):
        line_xs, line_ys, hover_xs, hover_ys = plain[4 * i: 4 * i + 4]
        name = line.name
        drawn_line = {"type": "scatter", "x": line_xs, "y": line_ys, "name": name, "mode": "lines",
                      "line": {"color": line.colour, "width": 3, "dash": line.dash}, "legendgroup": name,
                      "hoverinfo": "skip"}
        # invisible points answer hover and click from Plotly's data, not from drawn markers: draw one, not 201
        marker = {"size": 6, "color": line.colour} if line.marked else {"size": 7, "opacity": 0, "maxdisplayed": 1}
        hover = {"type": "scatter", "x": hover_xs, "y": hover_ys, "name": name, "mode": "markers", "marker": marker,
                 "legendgroup": name, "showlegend": False}
        traces.append((drawn_line, hover))
    return traces


# -- pieces ---------------------------------------------------------------------------------


def _reductions(live: Live) -> list[int]:
    """Entries that make one number of many (sum, mean, max, min over the points), the sum trick aside."""
    trick = len(live.entries) - 1 if live.reduced else None
    return [i for i, e in enumerate(live.entries)
            if i != trick and e.tensor.numel() == 1 and any(live.entries[o].tensor.numel() > 1 for o in e.operands)]


def _gradients(output: torch.Tensor, leaves: list[torch.Tensor]) -> list[torch.Tensor | None]:
    """d output / d each leaf, None where no gradient reaches it (as its ``.grad`` would stay None)."""
    import torch

    if not output.requires_grad:
        return [None] * len(leaves)
    return list(torch.autograd.grad(output, leaves, allow_unused=True))


def _at(expression: str, at: dict, variables: list[str], device: str, dtype: str) -> tuple[float, list]:
    """The function's value and its partials at one point, straight from PyTorch (None where no gradient reaches)."""
    live = run_live(expression, at, device, dtype)
    used = [v for v in variables if v in live.leaves]  # a point given for a variable f does not use makes no leaf
    grads = dict(zip(used, _gradients(live.output.tensor, [live.leaves[v] for v in used]), strict=True))
    return live.entries[live.value_index].tensor.item(), [None if grads.get(v) is None else grads[v].item()
                                                          for v in variables]


def _point_marks(x0: float, f0: float, slope: float | None, variable: str, window: Range) -> list[dict]:
    """The chosen point on f, and its tangent where the slope is known and finite."""
    marks = [{"type": "scatter", "x": [x0], "y": [f0], "mode": "markers", "name": f"{variable} = {x0:g}",
              "marker": {"color": _POINT_COLOUR, "size": 12}}]
    if slope is not None and math.isfinite(slope):
        half = (window.stop - window.start) / 6
        xs = [x0 - half, x0 + half]
        marks.append({"type": "scatter", "x": xs, "y": [f0 + slope * (x - x0) for x in xs], "mode": "lines",
                      "name": f"tangent, slope {_fmt(slope)}",
                      "line": {"color": _POINT_COLOUR, "width": 2, "dash": "dot"}})
    return marks


def _infinite_slopes(xs: np.ndarray, df: np.ndarray, derivative: str, variable: str) -> list[str]:
    bad = ~np.isfinite(df)
    if not bad.any():
        return []
    where = xs[bad]
    kinds = " or ".join(sorted({str(d) for d in df[bad].tolist()}))
    at = f"at {variable} = {where[0]:g}" if where.size == 1 else \
        f"at {where.size} points from {variable} = {where[0]:g} to {where[-1]:g}"
    return [f"{derivative} is {kinds} {at}: the slope is undefined there, so the curve breaks."]


def _kinks(df: np.ndarray) -> list[int]:
    """Where the derivative jumps between point i and i + 1: the first three, in order."""
    before, a, b, after = df[:-3], df[1:-2], df[2:-1], df[3:]
    with np.errstate(invalid="ignore"):  # inf - inf: not a kink, and left out below
        # a jump much larger than the change on either side: a corner, not a steep smooth slope
        jump = np.abs(b - a) > 20 * np.maximum(np.abs(a - before), np.abs(after - b)) + 1e-3
    finite = np.isfinite(before) & np.isfinite(a) & np.isfinite(b) & np.isfinite(after)
    return [int(i) + 1 for i in np.flatnonzero(finite & jump)[:3]]


def _with_points(xs: np.ndarray, ys: np.ndarray, exact: Sequence[tuple[float, float]]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The curve with the exactly computed points inserted in order (the finite ones: a lone nan would break the
    line where the range has none), and which points its line must keep."""
    keep = np.zeros(xs.size, dtype=bool)
    at, new_x, new_y = [], [], []  # where each new point goes in the range as it was, in order
    for x0, y0 in sorted(p for p in exact if math.isfinite(p[1])):
        j = int(np.searchsorted(xs, x0))
        if j < xs.size and xs[j] == x0:
            keep[j] = True  # already a point of the range
        elif 0 < j < xs.size and x0 not in new_x:  # outside the window nothing is inserted
            at.append(j)
            new_x.append(x0)
            new_y.append(y0)
    if not at:
        return xs, ys, keep
    # np.insert's own bookkeeping costs more than these few array operations
    added = np.zeros(xs.size + len(at), dtype=bool)
    added[np.add(at, np.arange(len(at)))] = True
    return _spread(xs, new_x, added), _spread(ys, new_y, added), _spread(keep, True, added)


def _spread(old: np.ndarray, new: object, added: np.ndarray) -> np.ndarray:
    """``old`` with ``new`` where ``added`` is True."""
    out = np.empty(added.size, dtype=old.dtype)
    out[added] = new
    out[~added] = old
    return out


def _thinned_each(curves: Sequence[tuple[np.ndarray, np.ndarray, np.ndarray, float]]) -> list[np.ndarray]:
    """Which points each line (xs, ys, keep, height) needs, as a mask: every point lies within half of TOLERANCE of
    the line's segment over it, measured in shares of the plot's width and of the curve's ``height`` (the rounding
    takes a little of the other half).

    Ramer-Douglas-Peucker without recursion: each round splits every segment whose farthest point is beyond the
    tolerance at that point, and at its middle too when the farthest point lies in an outer quarter, so that a
    round shortens every segment to three quarters at most and 10,000 points take about 30 rounds. A segment
    within the tolerance is final: later rounds measure only the points of segments still being split.

    A round costs some 30 numpy calls on a few hundred numbers, so their fixed cost is what counts. Hence all the
    lines in one pass, one after another: each keeps its ends, so no segment spans two lines, and the rounds of
    one line are those it would take alone. And plain ufuncs (not np.clip or np.diff), one errstate for all
    rounds, each point's coordinates carried along with it.
    """
    keeps, pxs, pys, finites = [], [], [], []
    for xs, ys, keep, height in curves:
        finite = np.isfinite(ys)
        keep = keep.copy()
        keep[[0, -1]] = True
        # a gap stays a gap: keep the finite points at its edges and its first point, whose None breaks the line
        edge = finite[1:] != finite[:-1]
        keep[1:] |= edge
        keep[:-1] |= edge & finite[:-1]
        keeps.append(keep)
        finites.append(finite)
        pxs.append((xs - xs[0]) / (float(xs[-1] - xs[0]) or 1.0))
        pys.append(ys / height)
    keep, px, py = np.concatenate(keeps), np.concatenate(pxs), np.concatenate(pys)
    todo = np.flatnonzero(~keep & np.concatenate(finites))  # a point inside a gap is not drawn: nothing to measure
    tx, ty = px[todo], py[todo]
    begins = np.empty(todo.size, dtype=bool)
    with np.errstate(invalid="ignore", over="ignore"):
        while todo.size:
            kept = np.flatnonzero(keep)
            after = kept.searchsorted(todo)  # each point lies between kept[after - 1] and kept[after]
            start, end = kept[after - 1], kept[after]
            distance = _distance(tx, ty, px[start], py[start], px[end], py[end])
            begins = begins[:todo.size]  # where each segment's points begin in ``todo``
            begins[0] = True
            np.not_equal(after[1:], after[:-1], out=begins[1:])
            first = np.flatnonzero(begins)
            segment = begins.cumsum() - 1
            worst = np.maximum.reduceat(distance, first)
            splits = worst > TOLERANCE / 2
            if not splits.any():
                break
            farthest = np.minimum.reduceat(np.where(distance == worst[segment], todo, keep.size), first)[splits]
            low, high = start[first[splits]], end[first[splits]]
            outer = 4 * np.minimum(farthest - low, high - farthest) < high - low
            keep[farthest] = True
            keep[(low + high)[outer] // 2] = True
            left = splits[segment]
            left[left] = ~keep[todo[left]]
            todo, tx, ty = todo[left], tx[left], ty[left]
    return np.split(keep, np.cumsum([k.size for k in keeps])[:-1])


def _distance(px: np.ndarray, py: np.ndarray, x0: np.ndarray, y0: np.ndarray, x1: np.ndarray, y1: np.ndarray
              ) -> np.ndarray:
    """Each point's distance to its segment from (x0, y0) to (x1, y1); inf where it passes float64's range.

    The caller silences float64's overflow and invalid warnings."""
    dx, dy = x1 - x0, y1 - y0
    ax, ay = px - x0, py - y0
    length = dx * dx + dy * dy
    t = np.maximum(np.minimum((ax * dx + ay * dy) / np.where(length > 0, length, 1.0), 1.0), 0.0)
    distance = np.hypot(ax - t * dx, ay - t * dy)
    distance[np.isnan(distance)] = np.inf
    return distance


def _height(finite: np.ndarray) -> float:
    """The curve's height for the tolerance: from its 1st to its 99th percentile, so that the huge values near a
    pole do not make the rest coarse (a zoom still shows it smooth); else its whole span, else its size."""
    if finite.size == 0:
        return 1.0
    ranks = round(0.01 * (finite.size - 1)), round(0.99 * (finite.size - 1))
    low, high = np.partition(finite, ranks)[list(ranks)]
    for height in (high - low, finite.max() - finite.min(), np.abs(finite).max()):
        if height > 0 and math.isfinite(height):
            return float(height)
    return 1.0


# 10**d for d from -22 to 22 as a multiplier and a divisor, (10**d, 1) or (1, 10**-d): every whole power of ten up
# to 1e22 is an exact double, so v * up / down is v * 10**d or v / 10**-d, each rounded once
_UP = np.array([float(10 ** max(d, 0)) for d in range(-22, 23)])
_DOWN = np.array([float(10 ** max(-d, 0)) for d in range(-22, 23)])


def _plain(values: np.ndarray, quantum: float = 0.0) -> list:
    """Numbers for the browser's JSON: 7 significant digits (float32's precision) and at least to ``quantum``;
    nan and inf as None, which Plotly draws as a gap."""
    return _rounded(np.asarray(values, dtype=np.float64), _least_digits(quantum))


def _plain_each(*parts: tuple[np.ndarray, float]) -> list[list]:
    """``_plain`` of each (values, quantum), in one pass: its dozen numpy calls cost as much for 5 numbers as for
    500, so one pass over a trace's four arrays takes little more than one of them."""
    values = [np.asarray(v, dtype=np.float64).reshape(-1) for v, _ in parts]
    sizes = [v.size for v in values]
    out = _rounded(np.concatenate(values), np.repeat([_least_digits(q) for _, q in parts], sizes))
    ends = np.cumsum(sizes).tolist()
    return [out[end - size:end] for end, size in zip(ends, sizes, strict=True)]


def _least_digits(quantum: float) -> float:
    return -math.floor(math.log10(quantum)) if quantum > 0 else -math.inf


def _rounded(v: np.ndarray, least: float | np.ndarray) -> list:
    """v to 7 significant digits and at least ``least`` decimals, as a (nested) list with None for nan and inf."""
    finite = np.isfinite(v)
    digits = np.maximum(6 - np.floor(np.log10(np.where(finite & (v != 0), np.abs(v), 1.0))), least)
    at = np.minimum(np.maximum(digits, -22), 22).astype(int) + 22
    up, down = _UP[at], _DOWN[at]
    with np.errstate(over="ignore", invalid="ignore"):
        # a whole number divided by an exact power of ten: the double nearest the rounded decimal, printed short
        rounded = np.rint(v * up / down) / up * down
    exact = finite & (np.abs(digits) <= 22) & np.isfinite(rounded)
    out = (np.where(exact, rounded, v) + 0.0).tolist()  # + 0.0: no -0.0 on an axis
    if v.ndim > 1:
        for row, column in np.argwhere(~finite).tolist():
            out[row][column] = None
    else:
        for i in np.flatnonzero(~finite).tolist():
            out[i] = None
    return out


def _arrows(axis: np.ndarray, grad_a: np.ndarray, grad_b: np.ndarray, window: Range) -> dict:
    picks = np.arange(0, axis.size, max(1, axis.size // _ARROWS))
    a, b = np.meshgrid(axis[picks], axis[picks], indexing="ij")
    arrows = np.stack([a, b, grad_a[np.ix_(picks, picks)], grad_b[np.ix_(picks, picks)]], axis=-1).reshape(-1, 4)
    arrows = arrows[np.isfinite(arrows).all(axis=1)]
    return _arrow_trace(arrows, _scale(arrows[:, 2:], window), "#444444", "gradient", 1.5)


def _arrow_trace(arrows: np.ndarray, scale: float, colour: str, name: str, width: float) -> dict:
    """Arrows (x, y, dx, dy in each row) as one trace: tail, head, and a break before the next arrow."""
    x, y, g, h = arrows.T
    gap = np.full_like(x, np.nan)
    xs, ys = np.stack([x, x + scale * g, gap], 1).ravel(), np.stack([y, y + scale * h, gap], 1).ravel()
    xs, ys = _plain_each((xs, 0.0), (ys, 0.0))
    return {"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "name": name,
            "line": {"color": colour, "width": width},
            "marker": {"symbol": "arrow", "angleref": "previous", "size": [0, 9, 0] * len(arrows), "color": colour}}


def _scale(vectors: np.ndarray, window: Range) -> float:
    longest = float(np.hypot(vectors[:, 0], vectors[:, 1]).max()) if len(vectors) else 0.0
    return (window.stop - window.start) / _ARROWS * 0.9 / longest if longest > 0 else 0.0


def _window_for(point: Point, window: Range) -> Range:
    return point if isinstance(point, Range) else window


def _float64(values: torch.Tensor | np.ndarray) -> np.ndarray:
    import torch

    if isinstance(values, torch.Tensor):
        values = values.detach().to("cpu", torch.float64).numpy()
    return np.asarray(values, dtype=np.float64).reshape(-1)


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
