"""Our drawing, with values and grads, for a tensor a learner built in their own notebook.

Where a notebook would call ``torchviz.make_dot(y, params=...)``, call
``draw(y, params=...)``: the same graph, plus each tensor's data and grad;
a graph of thousands of ops is drawn in well under a second, its repeated
steps folded into one box (``expand=True`` draws them all).
Nothing of the learner's is changed: gradients are computed with
``torch.autograd.grad(..., retain_graph=True)``, so ``.grad`` fields stay as
they were and ``y.backward()`` still works afterwards.

>>> import torch
>>> x = torch.tensor(2.0, requires_grad=True)
>>> graph = record_tensor(x ** 2, {"x": x})
>>> [t.grad for t in graph.tensors if t.label == "x"]
[4.0]
"""

from __future__ import annotations

from collections.abc import Mapping

import graphviz
import torch

from explorer.compute.recording import Labeled, record
from explorer.draw.dot import to_dot
from explorer.model.graph import Graph

__all__ = ["record_tensor", "draw"]


def record_tensor(output: torch.Tensor, params: Mapping[str, torch.Tensor] | None = None) -> Graph:
    """Record the autograd graph behind ``output``; ``params`` names tensors (e.g. ``model.named_parameters()``)."""
    if not isinstance(output, torch.Tensor):
        raise TypeError(f"record_tensor needs a torch.Tensor, not {type(output).__name__}")
    named = [Labeled(t, name, name, "input" if t.is_leaf else "intermediate") for name, t in (params or {}).items()]
    named = [n for n in named if n.tensor is not output]
    named.append(Labeled(output, "output", "", "output"))
    return record(output, named, backward="grad")


def draw(output: torch.Tensor, params: Mapping[str, torch.Tensor] | None = None, *,
         expand: bool = False) -> graphviz.Source:
    """The explorer view of ``output``'s graph, which Jupyter shows inline (needs Graphviz's ``dot``).

    A big graph (a long loop, a deep network) comes with its repeated or far
    part folded into a box that says what it stands for; ``expand=True`` draws
    every node (slow and unreadable past a few hundred).
    """
    return graphviz.Source(to_dot(record_tensor(output, params), expand=expand))
