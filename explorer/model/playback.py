"""The backward playback: the steps PyTorch's engine really ran, in its order, with their numbers, as plain data.

A ``Playback`` is what ``explorer.compute.explore.play`` hands back: the recorded graph
and one ``Step`` per node the engine ran, in the engine's own order, each with
the gradient that arrived, what it sent to each input, the local derivative
and the step in words. This module never imports torch, so the app's process
reads a playback, and ``known_grads`` replays it, without it.

>>> from explorer.compute.explore import play
>>> playback = play("y = x**2 + 2*x + 1", {"x": 2})
>>> last = playback.steps[-1]
>>> last.name, [a.value for a in last.arrivals], last.grad_after
('AccumulateGrad', [2.0, 4.0], 6.0)
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.graph import Graph, Value

__all__ = ["Arrival", "Sent", "Step", "Playback", "Known", "known_at", "known_grads"]


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


def known_grads(playback: Playback, step: int) -> frozenset[str]:
    """The tensors whose grad backward has reached after ``step`` steps.

    A node's output gradient is what arrives when the node runs, so the tensor it
    made is known from its step on; AccumulateGrad makes its leaf's grad known.
    """
    made = {node.id: node.tensor for node in playback.graph.nodes if node.tensor is not None}
    return frozenset(made[s.node] for s in playback.steps[:step] if made.get(s.node))


@dataclass(frozen=True)
class Known:
    """What backward has computed so far, as the page may show it: the one answer every panel reads.

    The graph, the line under the inputs, the tensor table, the inspector, the lesson's text and the plot's
    tangent all show a grad only where ``grad(tensor id)`` is True, and ``?`` elsewhere, so no panel gives away
    a gradient the player has not reached (or a practice question hides).
    """

    step: int = 0  # the player's step; 0: backward has finished (or is not being played)
    tensors: frozenset[str] | None = None  # ids of the tensors whose grad is known; None: every one
    finished: bool = True  # backward has run to its end (the player's last step, or no player)

    def grad(self, tensor_id: str) -> bool:
        return self.tensors is None or tensor_id in self.tensors

    @property
    def everything(self) -> bool:
        return self.tensors is None


def known_at(playback: Playback, step: int, hidden: bool = False) -> Known:
    """What is known after ``step`` steps of ``playback`` (0: all of it); nothing while ``hidden``.

    >>> from explorer.compute.explore import play
    >>> playback = play("y = x**2 + 2*x + 1", {"x": 2})
    >>> sorted(known_at(playback, 1).tensors), known_at(playback, 0).grad("t0")
    (['t4'], True)
    """
    if hidden:
        return Known(step, frozenset(), finished=False)
    if not step or not playback.steps:
        return Known()
    step = min(step, len(playback.steps))
    return Known(step, known_grads(playback, step), finished=step == len(playback.steps))
