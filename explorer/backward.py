"""The backward playback: the steps PyTorch's engine really ran, in its order, with their numbers.

``play`` hooks every autograd node before calling ``backward()``; each hook
records, as the engine runs it, the gradient that arrived (upstream), what the
node sent to each input, and from those the local derivative (sent / upstream).
The order is the engine's own, never re-derived: in ``x**2 + 2*x + 1`` the
engine runs ``MulBackward0`` before ``PowBackward0`` (the later node first).

>>> playback = play("y = x**2 + 2*x + 1", {"x": 2})
>>> last = playback.steps[-1]
>>> last.name, [a.value for a in last.arrivals], last.grad_after
('AccumulateGrad', [2.0, 4.0], 6.0)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace

from .dot import format_value
from .exploration import run_live
from .glossary import explain
from .graph import Graph, Value

__all__ = ["Arrival", "Sent", "Step", "Playback", "play", "known_grads"]


@dataclass(frozen=True)
class Arrival:
    """A gradient that reached a node from one of the nodes that use its output."""

    source: str  # node id of the sender
    value: Value


@dataclass(frozen=True)
class Sent:
    """What a node passed to one of its inputs (one next_functions slot)."""

    target: str | None  # node id, or None where the input needs no gradient
    value: Value | None
    local: Value | None  # sent / upstream: the local derivative at the recorded values


@dataclass(frozen=True)
class Step:
    index: int  # 1-based, in the engine's order
    node: str
    name: str
    upstream: Value | None  # the gradient arriving: the sum of the arrivals
    arrivals: tuple[Arrival, ...]
    sent: tuple[Sent, ...]
    leaf: str = ""  # AccumulateGrad: the leaf it writes into
    grad_after: Value | None = None  # AccumulateGrad: the leaf's .grad once this step is done
    story: str = ""  # the step in words, with its numbers


@dataclass(frozen=True)
class Playback:
    """A recorded graph and the backward steps over it (same node ids)."""

    graph: Graph
    steps: tuple[Step, ...]


def play(expression: str, at: Mapping[str, object], device: str = "cpu", dtype: str = "float32") -> Playback:
    """Run backward with every node hooked, and return its steps in the order the engine ran them."""
    import torch

    from .recording import node_ids, record

    live = run_live(expression, at, device, dtype)
    output = live.output.tensor
    events: list[tuple[str, tuple, tuple]] = []  # (node id, what arrived, what it sent)
    handles = []
    with torch.enable_grad():
        for fn, node_id in node_ids(output).items():
            handles.append(_hook(fn, node_id, events))
        try:
            graph = record(output, live.entries, backward="run")
        finally:
            for handle in handles:
                handle.remove()
    return Playback(graph, _steps(graph, events))


def known_grads(playback: Playback, step: int) -> frozenset[str]:
    """The tensors whose grad backward has reached after ``step`` steps.

    A node's output gradient is what arrives when the node runs, so the tensor it
    made is known from its step on; AccumulateGrad makes its leaf's grad known.
    """
    made = {node.id: node.tensor for node in playback.graph.nodes}
    return frozenset(made[s.node] for s in playback.steps[:step] if made.get(s.node))


def _hook(fn, node_id: str, events: list):
    if type(fn).__name__ == "AccumulateGrad":
        # runs once, with every path's gradient already summed by the engine
        return fn.register_prehook(lambda grad_outputs: events.append((node_id, _plain(grad_outputs), ())))
    return fn.register_hook(
        lambda grad_inputs, grad_outputs: events.append((node_id, _plain(grad_outputs), _plain(grad_inputs)))
    )


def _plain(grads: tuple) -> tuple:
    # each is a tensor, or None where no gradient flows
    return tuple(None if g is None else g.detach().cpu().tolist() for g in grads)


def _steps(graph: Graph, events: list) -> tuple[Step, ...]:
    nodes = {n.id: n for n in graph.nodes}
    tensors = {t.id: t for t in graph.tensors}
    sent_to: dict[str, list[Arrival]] = {}
    steps = []
    for index, (node_id, arrived, sent_values) in enumerate(events, start=1):
        node = nodes[node_id]
        upstream = arrived[0] if arrived else None
        sent = tuple(
            Sent(target, value, _ratio(value, upstream))
            for target, value in zip(node.inputs, sent_values or (None,) * len(node.inputs), strict=False)
        )
        for item in sent:
            if item.target is not None and item.value is not None:
                sent_to.setdefault(item.target, []).append(Arrival(node_id, item.value))
        leaf = tensors[node.tensor].label if node.name == "AccumulateGrad" and node.tensor in tensors else ""
        grad_after = tensors[node.tensor].grad if leaf else None
        arrivals = tuple(sent_to.get(node_id, ()))
        step = Step(index, node_id, node.name, upstream, arrivals, sent, leaf, grad_after)
        steps.append(_with_story(step, nodes, tensors))
    return tuple(steps)


def _ratio(sent: Value | None, upstream: Value | None) -> Value | None:
    """sent / upstream elementwise; None where the upstream is zero or the shapes do not line up."""
    if sent is None or upstream is None:
        return None
    import torch

    a, b = torch.tensor(sent, dtype=torch.float64), torch.tensor(upstream, dtype=torch.float64)
    try:
        ratio = a / b
    except RuntimeError:
        return None
    if (b == 0).any():
        return None
    return ratio.tolist()


def _with_story(step: Step, nodes: dict, tensors: dict) -> Step:
    names = {n: f"{nodes[n].name} ({n})" for n in nodes}
    if step.name == "AccumulateGrad":
        parts = " + ".join(format_value(a.value) for a in step.arrivals) or format_value(step.upstream)
        many = len(step.arrivals) > 1
        story = (f"AccumulateGrad writes into {step.leaf}.grad: {parts}"
                 + (f" = {format_value(step.upstream)}" if many else "")
                 + (f" (one gradient per path: {step.leaf} is used {len(step.arrivals)} times)" if many else "")
                 + f". Now {step.leaf}.grad = {format_value(step.grad_after)}.")
        return replace(step, story=story)
    made = tensors.get(nodes[step.node].tensor)
    about = f" (it made {made.label})" if made is not None and made.label else ""
    sources = ", ".join(f"{format_value(a.value)} from {names[a.source]}" for a in step.arrivals)
    receives = f"receives {format_value(step.upstream)}" + (f" ({sources})" if sources else " (backward starts here: "
                                                                                           "d(output)/d(output) = 1)")
    sends = []
    chain_rule = step.name != "SQBackward"  # the lab's SQ does not multiply by what arrives
    for item in step.sent:
        if item.target is None:
            continue
        local = f" = {format_value(step.upstream)} × local {format_value(item.local)}" \
            if item.local is not None and chain_rule else ""
        sends.append(f"{format_value(item.value)} to {names[item.target]}{local}")
    rule = explain(step.name).local
    story = f"{step.name}{about} {receives}. Local rule: {rule}. It sends " + ("; ".join(sends) or "nothing") + "."
    if step.name == "SQBackward":
        story += (f" Look: it received {format_value(step.upstream)} and threw it away; the lab's backward "
                  "returns 2·i whatever arrives.")
    return replace(step, story=story)
