"""What a program's run records as it goes: its output, a graph per backward call, the forward pass, plots, warnings.

``explorer.compute.interpreter`` walks a program and hands this ``Recorder`` the
calls worth keeping (``explorer.compute.program_api`` routes ``backward()``,
``autograd.grad`` and matplotlib's calls here). Every graph is read with
``explorer.recording.record`` before PyTorch frees what the nodes saved, and
every number kept counts against ``Limits.recorded_values``.
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import torch

from explorer.compute.explore import hook_node, playback_steps, torchviz_dot
from explorer.compute.program_api import LimitExceeded
from explorer.compute.program_functions import Frame
from explorer.compute.program_steps import plot_value, role, tensor_row, tensor_text, value_of, with_grads
from explorer.compute.recording import Labeled, node_ids, record
from explorer.language.program import Limits
from explorer.model.graph import Graph
from explorer.model.program_run import PlotCall, ProgramGraph, ProgramWarning, TensorRow

__all__ = ["Recorder", "Unrecorded"]


# values a graph's backward steps may carry: each step holds its gradients, a few times over
_PLAYED_VALUES = 20_000
_TORCHVIZ_GRAPHS = 3  # a run's first backward calls also get torchviz's drawing: make_dot is slow on long graphs


def _playable(graph: Graph) -> bool:
    """Whether the player's steps over ``graph`` stay small: a few values per node, not whole big tensors."""
    values = sum(math.prod(t.shape) for t in graph.tensors)
    return values * 4 + len(graph.nodes) <= _PLAYED_VALUES


class Unrecorded(Exception):
    """A graph or a table row that would keep more numbers than Limits.recorded_values allows."""


