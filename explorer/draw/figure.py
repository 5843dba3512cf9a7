"""The figures: curves as Plotly JSON, each line thinned to what it needs, and the layout every plot shares.

What the plots show is computed with PyTorch in ``explorer.compute.curves`` (f and f',
the contour and its gradient) and ``explorer.compute.differentiation`` (f''); this module
draws numbers already computed, with numpy, and never imports torch, so the
app's process reads a ``Plot`` without it.

NOTE [what reaches the browser]
A figure is a plain dict in Plotly's JSON schema ({"data": [...], "layout":
{...}}), built without Plotly's graph objects, whose validation costs more
than the autograd run. A curve of up to 10,000 points is thinned before it
is sent: its line keeps only the points it needs to pass within ``TOLERANCE``
of every computed point (a share of the plot's width and of the curve's
height, far below a pixel), and always its ends, the edges of its gaps (nan and
inf are drawn as breaks), its kinks (with the exact point PyTorch computes at
the corner) and the chosen point. Hover and click go to a second, invisible
trace of evenly spaced computed points, so a straight stretch drawn with two
points still answers a click anywhere along it. Numbers are sent to 7
significant digits, float32's precision.

>>> xs = np.linspace(-1, 1, 201)
>>> line, hover = curve_traces(xs, np.maximum(xs, 0), "relu", "#1f77b4", "solid")
>>> line["x"], line["y"]  # relu's line: its two straight pieces
([-1.0, 0.0, 1.0], [0.0, 0.0, 1.0])
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from explorer.language.points import Point, Range
from explorer.model.plot import GRADIENT, Plot

__all__ = ["Line", "PLOTLY_BUNDLE", "STATIC", "TOLERANCE", "curve_traces", "derivative_name", "held_points", "html",
           "layout", "line_traces", "rounded_list", "rounded_lists"]

# plotly.js's cartesian bundle (npm's plotly.js-cartesian-dist-min: every trace kind the plots use), vendored in
# static/: the page loads it from there, and the "Plot HTML" download carries it inline. A new version gets a new
# name, so no browser keeps a stale copy.
STATIC = Path(__file__).resolve().parents[2] / "static"
PLOTLY_BUNDLE = "plotly-cartesian-4.1.1.min.js"


TOLERANCE = 1e-4
# evenly spaced points per curve that answer hover and click (every 0.1 on the default -10:10); invisible, and
# drawn as one marker ("maxdisplayed"): Plotly answers from the data, and each drawn marker is an SVG element
# the browser redraws on every change
_HOVER_POINTS = 201


def html(plots: Sequence[Plot]) -> str:
    """The plots as one self-contained HTML page: the page's "Plot HTML" download.

    plotly.js goes inline, once, so the file draws offline (a classroom without internet, a file saved for
    later); it is the app's own vendored bundle (1.5 MB), not plotly.py's full one (4.8 MB). A worker writes it
    (plotly.py's import and the writing cost the app's process nothing); only the figures' JSON goes in, as
    ``to_html`` escapes it for a script element.
    """
    import plotly.graph_objects as go  # only the workers that are asked for one pay its import

    figures = "\n".join(go.Figure(plot.figure).to_html(include_plotlyjs=False, full_html=False) for plot in plots)
    return (f'<!DOCTYPE html>\n<html><head><meta charset="utf-8"><title>Autograd Explorer plots</title>\n'
            f"<script>{_plotly_js()}</script></head>\n<body>\n{figures}\n</body></html>\n")


@functools.cache
def _plotly_js() -> str:
    # the bundle is our own vendored file; "</script" inside it would end the element early, so it is escaped
    return (STATIC / PLOTLY_BUNDLE).read_text(encoding="utf-8").replace("</script", "<\\/script")


@dataclass(frozen=True)
class Line:
    """One curve to draw as a line and hover points (``curve_traces``'s arguments)."""

    xs: np.ndarray | Sequence[float]
    ys: np.ndarray | Sequence[float]
    name: str
    colour: str
    dash: str
    exact: tuple[tuple[float, float], ...] = ()
    marked: bool = False
    gradient: bool = False  # the line shows a gradient (f'): see model.plot.GRADIENT


def layout(x_title: str, y_title: str) -> dict[str, Any]:
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


def curve_traces(xs: np.ndarray | Sequence[float], ys: np.ndarray | Sequence[float], name: str, colour: str, dash: str,
                 exact: Sequence[tuple[float, float]] = (), marked: bool = False
                 ) -> tuple[dict[str, Any], dict[str, Any]]:
    """One curve as two Plotly traces: its line, thinned to within TOLERANCE, and the points that answer hover and
    click (evenly spaced computed points, invisible unless ``marked``).

    ``exact`` adds points computed on their own (a kink's corner, the chosen point), which the line passes through.
    """
    return line_traces([Line(xs, ys, name, colour, dash, tuple(exact), marked)])[0]


def line_traces(lines: Sequence[Line]) -> list[tuple[dict[str, Any], dict[str, Any]]]:
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
    plain = rounded_lists(*parts)
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
        if line.gradient:
            drawn_line["meta"] = hover["meta"] = GRADIENT
        traces.append((drawn_line, hover))
    return traces


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


def rounded_list(values: np.ndarray, quantum: float = 0.0) -> list:
    """Numbers for the browser's JSON: 7 significant digits (float32's precision) and at least to ``quantum``;
    nan and inf as None, which Plotly draws as a gap."""
    return _rounded(np.asarray(values, dtype=np.float64), _least_digits(quantum))


def rounded_lists(*parts: tuple[np.ndarray, float]) -> list[list[float | None]]:
    """``rounded_list`` of each (values, quantum), in one pass: its dozen numpy calls cost as much for 5 numbers as for
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



def _float64(values: np.ndarray | Sequence[float]) -> np.ndarray:
    return np.asarray(values, dtype=np.float64).reshape(-1)
