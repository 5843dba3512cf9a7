"""The live run: a typed function computed with real PyTorch, its tensors still live, and what is read from it.

``run_live`` parses the text, makes the leaves on the chosen device and computes
every term with PyTorch, keeping each tensor's grad; no backward yet. Two verbs
read it into plain data:

- ``explore`` runs backward and records the graph: an ``explorer.model.exploration.Exploration``;
- ``play`` hooks every autograd node before calling ``backward()``: an
  ``explorer.model.playback.Playback``. Each hook records, as the engine runs it, the
  gradient that arrived (upstream), what the node sent to each input, and from
  those the local derivative (sent / upstream). The order is the engine's own,
  never re-derived: in ``x**2 + 2*x + 1`` the engine runs ``MulBackward0``
  before ``PowBackward0`` (the later node first).

This module imports torch, so only worker processes import it (see ``explorer``'s NOTE).

>>> live = run_live("y = x**2 + 2*x + 1", {"x": 2})
>>> [entry.text for entry in live.entries], live.output.tensor
(['x', 'x**2', '2*x', 'x**2 + 2*x', 'x**2 + 2*x + 1'], tensor(9., grad_fn=<AddBackward0>))
>>> explore("y = x**2 + 2*x + 1", {"x": 2}).grad
{'x': 6.0}
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, replace

import torch
from torch.autograd.graph import Node
from torch.utils.hooks import RemovableHandle

from explorer.compute.calls import CALLS
from explorer.compute.recording import Labeled, dense, node_ids, record
from explorer.content.glossary import explain
from explorer.draw.dot import format_value
from explorer.errors import ExpressionError
from explorer.language.expression import Expression, Term, parse
from explorer.language.functions import FUNCTIONS, operator_for
from explorer.language.points import Point, PointInput, Range, grid_shape, read_points
from explorer.model.exploration import DTYPES, MAX_RECORDED_VALUES, Exploration, recorded_values
from explorer.model.graph import GradNode, Graph, TensorInfo, Value, flat
from explorer.model.playback import Arrival, Playback, Sent, Step

__all__ = ["Live", "available_devices", "evaluate", "explore", "explore_and_play", "hook_node", "make_leaves", "play",
           "playback_steps", "run_live", "torchviz_dot", "use_threads"]

_OPERATORS = ("add", "sub", "mul", "div", "pow", "neg", "gt", "ge", "lt", "le")
# pow takes Python numbers as PyTorch's own ** does, so the grad_fn matches a notebook's
# (x**2 is PowBackward0 with exponent 2, not a tensor exponent); every other call gets
# tensors of the chosen dtype, so where(x > 0, 1, 0) is float64 when float64 is asked for.
_KEEPS_NUMBERS = ("pow",)
# One hooked node as the engine ran it: (node id, the gradients that arrived, what it sent to each input).
_Event = tuple[str, tuple[Value | None, ...], tuple[Value | None, ...]]


def use_threads(count: int) -> None:
    """Let PyTorch use ``count`` threads in this process (a worker uses one: the pool's size bounds the cores)."""
    torch.set_num_threads(count)


def available_devices() -> tuple[str, ...]:
    """The devices this machine can run on: always cpu, then cuda and mps where present."""
    devices = ["cpu"]
    if torch.cuda.is_available():
        devices.append("cuda")
    mps = getattr(torch.backends, "mps", None)
    if mps is not None and mps.is_available():
        devices.append("mps")
    return tuple(devices)


@dataclass
class Live:
    """One run's live tensors, before they are turned into plain data.

    Only for the core's own modules that must watch PyTorch at work (the backward
    player, forward mode, higher derivatives); what leaves the core is plain data.
    """

    parsed: Expression
    points: dict[str, Point]
    device: torch.device
    dtype: torch.dtype
    leaves: dict[str, torch.Tensor]
    entries: list[Labeled]
    value_index: int  # the function's value among the entries
    output: Labeled  # what backward starts from (the value, or its sum)
    reduced: bool


def run_live(expression: str, at: Mapping[str, PointInput], device: str = "cpu", dtype: str = "float32") -> Live:
    """Parse, make the leaves and compute every term with PyTorch; no backward yet."""
    parsed = parse(expression)
    points = read_points(at, parsed.variables)
    values = recorded_values(parsed, math.prod(grid_shape(points)))
    if values > MAX_RECORDED_VALUES:
        raise ExpressionError(f"this function over these points would record {values:,} values; the limit is "
                              f"{MAX_RECORDED_VALUES:,}: use fewer points or a shorter function")
    torch_device, torch_dtype = _device(device), _dtype(dtype)
    with torch.enable_grad():
        leaves = make_leaves(points, torch_device, torch_dtype)
        entries, value_index = evaluate(parsed, leaves, torch_device, torch_dtype)
        reduced = entries[value_index].tensor.numel() > 1
        if reduced:
            entries.append(_sum_trick(entries, value_index, parsed.output))
    output = entries[-1] if reduced else entries[value_index]
    if output.role != "input" and not reduced:
        output.role, output.label = "output", parsed.output
    return Live(parsed, points, torch_device, torch_dtype, leaves, entries, value_index, output, reduced)


def explore(
    expression: str,
    at: Mapping[str, PointInput],
    device: str = "cpu",
    dtype: str = "float32",
    torchviz: bool = True,
) -> Exploration:
    """Run a typed function under autograd at the given points and record everything.

    ``at`` maps each variable to a number or a range (``(start, stop, count)``
    or ``"start:stop:count"``). Raises ``ExpressionError`` for any bad input.
    ``torchviz=False`` leaves out torchviz's DOT (``torchviz_dot`` is None),
    which costs more than the rest of the run for a small function.
    """
    return explore_and_play(expression, at, device, dtype, torchviz, steps=False)[0]


def explore_and_play(expression: str, at: Mapping[str, PointInput], device: str = "cpu", dtype: str = "float32",
                     torchviz: bool = True, steps: bool = True) -> tuple[Exploration, tuple[Step, ...]]:
    """``explore`` and the backward player's steps from one run: forward, the graph recorded, backward hooked.

    With ``steps=False`` no node is hooked and the steps are empty (a practice question hides backward).
    """
    live = run_live(expression, at, device, dtype)
    parsed = live.parsed
    events: list[_Event] = []
    with torch.enable_grad():
        drawn = torchviz_dot(live.output.tensor, live.leaves) if torchviz else None
        graph = _record_hooked(live, events) if steps else record(live.output.tensor, live.entries, backward="run")
    value = graph.tensors[live.value_index].data
    grad = {name: graph.tensors[i].grad for i, name in enumerate(live.leaves)}
    notes = _notes(graph, parsed, live.reduced, torchviz and drawn is None)
    return Exploration(
        expression=parsed.text, body=parsed.body, output=parsed.output, variables=parsed.variables,
        points=live.points, device=live.device.type, dtype=dtype, value=value, grad=grad, graph=graph,
        reduced=live.reduced, notes=notes, torchviz_dot=drawn,
    ), playback_steps(graph, events) if steps else ()


def _device(name: str) -> torch.device:
    present = available_devices()
    if name not in ("cpu", "cuda", "mps"):
        raise ExpressionError(f"unknown device '{name}': choose one of {', '.join(present)}")
    if name not in present:
        raise ExpressionError(f"device '{name}' is not present on this machine; available: {', '.join(present)}")
    return torch.device(name)


def _dtype(name: str) -> torch.dtype:
    if name not in DTYPES:
        raise ExpressionError(f"unknown dtype '{name}': choose one of {', '.join(DTYPES)}")
    return {"float32": torch.float32, "float64": torch.float64}[name]


def make_leaves(points: Mapping[str, Point], device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """One leaf per variable, made on the device with requires_grad, so it stays a leaf."""
    shape = grid_shape(points)
    ranges = [name for name, point in points.items() if isinstance(point, Range)]
    leaves = {}
    for name, point in points.items():
        if not isinstance(point, Range):
            leaves[name] = torch.tensor(point, device=device, dtype=dtype, requires_grad=True)
        elif len(ranges) == 1:
            # exactly the lab's torch.linspace(start, stop, count, requires_grad=True)
            leaves[name] = torch.linspace(point.start, point.stop, point.count, device=device, dtype=dtype,
                                          requires_grad=True)
        else:
            axis = ranges.index(name)
            view = [1] * len(shape)
            view[axis] = point.count
            line = torch.linspace(point.start, point.stop, point.count, device=device, dtype=dtype)
            leaves[name] = line.reshape(view).expand(shape).clone().requires_grad_(True)
    return leaves


def evaluate(parsed: Expression, leaves: dict[str, torch.Tensor], device: torch.device,
             dtype: torch.dtype) -> tuple[list[Labeled], int]:
    """Compute every term with PyTorch, in the order PyTorch would; the labeled tensors and the value's index.

    Works for leaves that are dual tensors too (forward mode): only tensors that
    require grad are asked to retain it.
    """
    entries = [Labeled(leaf, name, name, "input") for name, leaf in leaves.items()]
    index_of_leaf = {name: i for i, name in enumerate(leaves)}
    results: dict[int, tuple[object, int | None]] = {}  # id(term) -> (value, entry index)
    for term in parsed.terms():
        if term.op == "variable":
            results[id(term)] = (leaves[term.name], index_of_leaf[term.name])
        elif term.op == "number":
            results[id(term)] = (term.value, None)
        else:
            args = [results[id(arg)] for arg in term.args]
            tensor = _apply(term, [value for value, _ in args], device, dtype)
            if tensor.requires_grad and not tensor.is_leaf:
                tensor.retain_grad()
            operands = tuple(i for _, i in args if i is not None)
            role = "intermediate" if tensor.requires_grad else "constant"
            entries.append(Labeled(tensor, term.text, term.text, role, operands, term.op))
            results[id(term)] = (tensor, len(entries) - 1)
    value, index = results[id(parsed.root)]
    if index is None:  # the whole function is a number
        entries.append(Labeled(torch.tensor(value, device=device, dtype=dtype), parsed.root.text,
                               parsed.root.text, "constant"))
        index = len(entries) - 1
    return entries, index


def _apply(term: Term, args: list[object], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    if term.op in _OPERATORS:
        result = operator_for(term.op)(*args)
    else:
        if term.op not in _KEEPS_NUMBERS:
            args = [a if isinstance(a, torch.Tensor) else torch.tensor(a, device=device, dtype=dtype)
                    for a in args]
        result = CALLS[term.op](*args, **dict(term.options))
    if not isinstance(result, torch.Tensor):  # e.g. a comparison of two numbers
        result = torch.tensor(result, device=device)
    return result


def _sum_trick(entries: list[Labeled], value_index: int, output: str) -> Labeled:
    # the lab's Y = x ** 2; y = torch.sum(Y): the function keeps its name, the sum is what backward starts from
    value = entries[value_index]
    if value.role != "input":
        value.role, value.label = "intermediate", output
    total = value.tensor.sum()
    if total.requires_grad:
        total.retain_grad()
    return Labeled(total, f"sum({output})", f"sum({value.text})", "output", (value_index,), "sum")


def torchviz_dot(output: torch.Tensor, leaves: dict[str, torch.Tensor]) -> str | None:
    """What torchviz.make_dot draws for this output (read before backward frees saved tensors)."""
    with warnings.catch_warnings():
        # torchviz 0.0.3 imports and calls distutils' deprecated LooseVersion.
        warnings.simplefilter("ignore", DeprecationWarning)
        import torchviz

        try:
            dot = torchviz.make_dot(output, params=dict(leaves), show_attrs=True, show_saved=True)
        except RecursionError:  # torchviz walks the graph recursively
            return None
    return dot.source


def _notes(graph: Graph, parsed: Expression, reduced: bool, torchviz_failed: bool) -> tuple[str, ...]:
    notes = []
    if reduced:
        value = next(t for t in graph.tensors if t.id == graph.tensor(graph.output).operands[0])
        notes.append(
            f"{parsed.output} = {value.text} has {math.prod(value.shape):,} values and backward() needs a scalar, "
            f"so backward starts from sum({parsed.output}) (the lab's sum trick). Each grad element is the "
            "derivative at that point as long as the points do not mix (no sum, mean, max or min inside)."
        )
    if graph.root is None:
        notes.append(f"{parsed.output} has no grad_fn: it is a leaf or a constant, so autograd records no "
                     "operation for it.")
    notes.extend(_non_finite_notes(graph))
    if torchviz_failed:
        notes.append("torchviz cannot draw this graph: its walk is recursive and the graph is too deep.")
    return tuple(notes)


def _non_finite_notes(graph: Graph) -> list[str]:
    """Point at the first term whose value or derivative turns nan or inf, and say why."""
    notes = []
    by_id = {t.id: t for t in graph.tensors}
    for tensor in graph.tensors:
        function = FUNCTIONS.get(tensor.op)
        operands = [by_id[o] for o in tensor.operands]
        if not _finite(tensor.data) and all(_finite(o.data) for o in operands):
            why = function.value_note if function and function.value_note else _operator_reason(tensor.op)
            notes.append(f"{tensor.text} is {_kind(tensor.data)}" + (f": {why}" if why else ""))
        if tensor.grad is not None and _finite(tensor.grad):
            for operand in operands:
                if operand.grad is not None and not _finite(operand.grad) and _finite(operand.data):
                    why = function.grad_note if function and function.grad_note else _operator_reason(tensor.op)
                    notes.append(f"the gradient flowing back through {tensor.text} to {operand.label} is "
                                 f"{_kind(operand.grad)}" + (f": {why}" if why else ""))
                    break
    return notes


def _operator_reason(op: str) -> str:
    return {
        "div": "division by zero gives inf (or nan for 0/0)",
        "pow": "a negative number to a fractional power is nan, and 0 to a negative power is inf",
        "mul": "inf times 0 is nan",
    }.get(op, "")


def _finite(value: Value) -> bool:
    return all(math.isfinite(v) for v in flat(value))


def _kind(value: Value) -> str:
    values = flat(value)
    kinds = sorted({"nan" if math.isnan(v) else "inf" if v > 0 else "-inf" for v in values if not math.isfinite(v)})
    return " and ".join(kinds) if len(values) == 1 else f"{' and '.join(kinds)} at some points"


# -- the backward playback ------------------------------------------------------------------------


def play(expression: str, at: Mapping[str, PointInput], device: str = "cpu", dtype: str = "float32") -> Playback:
    """Run backward with every node hooked, and return its steps in the order the engine ran them."""
    result, steps = explore_and_play(expression, at, device, dtype, torchviz=False)
    return Playback(result.graph, steps)


def _record_hooked(live: Live, events: list[_Event]) -> Graph:
    """The recorded graph, backward run with every node hooked so that each step lands in ``events``."""
    handles = [hook_node(fn, node_id, events) for fn, node_id in node_ids(live.output.tensor).items()]
    try:
        return record(live.output.tensor, live.entries, backward="run")
    finally:
        for handle in handles:
            handle.remove()


def hook_node(fn: Node, node_id: str, events: list[_Event]) -> RemovableHandle:
    if type(fn).__name__ == "AccumulateGrad":
        # runs once, with every path's gradient already summed by the engine
        return fn.register_prehook(lambda grad_outputs: events.append((node_id, _plain(grad_outputs), ())))
    return fn.register_hook(
        lambda grad_inputs, grad_outputs: events.append((node_id, _plain(grad_outputs), _plain(grad_inputs)))
    )


def _plain(grads: tuple[torch.Tensor | None, ...]) -> tuple[Value | None, ...]:
    # each is a tensor, or None where no gradient flows
    return tuple(None if g is None else dense(g).cpu().tolist() for g in grads)


def playback_steps(graph: Graph, events: list[_Event]) -> tuple[Step, ...]:
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
        grad_after = tensors[node.tensor].grad if leaf and node.tensor is not None else None
        arrivals = tuple(sent_to.get(node_id, ()))
        step = Step(index, node_id, node.name, upstream, arrivals, sent, leaf, grad_after)
        steps.append(_with_story(step, nodes, tensors))
    return tuple(steps)


def _ratio(sent: Value | None, upstream: Value | None) -> Value | None:
    """sent / upstream elementwise; None where the upstream is zero or the shapes do not line up."""
    if sent is None or upstream is None:
        return None
    a, b = torch.tensor(sent, dtype=torch.float64), torch.tensor(upstream, dtype=torch.float64)
    try:
        ratio = a / b
    except RuntimeError:
        return None
    if (b == 0).any():
        return None
    return ratio.tolist()


def _with_story(step: Step, nodes: dict[str, GradNode], tensors: dict[str, TensorInfo]) -> Step:
    names = {n: f"{nodes[n].name} ({n})" for n in nodes}
    if step.name == "AccumulateGrad":
        parts = " + ".join(format_value(a.value) for a in step.arrivals) or format_value(step.upstream)
        many = len(step.arrivals) > 1
        story = (f"AccumulateGrad writes into {step.leaf}.grad: {parts}"
                 + (f" = {format_value(step.upstream)}" if many else "")
                 + (f" (one gradient per path: {step.leaf} is used {len(step.arrivals)} times)" if many else "")
                 + f". Now {step.leaf}.grad = {format_value(step.grad_after)}.")
        return replace(step, story=story)
    made_id = nodes[step.node].tensor
    made = tensors.get(made_id) if made_id is not None else None
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
