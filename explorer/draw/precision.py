"""Numbers as the page writes them: short (4 significant digits, the graph's boxes), or at the precision the tensor's
dtype carries, and a tensor's values whole where a learner checks them point by point.

A recorded value is a Python float (float64) whatever the tensor's dtype; a float32 tensor's value is exactly
a float32 number, and ``exact`` writes the shortest decimal that reads back as that float32 number (what
``torch.set_printoptions(precision=...)`` large enough, or numpy's ``str(np.float32(v))``, shows), so float32
reads ``1.8185948`` where float64 reads ``1.8185948536513634``.

>>> exact(1.8185948133468628, "float32"), exact(1.8185948536513634, "float64"), exact(4.0, "float32")
('1.8185948', '1.8185948536513634', '4')
>>> whole([0.5, 1.0, -2.25], "float32")
'[0.5, 1, -2.25]'
"""

from __future__ import annotations

import math

import numpy as np

from explorer.draw.dot import format_value
from explorer.model.graph import Value, flat

__all__ = ["WHOLE", "SIGNIFICANT", "exact", "shown", "whole"]

# a vector of up to this many elements is written out whole in the table and the inspector (the lab's
# linspace(-10, 10, 10) and a few tens of points); past it, the page offers the rest on demand
WHOLE = 50
# significant digits each dtype carries: where ``exact`` cannot ask numpy for the dtype itself
SIGNIFICANT = {"float16": 4, "bfloat16": 3, "float32": 9, "float64": 17}
_NUMPY = {"float16": np.float16, "float32": np.float32}


def _dtype(name: str) -> str:
    return name.removeprefix("torch.")


def exact(value: float | int | bool, dtype: str) -> str:
    """``value`` at the precision ``dtype`` carries: the shortest decimal that reads back as the same number."""
    if isinstance(value, bool | int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    name = _dtype(dtype)
    if name in _NUMPY:
        text = str(_NUMPY[name](value))
    elif name == "float64":
        text = repr(float(value))
    else:  # bfloat16 and what numpy cannot hold: as many digits as the dtype carries
        text = f"{value:.{SIGNIFICANT.get(name, 17)}g}"
    return text.removesuffix(".0") if "e" not in text else text


def shown(value: Value | None, dtype: str, full: bool) -> str:
    """A value in a line or a table cell: short (``format_value``), or where ``full`` a number at the dtype's
    precision (a vector stays short: its elements have a table of their own)."""
    if full and value is not None and not isinstance(value, list):
        return exact(value, dtype)
    return format_value(value)


def whole(value: Value | None, dtype: str, limit: int = WHOLE) -> str:
    """A tensor's values at the dtype's precision: up to ``limit`` of them written out (nested as the tensor is),
    else its first and last and how many."""
    if value is None:
        return "None"
    if not isinstance(value, list):
        return exact(value, dtype)
    values = flat(value)
    if len(values) > limit:
        return f"[{exact(values[0], dtype)} ... {exact(values[-1], dtype)}] ({len(values):,})"

    def nested(item: Value) -> str:  # as deep as the tensor has dimensions
        if isinstance(item, list):
            return "[" + ", ".join(nested(inner) for inner in item) + "]"
        return exact(item, dtype)

    return nested(value)
