"""The recording: PyTorch's live autograd graph and its tensors, read into ``explorer.model.graph``'s plain data.

``record`` walks the live graph behind an output tensor with an explicit queue,
gives every autograd node an id of our own (``n0`` is the output's grad_fn, then
breadth-first), reads each node's saved tensors and attributes, and reads every
known tensor's data and grad. What comes back (a ``Graph``) holds no tensor and
no grad_fn, so it can be cached, sent as JSON and drawn anywhere; only this
module, which imports torch, sees the live graph.

>>> import torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> graph = record(x ** 2, [Labeled(x, "x", "x", "input")])
>>> [node.name for node in graph.nodes]
['PowBackward0', 'AccumulateGrad']

NOTE [why saved tensors read before backward]
``backward()`` frees what each node saved unless ``retain_graph=True``; reading
``_saved_self`` afterwards raises. So the walk happens first, then backward (or,
for a tensor a user built in a notebook, ``torch.autograd.grad`` with
``retain_graph=True``, so their own ``.grad`` fields stay untouched), then the
tensors' data and grads are read.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

import torch
from torch.autograd.graph import Node

from explorer.model.graph import GradNode, Graph, Saved, TensorInfo, Value

__all__ = ["Labeled", "dense", "record", "node_ids"]

_SAVED_PREFIX = "_saved_"
# What a node saved, as plain data, each with the live tensor for matching (or None).
_SavedItems = list[tuple[Saved, torch.Tensor | None]]
# One visited node: the node, its next_functions' nodes (None where no gradient flows), what it saved.
_Visit = tuple[Node, tuple[Node | None, ...], _SavedItems]


@dataclass
class Labeled:
    """A live tensor and how to show it (input of ``record``; never leaves this package)."""

    tensor: torch.Tensor
    label: str  # "x", "y", or the subexpression that made it
    text: str  # the subexpression as typed
    role: str  # "input", "constant", "intermediate" or "output"
    operands: tuple[int, ...] = field(default=())  # indexes of the Labeled it was computed from
    op: str = ""  # the term's operator or function name ("mul", "sqrt"), "" for leaves


def record(output: torch.Tensor, known: Sequence[Labeled], *, backward: str = "grad") -> Graph:
    """Record the graph behind ``output`` and the ``known`` tensors' data and grads.

    ``backward="run"`` calls ``output.backward()`` (the known tensors should
    ``retain_grad``); ``"grad"`` uses ``torch.autograd.grad`` and leaves every
    ``.grad`` as it was; ``"none"`` reads grads as they are.
    """
    entries = list(known)
    if not any(e.tensor is output for e in entries):
        entries.append(Labeled(output, "output", "", "output"))
    nodes, order = _walk(output.grad_fn)
    entries.extend(_unnamed_leaves(order, entries))
    tensor_ids = [f"t{i}" for i in range(len(entries))]
    grads = _gradients(output, entries, backward)
    node_of = _node_ids(order)
    tensors = tuple(
        _tensor_info(tensor_ids[i], e, grads[i], _produced_by(e.tensor, order, node_of),
                     tuple(tensor_ids[j] for j in e.operands))
        for i, e in enumerate(entries)
    )
    graph_nodes = tuple(
        GradNode(
            id=node_of[fn],
            name=type(fn).__name__,
            inputs=tuple(node_of[nxt] if nxt is not None else None for nxt in inputs),
            saved=tuple(_with_origin(s, raw, entries, tensor_ids) for s, raw in saved),
            tensor=_producer_tensor(fn, entries, tensor_ids),
        )
        for fn, inputs, saved in nodes
    )
    output_id = tensor_ids[next(i for i, e in enumerate(entries) if e.tensor is output)]
    return Graph(tensors, graph_nodes, output_id, node_of[order[0]] if order else None)


# -- walking ------------------------------------------------------------------------------


def _walk(root: Node | None) -> tuple[list[_Visit], list[Node]]:
    """Breadth-first over grad_fns, each once: (fn, next fns, saved) and the visiting order."""
    if root is None:
        return [], []
    seen = {root}
    order: list[Node] = []
    queue = deque([root])
    nodes: list[_Visit] = []
    while queue:
        fn = queue.popleft()
        order.append(fn)
        inputs = tuple(nxt for nxt, _ in fn.next_functions)
        for nxt in inputs:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
        nodes.append((fn, inputs, _saved(fn)))
    return nodes, order


def _node_ids(order: list[Node]) -> dict[Node, str]:
    return {fn: f"n{i}" for i, fn in enumerate(order)}


def node_ids(output: torch.Tensor) -> dict[Node, str]:
    """Each live autograd node behind ``output`` with the id ``record`` gives it (for hooks)."""
    return _node_ids(_walk(output.grad_fn)[1])


def _saved(fn: Node) -> _SavedItems:
    """What a node saved, as plain data, each with the live tensor for matching (or None)."""
    found: _SavedItems = []
    # The attribute names come from PyTorch's own node object, never from user text.
    for attr in dir(fn):
        if attr.startswith(_SAVED_PREFIX):
            found.extend(_saved_values(attr[len(_SAVED_PREFIX):], getattr(fn, attr)))
    if isinstance(fn, torch.autograd.function.BackwardCFunction):
        for i, tensor in enumerate(fn.saved_tensors):
            found.extend(_saved_values(f"saved_tensors[{i}]", tensor))
    return found


def _saved_values(name: str, value: object) -> _SavedItems:
    if isinstance(value, torch.Tensor):
        return [(Saved(name, True, _plain(value), tuple(value.shape)), value)]
    if isinstance(value, tuple) and any(isinstance(v, torch.Tensor) for v in value):
        found: _SavedItems = []
        for i, item in enumerate(value):
            found.extend(_saved_values(f"{name}[{i}]", item))
        return found
    if isinstance(value, bool | int | float) or value is None:
        return [(Saved(name, False, value), None)]
    return [(Saved(name, False, str(value)), None)]


def _with_origin(saved: Saved, raw: torch.Tensor | None, entries: list[Labeled], ids: list[str]) -> Saved:
    if raw is None:
        return saved
    for i, entry in enumerate(entries):
        if _same_storage(raw, entry.tensor):
            return Saved(saved.name, True, saved.value, saved.shape, ids[i])
    return saved


def _same_storage(a: torch.Tensor, b: torch.Tensor) -> bool:
    return a is b or (
        a.device == b.device
        and a.dtype == b.dtype
        and a.shape == b.shape
        and a.stride() == b.stride()
        and a.numel() > 0
        and a.data_ptr() == b.data_ptr()
    )


def _unnamed_leaves(order: list[Node], entries: list[Labeled]) -> list[Labeled]:
    """Leaves reached through AccumulateGrad that the caller did not name (notebook use)."""
    extra: list[Labeled] = []
    for fn in order:
        leaf = getattr(fn, "variable", None)
        if leaf is not None and not any(e.tensor is leaf for e in [*entries, *extra]):
            extra.append(Labeled(leaf, f"leaf {len(extra)}", "", "input"))
    return extra


def _producer_tensor(fn: Node, entries: list[Labeled], ids: list[str]) -> str | None:
    target = getattr(fn, "variable", None)
    for i, entry in enumerate(entries):
        if (target is not None and entry.tensor is target) or (target is None and entry.tensor.grad_fn is fn):
            return ids[i]
    return None


def _produced_by(tensor: torch.Tensor, order: list[Node], node_of: dict[Node, str]) -> str | None:
    if tensor.grad_fn is not None:
        return node_of.get(tensor.grad_fn)
    for fn in order:
        if getattr(fn, "variable", None) is tensor:
            return node_of[fn]
    return None


# -- reading values -----------------------------------------------------------------------


def _gradients(output: torch.Tensor, entries: list[Labeled], backward: str) -> list[torch.Tensor | None]:
    if backward == "run":
        if output.requires_grad:
            output.backward()
        return [_readable_grad(e.tensor) for e in entries]
    if backward == "grad" and output.requires_grad:
        wanted = [i for i, e in enumerate(entries) if e.tensor.requires_grad]
        # ones as grad_outputs: the sum trick, for an output with several elements
        found = torch.autograd.grad(output, [entries[i].tensor for i in wanted], torch.ones_like(output),
                                    retain_graph=True, allow_unused=True)
        grads: list[torch.Tensor | None] = [None] * len(entries)
        for i, grad in zip(wanted, found, strict=True):
            grads[i] = grad
        return grads
    return [_readable_grad(e.tensor) for e in entries]


def _readable_grad(tensor: torch.Tensor) -> torch.Tensor | None:
    # .grad of a non-leaf that does not retain it is None, and reading it warns.
    if tensor.is_leaf or tensor.retains_grad:
        return tensor.grad
    return None


def _tensor_info(tensor_id: str, entry: Labeled, grad: torch.Tensor | None, node: str | None,
                 operands: tuple[str, ...]) -> TensorInfo:
    t = entry.tensor
    return TensorInfo(
        id=tensor_id,
        label=entry.label,
        text=entry.text,
        role=entry.role,
        op=entry.op,
        data=_plain(t),
        grad=_plain(grad) if grad is not None else None,
        grad_fn=type(t.grad_fn).__name__ if t.grad_fn is not None else None,
        is_leaf=t.is_leaf,
        requires_grad=t.requires_grad,
        retains_grad=t.retains_grad,
        shape=tuple(t.shape),
        dtype=str(t.dtype).removeprefix("torch."),
        device=str(t.device),
        node=node,
        operands=operands,
    )


def _plain(tensor: torch.Tensor) -> Value:
    return dense(tensor).cpu().tolist()


def dense(tensor: torch.Tensor) -> torch.Tensor:
    """The tensor's values, detached, in real memory: a zero derivative is zeros.

    A derivative PyTorch knows to be zero may come back as a ZeroTensor (``abs``'s
    second derivative in float64), which allocates nothing: ``tolist()`` and
    ``numpy()`` refuse it. It is a real answer, so it is read as the zeros it stands for.

    >>> dense(torch._efficientzerotensor(2)).tolist()
    [0.0, 0.0]
    """
    tensor = tensor.detach()
    if tensor._is_zerotensor():
        return torch.zeros(tensor.shape, dtype=tensor.dtype, device=tensor.device)
    return tensor
