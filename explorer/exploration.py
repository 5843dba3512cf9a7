"""The exploration: one typed function run through PyTorch, with its graph, values and grads.

``explore`` is the core's main verb: parse the text, make the leaves on the
chosen device, compute every term with real PyTorch (keeping each tensor's
grad), run backward, and hand back plain frozen data.

>>> result = explore("y = x**2 + 2*x + 1", {"x": 2})
>>> result.value, result.grad
(9.0, {'x': 6.0})
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from .errors import ExpressionError
from .expression import Expression, Term, parse
from .functions import FUNCTIONS, operator_for
from .graph import Graph, Value, flat
from .points import Point, Range, grid_shape, read_points

if TYPE_CHECKING:  # torch is imported where a function runs it: importing this module must not (see __init__)
    import torch

    from .recording import Labeled

__all__ = [
    "DTYPES", "MAX_RECORDED_VALUES", "Exploration", "Live", "available_devices", "evaluate", "explore", "make_leaves",
    "recorded_values", "run_live",
]

DTYPES: tuple[str, ...] = ("float32", "float64")
# Every recorded tensor's data and grad become Python numbers; this bounds their count for one run,
# so a long function over a fine range cannot take a server's memory (100 operations on 10,000 points).
MAX_RECORDED_VALUES = 1_000_000
_OPERATORS = ("add", "sub", "mul", "div", "pow", "neg", "gt", "ge", "lt", "le")
# pow takes Python numbers as PyTorch's own ** does, so the grad_fn matches a notebook's
# (x**2 is PowBackward0 with exponent 2, not a tensor exponent); every other call gets
# tensors of the chosen dtype, so where(x > 0, 1, 0) is float64 when float64 is asked for.
_KEEPS_NUMBERS = ("pow",)


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


def available_devices() -> tuple[str, ...]:
    """The devices this machine can run on: always cpu, then cuda and mps where present."""
    import torch

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


def run_live(expression: str, at: Mapping[str, object], device: str = "cpu", dtype: str = "float32") -> Live:
    """Parse, make the leaves and compute every term with PyTorch; no backward yet."""
    import torch

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


def recorded_values(parsed: Expression, elements: int) -> int:
    """How many numbers one run records: every tensor (leaves, terms, the sum) at every point."""
    tensors = len(parsed.variables) + sum(1 for t in parsed.terms() if t.op not in ("number", "variable")) + 1
    return tensors * elements


def explore(
    expression: str,
    at: Mapping[str, float | tuple[float, float, int] | str | Range],
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
    import torch

    from .recording import record

    live = run_live(expression, at, device, dtype)
    parsed = live.parsed
    with torch.enable_grad():
        torchviz_dot = _torchviz(live.output.tensor, live.leaves) if torchviz else None
        graph = record(live.output.tensor, live.entries, backward="run")
    value = graph.tensors[live.value_index].data
    grad = {name: graph.tensors[i].grad for i, name in enumerate(live.leaves)}
    notes = _notes(graph, parsed, live.reduced, torchviz and torchviz_dot is None)
    return Exploration(
        expression=parsed.text, body=parsed.body, output=parsed.output, variables=parsed.variables,
        points=live.points, device=live.device.type, dtype=dtype, value=value, grad=grad, graph=graph,
        reduced=live.reduced, notes=notes, torchviz_dot=torchviz_dot,
    )


def _device(name: str) -> torch.device:
    import torch

    present = available_devices()
    if name not in ("cpu", "cuda", "mps"):
        raise ExpressionError(f"unknown device '{name}': choose one of {', '.join(present)}")
    if name not in present:
        raise ExpressionError(f"device '{name}' is not present on this machine; available: {', '.join(present)}")
    return torch.device(name)


def _dtype(name: str) -> torch.dtype:
    import torch

    if name not in DTYPES:
        raise ExpressionError(f"unknown dtype '{name}': choose one of {', '.join(DTYPES)}")
    return {"float32": torch.float32, "float64": torch.float64}[name]


def make_leaves(points: Mapping[str, Point], device: torch.device, dtype: torch.dtype) -> dict[str, torch.Tensor]:
    """One leaf per variable, made on the device with requires_grad, so it stays a leaf."""
    import torch

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
    import torch

    from .recording import Labeled

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


def _apply(term: Term, args: list, device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    import torch

    if term.op in _OPERATORS:
        result = operator_for(term.op)(*args)
    else:
        if term.op not in _KEEPS_NUMBERS:
            args = [a if isinstance(a, torch.Tensor) else torch.tensor(a, device=device, dtype=dtype)
                    for a in args]
        result = FUNCTIONS[term.op].call(*args, **dict(term.options))
    if not isinstance(result, torch.Tensor):  # e.g. a comparison of two numbers
        result = torch.tensor(result, device=device)
    return result


def _sum_trick(entries: list[Labeled], value_index: int, output: str) -> Labeled:
    from .recording import Labeled

    # the lab's Y = x ** 2; y = torch.sum(Y): the function keeps its name, the sum is what backward starts from
    value = entries[value_index]
    if value.role != "input":
        value.role, value.label = "intermediate", output
    total = value.tensor.sum()
    if total.requires_grad:
        total.retain_grad()
    return Labeled(total, f"sum({output})", f"sum({value.text})", "output", (value_index,), "sum")


def _torchviz(output: torch.Tensor, leaves: dict[str, torch.Tensor]) -> str | None:
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


def _finite(value) -> bool:
    return all(math.isfinite(v) for v in flat(value))


def _kind(value) -> str:
    values = flat(value)
    kinds = sorted({"nan" if math.isnan(v) else "inf" if v > 0 else "-inf" for v in values if not math.isfinite(v)})
    return " and ".join(kinds) if len(values) == 1 else f"{' and '.join(kinds)} at some points"
