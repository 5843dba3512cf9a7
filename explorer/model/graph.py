"""The recorded graph: PyTorch's autograd graph and its tensors, as plain frozen data.

Every autograd node has an id of our own (``n0`` is the output's grad_fn, then
breadth-first), every tensor one too (``t0``, ...), and each node lists what it
saved for backward. Nothing here holds a tensor or a grad_fn, so a graph can be
cached, sent between processes as JSON and drawn anywhere, and this module never
imports torch: ``explorer.compute.recording`` walks PyTorch's live graph into it.

>>> from explorer import explore
>>> graph = explore("x ** 2", {"x": 2}).graph
>>> [node.name for node in graph.nodes], graph.tensor(graph.output).grad_fn
(['PowBackward0', 'AccumulateGrad'], 'PowBackward0')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["TensorInfo", "Saved", "GradNode", "Graph", "distinct_labels", "flat", "Value"]

Value = float | list  # a Python number, or nested lists for a tensor with dimensions


@dataclass(frozen=True)
class TensorInfo:
    """Everything the lab prints about one tensor, and where it sits in the graph."""

    id: str
    label: str
    text: str
    role: str
    op: str
    data: Value
    grad: Value | None
    grad_fn: str | None
    is_leaf: bool
    requires_grad: bool
    retains_grad: bool
    shape: tuple[int, ...]
    dtype: str
    device: str
    node: str | None  # the autograd node that made it (grad_fn), or accumulates into it
    operands: tuple[str, ...]


@dataclass(frozen=True)
class Saved:
    """One thing an autograd node saved for backward: a tensor or a plain attribute."""

    name: str  # "self", "exponent", "result", "saved_tensors[0]"
    is_tensor: bool
    value: Value | str | None
    shape: tuple[int, ...] = ()
    same_as: str | None = None  # the recorded tensor with the same storage, if any


@dataclass(frozen=True)
class GradNode:
    """One autograd node (a grad_fn, or AccumulateGrad for a leaf)."""

    id: str
    name: str
    inputs: tuple[str | None, ...]  # next_functions as our node ids; None where no grad flows
    saved: tuple[Saved, ...]
    tensor: str | None  # the tensor it produced, or the leaf it accumulates into


@dataclass(frozen=True)
class Graph:
    """The recorded autograd graph and every tensor known to it."""

    tensors: tuple[TensorInfo, ...]
    nodes: tuple[GradNode, ...]
    output: str  # id of the output tensor
    root: str | None  # id of the output's grad_fn; None for a leaf or a constant

    def tensor(self, tensor_id: str) -> TensorInfo:
        return next(t for t in self.tensors if t.id == tensor_id)

    def node(self, node_id: str) -> GradNode:
        return next(n for n in self.nodes if n.id == node_id)


def flat(value: Value | None) -> list[float]:
    """A tensor's values in order, from the nested lists ``record`` makes (a number gives one)."""
    if isinstance(value, list) and value and isinstance(value[0], list):
        import numpy as np  # only for a tensor with dimensions

        try:  # a grid's tensor nests a list per dimension: numpy walks it in C (seconds in Python at 40,000 points)
            return np.asarray(value).ravel().tolist()
        except ValueError:
            pass  # ragged: not a tensor's shape, walked below
    stack, found = [value], []
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(reversed(item))
        elif item is not None:
            found.append(item)
    return found


def distinct_labels(graph: Graph) -> dict[str, str]:
    """Each tensor's label, numbered where tensors share one: ``f = u * v + (u * v) ** 2`` writes ``u * v`` twice
    and PyTorch computes it twice, two tensors, shown as ``u * v (1 of 2)`` and ``u * v (2 of 2)``.

    >>> from explorer import explore
    >>> [label for label in distinct_labels(explore("u * v + (u * v) ** 2", {"u": 2, "v": 1}).graph).values()
    ...  if "of" in label]
    ['u * v (1 of 2)', 'u * v (2 of 2)']
    """
    counts: dict[str, int] = {}
    for tensor in graph.tensors:
        counts[tensor.label] = counts.get(tensor.label, 0) + 1
    seen: dict[str, int] = {}
    labels = {}
    for tensor in graph.tensors:
        if counts[tensor.label] == 1:
            labels[tensor.id] = tensor.label
            continue
        seen[tensor.label] = seen.get(tensor.label, 0) + 1
        labels[tensor.id] = f"{tensor.label} ({seen[tensor.label]} of {counts[tensor.label]})"
    return labels
