"""The page state: everything a link must carry, read from and written to URL query parameters.

A shared link is untrusted input: every parameter is checked like typed input,
and a bad one is dropped with a message, so a crafted link still opens a
working page.

>>> state, problems = from_query({"f": "u*v + u**2", "u": "1", "v": "2"})
>>> state.function, state.point("v"), problems
('u*v + u**2', '2', ())
>>> to_query(state)
{'f': 'u*v + u**2', 'u': '1', 'v': '2'}
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from explorer.content.lessons import lesson
from explorer.content.pitfalls import PITFALLS
from explorer.errors import ExpressionError
from explorer.language.expression import MAX_LENGTH, VARIABLES
from explorer.language.points import Range, read_point
from explorer.model.exploration import DTYPES

__all__ = ["PageState", "from_query", "to_query", "VIEWS", "DEFAULT_POINTS", "TOPICS", "DEEPER_VIEWS"]

VIEWS = ("explorer", "torchviz")
# the deeper views of the page's function, each computed only when opened ("Go further")
TOPICS: dict[str, str] = {
    "second": "f'' beside f and f'",
    "hessian": "the Hessian",
    "derivative-graph": "the derivative as a graph",
    "forward": "forward mode beside reverse",
    "symbols": "the derivative in symbols",
}
DEEPER_VIEWS: dict[str, str] = {**TOPICS, "pitfalls": "the errors everyone hits"}
DEFAULT_POINTS = {"x": "2", "y": "1", "z": "1", "u": "1", "v": "2", "w": "1", "t": "1"}
# ASCII digits: \d would also take other scripts' digits, which int() quietly reads as 0-9
_NODE_ID = re.compile(r"[tn][0-9]{1,6}(\.s[0-9]{1,4})?")


@dataclass(frozen=True)
class PageState:
    """What the page shows; every field has a URL parameter of the same meaning."""

    function: str = "y = x ** 2"
    points: tuple[tuple[str, str], ...] = ()  # only the points that differ from DEFAULT_POINTS
    window: str = "-10:10:401"  # the plot's range
    device: str = "cpu"
    dtype: str = "float32"
    view: str = "explorer"
    lesson: str = ""
    node: str = ""  # the selected graph node
    step: int = 0  # the backward player's step; 0 shows the finished backward
    further: str = ""  # the open deeper view (a key of DEEPER_VIEWS), or ""
    pitfall: str = ""  # the pitfall shown when that view is "pitfalls", or "" for the first

    def point(self, variable: str) -> str:
        return dict(self.points).get(variable, DEFAULT_POINTS[variable])

    def with_point(self, variable: str, typed: str) -> PageState:
        points = dict(self.points)
        if typed == DEFAULT_POINTS[variable]:
            points.pop(variable, None)
        else:
            points[variable] = typed
        return replace(self, points=tuple(sorted(points.items())))


_URL_NAMES = {"function": "f", "window": "plot", "device": "device", "dtype": "dtype", "view": "view",
              "lesson": "lesson", "node": "node", "step": "step", "further": "further", "pitfall": "pitfall"}
_STEP = re.compile(r"[0-9]{1,4}")


def from_query(query: Mapping[str, str | list[str]], devices: tuple[str, ...] = ("cpu",)) -> tuple[
        PageState, tuple[str, ...]]:
    """The state a link asks for, and a message for each parameter that was refused."""
    state, problems = PageState(), []
    values = {}
    for key in dict.fromkeys((*_URL_NAMES.values(), *VARIABLES)):
        if key in query:
            value = _text(query[key])
            if value is None:
                problems.append(f"the link's {'function' if key == 'f' else key} was not text and was ignored")
            else:
                values[key] = value
    if "f" in values:
        if len(values["f"]) <= MAX_LENGTH:
            state = replace(state, function=values["f"])  # parsed (and refused if bad) like typed text
        else:
            problems.append(f"the link's function is longer than {MAX_LENGTH} characters")
    points = {}
    for variable in VARIABLES:
        if variable in values:
            try:
                read_point(values[variable], variable)
                points[variable] = values[variable].strip()
            except ExpressionError as err:
                problems.append(f"the link's value of {variable} was ignored: {err.message}")
    state = replace(state, points=tuple(sorted(points.items())))
    checks = {
        "window": lambda v: isinstance(read_point(v, "the plot"), Range),
        "device": lambda v: v in devices,
        "dtype": lambda v: v in DTYPES,
        "view": lambda v: v in VIEWS,
        "lesson": lambda v: lesson(v) is not None,
        "node": lambda v: bool(_NODE_ID.fullmatch(v)),
        "step": lambda v: bool(_STEP.fullmatch(v)),
        "further": lambda v: v in DEEPER_VIEWS,
        "pitfall": lambda v: any(p.key == v for p in PITFALLS),
    }
    reasons = {
        "window": "the plot's range is start:stop:count, as in -10:10:401",
        "device": f"the devices here are {', '.join(devices)}",
        "dtype": f"the dtypes are {', '.join(DTYPES)}",
        "view": f"the views are {', '.join(VIEWS)}",
        "lesson": "there is no lesson of that name",
        "node": "a node is named like t3 or n0.s1",
        "step": "a step is a whole number from 0 to 9999",
        "further": f"the deeper views are {', '.join(DEEPER_VIEWS)}",
        "pitfall": "there is no pitfall of that name",
    }
    for field, check in checks.items():
        name = _URL_NAMES[field]
        if name not in values:
            continue
        reason = reasons[field]
        try:
            ok = check(values[name])
        except ExpressionError as err:
            ok, reason = False, err.message
        if ok:
            change: dict[str, Any] = {field: int(values[name]) if field == "step" else values[name]}  # a field by name
            state = replace(state, **change)
        else:
            problems.append(f"the link's {name}={values[name][:40]!r} was ignored: {reason}")
    return state, tuple(problems)


def _text(value: object) -> str | None:
    """A parameter's text: Streamlit gives a string, or a list of them for a repeated one (the last counts)."""
    if isinstance(value, list | tuple):
        value = value[-1] if value else None
    return value if isinstance(value, str) else None


def to_query(state: PageState) -> dict[str, str]:
    """The URL parameters of a state, leaving out what equals the default."""
    default = PageState()
    query = {}
    for field, name in _URL_NAMES.items():
        value = getattr(state, field)
        if field == "function" or value != getattr(default, field):
            query[name] = str(value)
    query.update(dict(state.points))
    return query
