"""The exploration: one typed function run through PyTorch, with its graph, values and grads, as plain data.

An ``Exploration`` is what ``explorer.compute.explore.explore`` hands back: the function's
value, each variable's grad, the recorded graph and notes, all plain values.
This module never imports torch, so the app's process reads an exploration
without it; ``explorer.compute.explore`` runs PyTorch to make one.

>>> from explorer import explore
>>> result = explore("y = x**2 + 2*x + 1", {"x": 2})
>>> result.value, result.grad
(9.0, {'x': 6.0})
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.language.expression import Expression
from explorer.language.points import Point
from explorer.model.graph import Graph, Value

__all__ = ["DTYPES", "MAX_RECORDED_VALUES", "Exploration", "recorded_values"]

DTYPES: tuple[str, ...] = ("float32", "float64")
# Every recorded tensor's data and grad become Python numbers; this bounds their count for one run,
# so a long function over a fine range cannot take a server's memory (100 operations on 10,000 points).
MAX_RECORDED_VALUES = 1_000_000


@dataclass(frozen=True)
class Exploration:
    """What one typed function does under autograd, as plain data.

    ``value`` is the function's value (a float, or a list over a range);
    ``grad`` maps each variable to its ``.grad`` after backward (None where no
    gradient reaches it); ``reduced`` says the lab's sum trick was applied.
    """

    expression: str  # as typed
    body: str  # the function after any "y =" prefix
    output: str
    variables: tuple[str, ...]
    points: dict[str, Point]
    device: str
    dtype: str
    value: Value
    grad: dict[str, Value | None]
    graph: Graph
    reduced: bool
    notes: tuple[str, ...]
    torchviz_dot: str | None


def recorded_values(parsed: Expression, elements: int) -> int:
    """How many numbers one run records: every tensor (leaves, terms, the sum) at every point."""
    tensors = len(parsed.variables) + sum(1 for t in parsed.terms() if t.op not in ("number", "variable")) + 1
    return tensors * elements