class Recorder:
    """One run's record; ``place`` gives the line running now and its scope, ``keeping`` whether its step is kept.

    A backward call's graph is recorded only where its step is kept (see the interpreter's NOTE [how a step is
    kept]): a training loop's first and last iterations show their graphs, the iterations between are counted.
    """

    def __init__(self, limits: Limits, place: Callable[[], tuple[int, Frame]], keeping: Callable[[], bool]) -> None:
        self.limits = limits
        self.place = place
        self.keeping = keeping
        self.out = io.StringIO()
        self.printed = 0  # characters printed so far
        self.quiet = 0  # above 0 while recording a graph: hooks a program set must not print twice
        self.graphs: list[ProgramGraph] = []
        self.graphs_skipped = 0
        self.last_graph: int | None = None  # the graph the statement running now recorded, if any
        self.forward: list[Graph] = []
        self.forward_of: tuple[Any, int] | None = None  # the grad_fn of the last forward graph, and its index
        self.recorded = 0  # numbers kept in graphs and the tensors table so far
        self.plots: list[PlotCall] = []
        self.warnings: list[ProgramWarning] = []

    def autograd_call(self, call: str, outputs: Any, inputs: Any, run: Callable[[], Any]) -> Any:
        """Run a backward() or autograd.grad call, recording the graph behind its first output as it was."""
        output = outputs[0] if isinstance(outputs, list | tuple) and outputs else outputs
        recordable = isinstance(output, torch.Tensor) and output.grad_fn is not None
        if not recordable or len(self.graphs) >= self.limits.graphs or not self.keeping():
            self.graphs_skipped += recordable
            return run()
        line = self.place()[0]
        try:
            live, graph = self.graph(output)
        except RuntimeError:  # freed by an earlier backward: the call itself raises PyTorch's own error
            return run()
        except Unrecorded:
            self.graphs_skipped += 1
            return run()
        torchviz = self.torchviz(output) if len(self.graphs) < _TORCHVIZ_GRAPHS and _playable(graph) else None
        events: list = []
        # every node hooked, as the function mode's player does: the engine's own order and values
        hooks = self.hooked(output, events) if _playable(graph) else []
        try:
            result = run()
        finally:
            for handle in hooks:
                handle.remove()
        found = result if call == "autograd.grad" else None
        graph = with_grads(graph, live, inputs, found)
        self.graphs.append(ProgramGraph(line, call, graph, playback_steps(graph, events) if events else (), torchviz))
        self.last_graph = len(self.graphs) - 1
        return result

    def torchviz(self, output: torch.Tensor) -> str | None:
        """What ``torchviz.make_dot(output, params=..., show_attrs=True, show_saved=True)`` draws, the program's named
        leaves as its params; read before backward frees the saved tensors, quietly (it reads them too)."""
        self.quiet += 1
        try:
            leaves = {e.label: e.tensor for e in self.labeled() if e.tensor.is_leaf and e.tensor.requires_grad}
            return torchviz_dot(output, leaves)
        finally:
            self.quiet -= 1

    def hooked(self, output: torch.Tensor, events: list) -> list:
        """Every node behind ``output`` hooked for the player; quietly: the walk reads saved tensors, which runs a
        program's unpack hooks, and those must print only what the program's own backward makes them print."""
        self.quiet += 1
        try:
            return [hook_node(fn, node_id, events) for fn, node_id in node_ids(output).items()]
        finally:
            self.quiet -= 1

    def graph(self, output: torch.Tensor) -> tuple[list[torch.Tensor], Graph]:
        """The graph behind ``output`` with the tensors the program named, and those tensors, in the graph's order.

        Reading a node's saved tensors runs the unpack hook of any saved_tensors_hooks the program set, so the
        program's own code runs quietly here: its prints and steps belong to the program, not to the recording.
        """
        self.quiet += 1
        try:
            known = self.labeled()
            if output.is_complex() or any(entry.tensor.is_complex() for entry in known):
                raise Unrecorded  # the recorded graph holds plain real numbers only
            self.spend(sum(2 * entry.tensor.numel() for entry in known))
            named = {id(entry.tensor) for entry in known}
            for fn in node_ids(output):
                leaf = getattr(fn, "variable", None)  # AccumulateGrad's leaf: PyTorch's own attribute
                if leaf is not None and id(leaf) not in named:
                    named.add(id(leaf))
                    known.append(Labeled(leaf, f"leaf {len(known)}", "", "input"))
            live = [entry.tensor for entry in known]
            if id(output) not in named:
                live.append(output)
            return live, record(output, known, backward="none")
        finally:
            self.quiet -= 1

    def spend(self, values: int) -> None:
        """Count ``values`` numbers against Limits.recorded_values; Unrecorded once they would pass it."""
        if self.recorded + values > self.limits.recorded_values:
            raise Unrecorded
        self.recorded += values

    def labeled(self) -> list[Labeled]:
        """The tensors the program has named, innermost scope first, each once."""
        found, seen = [], set()
        scope: Frame | None = self.place()[1]
        while scope is not None:
            for name, value in scope.names.items():
                named = [(name, value)] if isinstance(value, torch.Tensor) else []
                if isinstance(value, torch.nn.Module):  # its parameters, by the names the program would write
                    named = [(f"{name}.{p}", t) for p, t in value.named_parameters()]
                for label, tensor in named:
                    if id(tensor) not in seen:
                        seen.add(id(tensor))
                        found.append(Labeled(tensor, label, label, role(tensor)))
            scope = scope.parent
        return found

    def forward_graph(self, names: list[str], frame: Frame) -> int | None:
        """The index of the graph behind the first tensor with a grad_fn that a step bound, recorded now."""
        tensor = next((value for value in (value_of(name, frame) for name in names)
                       if isinstance(value, torch.Tensor) and value.grad_fn is not None), None)
        if tensor is None or self.last_graph is not None:
            return None
        if self.forward_of is not None and self.forward_of[0] is tensor.grad_fn:
            return self.forward_of[1]  # the same graph as the step before (y.retain_grad(), print(y))
        if len(self.forward) >= self.limits.forward_graphs:
            return None
        try:
            graph = self.graph(tensor)[1]
        except (RuntimeError, Unrecorded):  # saved tensors a backward call freed, or past the values' bound
            return None
        self.forward.append(graph)
        self.forward_of = (tensor.grad_fn, len(self.forward) - 1)
        return len(self.forward) - 1

    def plot(self, name: str, args: tuple, kwargs: dict, axes: int | None = None) -> None:
        """A matplotlib call, kept as data for a figure instead of drawn (``axes``: which of plt.subplots')."""
        self.plots.append(PlotCall(self.place()[0], name, tuple(plot_value(a) for a in args),
                                   tuple((k, plot_value(v)) for k, v in kwargs.items()), axes))

    def warned(self, message: Warning | str, category: type[Warning], *rest: Any, **more: Any) -> None:
        """``warnings.showwarning`` for the run: the warning kept with its line (the first 100)."""
        if len(self.warnings) < 100 and not self.quiet:
            self.warnings.append(ProgramWarning(self.place()[0], category.__name__, str(message)))

    def print_(self, *args: Any, sep: str | None = " ", end: str | None = "\n", file: None = None,
               flush: bool = False) -> None:
        """The program's ``print``: Python's own formatting, into the run's output, within Limits.output."""
        if self.quiet:
            return
        if file is not None:  # print(..., file=None) is the output; any other file is outside a program's reach
            raise TypeError("program mode prints to the cell's output only: leave out file=")
        text = io.StringIO()
        # a tensor prints as its repr: written without PyTorch's formatter where that reads the same
        print(*(_text_of(a) if type(a) is torch.Tensor else a for a in args), sep=sep, end=end, file=text)
        written = text.getvalue()
        self.printed += len(written)
        if self.printed > self.limits.output:
            raise LimitExceeded(f"the program printed more than {self.limits.output:,} characters")
        self.out.write(written)

    def tensor_rows(self, top: Frame) -> tuple[TensorRow, ...]:
        """Every top-level name bound to a tensor, in the order the names were first bound."""
        rows: list[TensorRow] = []
        first: dict[int, str] = {}  # id of a tensor -> the first name bound to it
        for name, value in top.names.items():
            if isinstance(value, torch.Tensor):
                try:
                    self.spend(2 * value.numel())
                    kept = True
                except Unrecorded:
                    kept = False
                rows.append(tensor_row(name, value, first.get(id(value)), kept))
                first.setdefault(id(value), name)
        return tuple(rows)


def _text_of(tensor: torch.Tensor) -> Any:
    text = tensor_text(tensor)
    return tensor if text is None else text
