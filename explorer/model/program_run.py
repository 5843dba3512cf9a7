"""A program's run as plain frozen data: what it printed, its tensors, its graphs, its steps and its error.

``explorer.compute.interpreter.run_program`` makes a ``ProgramRun``; nothing
here holds a tensor, so a run crosses processes as JSON (``explorer.plain``)
and ``to_json`` gives the command line's object.

>>> run = ProgramRun(source="print(1)", stdout="1\\n")
>>> to_json(run)["stdout"]
'1\\n'
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from explorer.model.graph import Graph, Value
from explorer.model.playback import Step

__all__ = ["TensorRow", "ProgramError", "ProgramWarning", "ProgramStep", "ProgramGraph", "PlotCall", "ProgramRun",
           "to_json", "graph_json", "json_safe"]


@dataclass(frozen=True)
class TensorRow:
    """One name bound to a tensor when the program ended: the lab's printout of it."""

    name: str
    shape: tuple[int, ...]
    dtype: str  # as PyTorch prints it: "torch.float32"
    data: Value | None  # None only where kept is False
    grad: Value | None  # None where PyTorch has no .grad (never set, or a non-leaf that does not retain it)
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None  # the grad_fn's class name
    retains_grad: bool = False
    device: str = "cpu"
    same_as: str | None = None  # an earlier name bound to this very tensor
    kept: bool = True  # False past Limits.recorded_values: data and grad are left out (None)


@dataclass(frozen=True)
class ProgramError:
    """An exception the program raised while running, as a notebook shows it."""

    line: int
    type: str  # the exception's class name: "RuntimeError", "NameError", or "LimitExceeded" for a bound
    message: str


@dataclass(frozen=True)
class ProgramWarning:
    """A warning the program's run raised (PyTorch's, numpy's), which a notebook shows under the cell."""

    line: int
    type: str  # the warning's class name: "UserWarning"
    message: str


@dataclass(frozen=True)
class ProgramStep:
    """One executed statement, for the line-by-line view.

    ``bound`` holds the names the statement assigned and a short summary of
    each value; folding the steps' ``bound`` in order gives the names as they
    were after any step. A loop's middle iterations are not kept: a step of kind
    "skipped" stands for them, with how many there were.
    """

    line: int
    kind: str = "run"  # "run", "skipped" (iterations left out) or "error"
    bound: tuple[tuple[str, str], ...] = ()
    scope: str = ""  # "" at the top level, else the function the statement ran in
    shown: str | None = None  # a bare expression's value as a notebook shows it (its repr), if not None
    stdout: int = 0  # characters printed once the step has run
    graph: int | None = None  # index in ProgramRun.graphs of the graph a backward call here recorded
    skipped: int = 0  # for kind "skipped": how many iterations
    forward: int | None = None  # index in ProgramRun.forward of the graph behind the tensor this step made


@dataclass(frozen=True)
class ProgramGraph:
    """The autograd graph behind a backward() or autograd.grad call, recorded as the call ran."""

    line: int
    call: str  # "backward", "autograd.grad" or "autograd.backward"
    graph: Graph
    steps: tuple[Step, ...] = ()  # the engine's steps over it, in its order (the backward player); () past the cap
    torchviz_dot: str | None = None  # what torchviz.make_dot draws for it (the first few small graphs of a run)


@dataclass(frozen=True)
class PlotCall:
    """One matplotlib call the program made (plt.plot, plt.xlabel, ...), kept as data for a figure."""

    line: int
    name: str
    args: tuple[Any, ...]  # numbers, strings, or lists of numbers
    kwargs: tuple[tuple[str, Any], ...]
    axes: int | None = None  # for a call on an axes from plt.subplots: which one (row by row), else None


@dataclass(frozen=True)
class ProgramRun:
    """Everything a program's run produced, up to its end or its error."""

    source: str
    stdout: str = ""
    tensors: tuple[TensorRow, ...] = ()
    graphs: tuple[ProgramGraph, ...] = ()
    steps: tuple[ProgramStep, ...] = ()
    plots: tuple[PlotCall, ...] = ()
    error: ProgramError | None = None
    shown: str | None = None  # the last statement's value if it is a bare expression, as a notebook shows it
    warnings: tuple[ProgramWarning, ...] = ()
    outputs: tuple[tuple[int, str], ...] = ()  # (line, text): each cell's last bare expression, as Out[n] shows it
    forward: tuple[Graph, ...] = ()  # the forward pass as it grew: the graph behind a tensor a step made
    graphs_skipped: int = 0  # backward calls past Limits.graphs, not recorded
    steps_skipped: int = field(default=0)  # steps past Limits.recorded_steps, not kept


def graph_json(graph: Graph) -> dict:
    """A recorded graph in the function mode's JSON format: its ``nodes`` (tensors) and ``grad_fns``."""
    return {
        "nodes": [
            {"id": t.id, "name": t.label, "text": t.text, "role": t.role, "data": t.data, "grad": t.grad,
             "grad_fn": t.grad_fn, "is_leaf": t.is_leaf, "requires_grad": t.requires_grad,
             "retains_grad": t.retains_grad, "shape": list(t.shape), "dtype": t.dtype, "device": t.device,
             "node": t.node}
            for t in graph.tensors
        ],
        "grad_fns": [
            {"id": n.id, "name": n.name, "next_functions": list(n.inputs), "tensor": n.tensor,
             "saved": [{"name": s.name, "tensor": s.is_tensor, "value": s.value, "same_as": s.same_as}
                       for s in n.saved]}
            for n in graph.nodes
        ],
        "output": graph.output,
        "root": graph.root,
    }


def to_json(run: ProgramRun) -> dict:
    """The run as the command line prints it; NaN and infinities become "nan", "inf", "-inf"."""
    payload: dict[str, Any] = {
        "stdout": run.stdout,
        "tensors": {
            row.name: {"shape": list(row.shape), "dtype": row.dtype, "data": row.data, "grad": row.grad,
                       "requires_grad": row.requires_grad, "is_leaf": row.is_leaf, "grad_fn": row.grad_fn,
                       "retains_grad": row.retains_grad, "device": row.device, "same_as": row.same_as,
                       "kept": row.kept}
            for row in run.tensors
        },
        "graphs": [{"line": g.line, "call": g.call, **graph_json(g.graph)} for g in run.graphs],
        "steps": [
            {"line": s.line, "kind": s.kind, "bound": dict(s.bound), "scope": s.scope, "shown": s.shown,
             "stdout": s.stdout, "graph": s.graph, "skipped": s.skipped, "forward": s.forward}
            for s in run.steps
        ],
        "plots": [{"line": p.line, "name": p.name, "args": list(p.args), "kwargs": dict(p.kwargs), "axes": p.axes}
                  for p in run.plots],
        "forward": [graph_json(g) for g in run.forward],
        "outputs": [{"line": line, "text": text} for line, text in run.outputs],
        "warnings": [{"line": w.line, "type": w.type, "message": w.message} for w in run.warnings],
        "shown": run.shown,
        "graphs_skipped": run.graphs_skipped,
        "steps_skipped": run.steps_skipped,
    }
    if run.error is not None:
        payload["error"] = {"line": run.error.line, "type": run.error.type, "message": run.error.message}
    return json_safe(payload)


def json_safe(value: Any) -> Any:
    """``value`` with NaN and infinities as strings, which JSON has no numbers for."""
    if isinstance(value, float) and not math.isfinite(value):
        return "nan" if math.isnan(value) else ("inf" if value > 0 else "-inf")
    if isinstance(value, dict):
        return {k: json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    return value
