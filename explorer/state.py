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

from .errors import ExpressionError
from .exploration import DTYPES
from .expression import MAX_LENGTH, VARIABLES
from .lessons import lesson
from .points import Range, read_point

__all__ = ["PageState", "from_query", "to_query", "VIEWS", "DEFAULT_POINTS"]

VIEWS = ("explorer", "torchviz")
DEFAULT_POINTS = {"x": "2", "y": "1", "z": "1", "u": "1", "v": "2", "w": "1", "t": "1"}
_NODE_ID = re.compile(r"[tn]\d{1,6}(\.s\d{1,4})?")


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
              "lesson": "lesson", "node": "node", "step": "step"}
_STEP = re.compile(r"\d{1,4}")


def from_query(query: Mapping[str, str | list[str]], devices: tuple[str, ...] = ("cpu",)) -> tuple[
        PageState, tuple[str, ...]]:
    """The state a link asks for, and a message for each parameter that was refused."""
    state, problems = PageState(), []
    values = {key: (value[-1] if isinstance(value, list) else value) for key, value in query.items()}
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
    }
    for field, check in checks.items():
        name = _URL_NAMES[field]
        if name not in values:
            continue
        try:
            ok = check(values[name])
        except ExpressionError:
            ok = False
        if ok:
            state = replace(state, **{field: int(values[name]) if field == "step" else values[name]})
        else:
            problems.append(f"the link's {name}={values[name][:40]!r} was ignored")
    return state, tuple(problems)


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
