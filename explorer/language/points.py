"""The evaluation points: a number, or a range ``start:stop:count`` like ``torch.linspace``.

>>> read_point("2")
2.0
>>> read_point("-10:10:1000")
Range(start=-10.0, stop=10.0, count=1000)

NOTE [how several ranges combine]
One range gives 1-D tensors, as in the lab. When two or more variables get a
range, each variable's leaf is the full grid (``torch.meshgrid``, ``ij``
order), so every point of the grid has its own partial derivatives after the
sum trick, and the leaves stay leaves.
"""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping
from dataclasses import dataclass

from explorer.errors import ExpressionError
from explorer.language.expression import check_characters

__all__ = ["Range", "Point", "PointInput", "read_point", "read_points", "grid_shape", "MAX_POINTS", "MAX_ELEMENTS"]

MAX_POINTS = 10_000  # per range: smooth plots need a few thousand
MAX_ELEMENTS = 40_000  # per tensor: a 200 x 200 grid when two variables have ranges
# A plain decimal number, as typed. ASCII digits only (\d would let float() read other scripts' digits), and one
# way to match each text, so a long answer box entry is read in linear time (the old \d+\.?\d* was quadratic).
NUMBER = re.compile(r"[+-]?(?:[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?")
_PI = re.compile(r"([+-]?)([0-9]++(?:\.[0-9]*+)?)?\s*+\*?\s*+pi")
_COUNT = re.compile(r"[0-9]+")
_LONGEST = 80  # characters of a typed point


@dataclass(frozen=True)
class Range:
    """``count`` evenly spaced points from ``start`` to ``stop``, both included."""

    start: float
    stop: float
    count: int

    def __str__(self) -> str:
        return f"{self.start:g}:{self.stop:g}:{self.count}"


Point = float | Range
# What read_point reads: typed text ("2", "pi/2", "-10:10:100"), a number, (start, stop, count) or a Range.
PointInput = str | float | tuple[float, float, int] | Range


def read_point(text: PointInput, variable: str = "x") -> Point:
    """A number or a Range from what a user typed (or passed from Python)."""
    if isinstance(text, Range):
        return _checked_range(text.start, text.stop, text.count, variable)
    if isinstance(text, bool):
        raise ExpressionError(f"the value of {variable} must be a number, not {text}")
    if isinstance(text, numbers.Real):
        return _finite(_float(text, variable), variable)
    if isinstance(text, tuple | list):
        if len(text) != 3:
            raise ExpressionError(f"a range for {variable} is (start, stop, count)")
        return _checked_range(*text, variable)
    if not isinstance(text, str):
        raise ExpressionError(f"the value of {variable} must be a number or start:stop:count")
    typed = text.strip()
    if len(typed) > _LONGEST:
        raise ExpressionError(f"the value of {variable} is {len(typed):,} characters long; the limit is {_LONGEST}")
    try:
        check_characters(typed)
    except ExpressionError as err:
        raise ExpressionError(f"{err.message} (in the value of {variable})", err.column) from None
    parts = [p.strip() for p in typed.split(":")]
    if len(parts) == 1:
        return _number(parts[0], variable)
    if len(parts) != 3:
        raise ExpressionError(f"a range for {variable} is start:stop:count, as in -10:10:100")
    if not _COUNT.fullmatch(parts[2]):
        raise ExpressionError(f"the count in {variable}'s range must be a whole number, as in -10:10:100")
    return _checked_range(_number(parts[0], variable), _number(parts[1], variable), int(parts[2]), variable)


def read_points(at: Mapping[str, PointInput], variables: tuple[str, ...]) -> dict[str, Point]:
    """The point of every variable the expression uses; an unused one is ignored."""
    if not isinstance(at, Mapping):
        raise ExpressionError("the points are a mapping from each variable to its value, as in {'x': 2}")
    missing = [v for v in variables if v not in at]
    if missing:
        raise ExpressionError(f"give a value for {', '.join(missing)} (a number, or start:stop:count)")
    points = {v: read_point(at[v], v) for v in variables}
    grid_shape(points)
    return points


def grid_shape(points: Mapping[str, Point]) -> tuple[int, ...]:
    """The shape every leaf takes: () for numbers, (n,) for one range, the grid for several."""
    shape = tuple(p.count for p in points.values() if isinstance(p, Range))
    elements = math.prod(shape)
    if elements > MAX_ELEMENTS:
        sizes = " x ".join(str(n) for n in shape)
        raise ExpressionError(f"the ranges make a grid of {sizes} = {elements:,} points; the limit is "
                              f"{MAX_ELEMENTS:,} (for example 200 x 200)")
    return shape


def _number(text: str, variable: str) -> float:
    if NUMBER.fullmatch(text):
        return _finite(float(text), variable)
    match = _PI.fullmatch(text)
    if match:
        factor = float(match.group(2)) if match.group(2) else 1.0
        return _finite((-1.0 if match.group(1) == "-" else 1.0) * factor * math.pi, variable)
    raise ExpressionError(f"'{text}' is not a number (the value of {variable})")


def _float(value: object, variable: str) -> float:
    """A number passed from Python as a float; an int too large for a float is refused, not raised."""
    if isinstance(value, str):
        point = read_point(value, variable)
        if isinstance(point, Range):
            raise ExpressionError(f"the start and stop of {variable}'s range are numbers")
        return point
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise ExpressionError(f"the value of {variable} must be a number, not {type(value).__name__}")
    try:
        return float(value)
    except OverflowError:
        raise ExpressionError(f"the value of {variable} must be a finite number no larger than 1e30") from None


def _finite(value: float, variable: str) -> float:
    if not math.isfinite(value) or abs(value) > 1e30:
        raise ExpressionError(f"the value of {variable} must be a finite number no larger than 1e30")
    return value


def _checked_range(start: object, stop: object, count: object, variable: str) -> Range:
    if not isinstance(count, numbers.Integral) or isinstance(count, bool):
        raise ExpressionError(f"the count of points for {variable} must be a whole number")
    count = int(count)
    if not 1 <= count <= MAX_POINTS:
        raise ExpressionError(f"a range for {variable} has 1 to {MAX_POINTS:,} points, not {count:,}")
    return Range(_finite(_float(start, variable), variable), _finite(_float(stop, variable), variable), count)
