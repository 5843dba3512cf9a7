"""The figures a program's matplotlib calls describe, as Plotly JSON: where the notebook would show its plot.

Program mode records ``plt.plot``, ``plt.xlabel``, ... as data (``PlotCall``)
instead of drawing; this module replays them into Plotly figures, one per
``plt.show()`` (or per ``plt.figure()``, or the program's end), in the explorer's
own layout (``explorer.draw.figure.layout``), drawn by the plot component.

>>> from explorer.model.program_run import PlotCall
>>> calls = (PlotCall(1, "plot", ([0, 1], [0, 1]), (("label", "function"),)), PlotCall(2, "xlabel", ("x",), ()),
...          PlotCall(3, "show", (), ()))
>>> [figure] = figures(calls)
>>> figure["data"][0]["name"], figure["layout"]["xaxis"]["title"]["text"]
('function', 'x')
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from explorer.draw.figure import layout
from explorer.model.program_run import PlotCall

__all__ = ["figures", "MAX_POINTS"]

MAX_POINTS = 20_000  # per trace: more than a lab's plot has, and what a browser redraws at once comfortably
_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b")  # matplotlib's first colours
_DASHES = {"-": "solid", "--": "dash", ":": "dot", "-.": "dashdot"}


def figures(calls: Sequence[PlotCall]) -> tuple[dict, ...]:
    """One Plotly figure per figure the calls drew; calls that draw nothing (a bare ``plt.show()``) make none."""
    done: list[dict] = []
    current = _new()
    for call in calls:
        if call.name in ("show", "figure"):
            if current["data"]:
                done.append(current)
            current = _new()
            continue
        _STEPS.get(call.name, _ignored)(current, call.args, dict(call.kwargs))
    if current["data"]:
        done.append(current)
    for figure in done:
        figure["layout"]["showlegend"] = figure.pop("legend") and any(t.get("name") for t in figure["data"])
    return tuple(done)


def _new() -> dict[str, Any]:
    frame = layout("", "")
    frame["clickmode"] = "none"  # a program's plot has no point to move
    figure: dict[str, Any] = {"data": [], "layout": frame, "legend": False}
    return figure


def _plot(figure: dict, args: tuple, kwargs: dict, mode: str = "lines") -> None:
    rest = list(args)
    while rest:  # plt.plot(x1, y1, fmt, x2, y2, ...): each run of one or two arrays and a format
        first = rest.pop(0)
        second = rest.pop(0) if rest and not isinstance(rest[0], str) else None
        fmt = rest.pop(0) if rest and isinstance(rest[0], str) else ""
        xs, ys = (first, second) if second is not None else (list(range(len(_flat(first)))), first)
        _trace(figure, _flat(xs), _flat(ys), fmt, kwargs, mode)


def _scatter(figure: dict, args: tuple, kwargs: dict) -> None:
    if len(args) >= 2:
        _trace(figure, _flat(args[0]), _flat(args[1]), "o", kwargs, "markers")


def _trace(figure: dict, xs: list, ys: list, fmt: str, kwargs: dict, mode: str) -> None:
    colour = kwargs.get("color") or kwargs.get("c")
    colour = colour if isinstance(colour, str) else _COLOURS[len(figure["data"]) % len(_COLOURS)]
    dash = next((d for f, d in sorted(_DASHES.items(), key=lambda i: -len(i[0])) if f in fmt), "solid")
    markers = any(m in fmt for m in "o.x*s^+") or mode == "markers"
    trace: dict[str, Any] = {"type": "scatter", "x": _numbers(xs), "y": _numbers(ys),
             "mode": "markers" if markers and not any(f in fmt for f in _DASHES) else "lines",
             "line": {"color": colour, "dash": dash, "width": 2.5}, "marker": {"color": colour, "size": 6}}
    if isinstance(kwargs.get("label"), str):
        trace["name"] = kwargs["label"]
    else:
        trace["showlegend"] = False
    figure["data"].append(trace)


def _axis_title(axis: str) -> Callable[[dict, tuple, dict], None]:
    def step(figure: dict, args: tuple, kwargs: dict) -> None:
        if args and isinstance(args[0], str):
            figure["layout"][axis]["title"]["text"] = args[0]
    return step


def _title(figure: dict, args: tuple, kwargs: dict) -> None:
    if args and isinstance(args[0], str):
        figure["layout"]["title"] = {"text": args[0]}
        figure["layout"]["margin"]["t"] = 60


def _legend(figure: dict, args: tuple, kwargs: dict) -> None:
    figure["legend"] = True


def _limits(axis: str) -> Callable[[dict, tuple, dict], None]:
    def step(figure: dict, args: tuple, kwargs: dict) -> None:
        values = list(args[0]) if len(args) == 1 and isinstance(args[0], list) else list(args[:2])
        if len(values) == 2 and all(_finite(v) for v in values):
            figure["layout"][axis]["range"] = values
    return step


def _line(axis: str) -> Callable[[dict, tuple, dict], None]:
    def step(figure: dict, args: tuple, kwargs: dict) -> None:
        at = args[0] if args else kwargs.get("y" if axis == "h" else "x", 0)
        if _finite(at):
            shape: dict[str, Any] = {"type": "line", "line": {"color": "#888", "dash": "dash"}}
            if axis == "h":
                shape.update(xref="paper", x0=0, x1=1, y0=at, y1=at)
            else:
                shape.update(yref="paper", y0=0, y1=1, x0=at, x1=at)
            figure["layout"].setdefault("shapes", []).append(shape)
    return step


def _grid(figure: dict, args: tuple, kwargs: dict) -> None:
    on = bool(args[0]) if args else True
    figure["layout"]["xaxis"]["showgrid"] = figure["layout"]["yaxis"]["showgrid"] = on


def _ignored(figure: dict, args: tuple, kwargs: dict) -> None:
    return None  # subplot, tight_layout: a layout matplotlib needs and one Plotly figure does not


_STEPS: dict[str, Callable[[dict, tuple, dict], None]] = {
    "plot": _plot, "scatter": _scatter, "xlabel": _axis_title("xaxis"), "ylabel": _axis_title("yaxis"),
    "title": _title, "legend": _legend, "xlim": _limits("xaxis"), "ylim": _limits("yaxis"), "grid": _grid,
    "axhline": _line("h"), "axvline": _line("v"),
}


def _flat(value: Any) -> list:
    """A recorded argument as a flat list of numbers (a number alone is a list of one)."""
    found: list[float] = []
    stack = [value]
    while stack and len(found) <= MAX_POINTS:
        item = stack.pop()
        if isinstance(item, list | tuple):
            stack.extend(reversed(item))
        elif isinstance(item, int | float) and not isinstance(item, bool):
            found.append(item)
    return found[:MAX_POINTS]


def _numbers(values: list) -> list:
    # nan and inf as None: Plotly draws a gap, as matplotlib does
    return [float(f"{v:.7g}") if _finite(v) else None for v in values]


def _finite(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
