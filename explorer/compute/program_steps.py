"""What a program's run keeps for the page: summaries of names, the tensors table, graphs' gradients, plot data.

``explorer.compute.interpreter`` calls these as a program runs; each turns live
values (tensors, the program's functions) into plain text and numbers for
``explorer.model.program_run``.
"""

from __future__ import annotations

import ast
import dataclasses
import functools
import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from explorer.compute.program_api import Namespace
from explorer.compute.program_functions import Frame, UserFunction
from explorer.model.graph import Graph
from explorer.model.program_run import TensorRow

__all__ = ["role", "plain_values", "readable_grad", "with_grads", "tensor_row", "plot_value", "summary", "cell_ends",
           "is_docstring", "shown_text", "UNBOUND", "value_of", "bound_names", "names_of", "tensor_text", "captured",
           "written"]


def role(tensor: torch.Tensor) -> str:
    if tensor.grad_fn is not None:
        return "intermediate"
    return "input" if tensor.requires_grad else "constant"


def plain_values(tensor: torch.Tensor | None) -> Any:
    """A tensor's numbers as nested lists; a complex tensor's as [real, imaginary] pairs (JSON has no complex)."""
    if tensor is None:
        return None
    tensor = tensor.detach().cpu()
    return (torch.view_as_real(tensor) if tensor.is_complex() else tensor).tolist()


def readable_grad(tensor: torch.Tensor) -> torch.Tensor | None:
    return tensor.grad if tensor.is_leaf or tensor.retains_grad else None  # a non-leaf's .grad warns


def with_grads(graph: Graph, live: list[torch.Tensor], inputs: Any, found: Any) -> Graph:
    """The graph recorded before a backward call, with the gradients the call produced."""
    given = {}
    if found is not None:
        wanted = [inputs] if isinstance(inputs, torch.Tensor) else list(inputs or ())
        given = {id(t): g for t, g in zip(wanted, found, strict=False)}
    tensors = []
    for info, tensor in zip(graph.tensors, live, strict=False):
        grad = given[id(tensor)] if id(tensor) in given else (None if found is not None else readable_grad(tensor))
        tensors.append(dataclasses.replace(info, grad=plain_values(grad)))
    return dataclasses.replace(graph, tensors=tuple(tensors) + graph.tensors[len(tensors):])


def tensor_row(name: str, tensor: torch.Tensor, same_as: str | None, kept: bool) -> TensorRow:
    return TensorRow(
        name=name, shape=tuple(tensor.shape), dtype=str(tensor.dtype), data=plain_values(tensor) if kept else None,
        grad=plain_values(readable_grad(tensor)) if kept else None, requires_grad=tensor.requires_grad,
        is_leaf=tensor.is_leaf, grad_fn=type(tensor.grad_fn).__name__ if tensor.grad_fn is not None else None,
        retains_grad=tensor.retains_grad, device=str(tensor.device), same_as=same_as, kept=kept,
    )


def plot_value(value: Any) -> Any:
    """A plot call's argument as plain data: numbers, strings, or (nested) lists of them."""
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple) and value and all(isinstance(v, str) for v in value):
        return list(value)  # legend labels
    try:
        # np.asarray, as matplotlib does: a tensor that requires grad is refused with PyTorch's own message
        return np.asarray(value, dtype=float).tolist()
    except (TypeError, ValueError):
        return summary(value)


# NOTE [a small tensor's text, written here]
# A step names every value it bound with its text, and PyTorch's own repr of a tensor runs a dozen tensor
# operations to choose a format (about as long as running a lab cell's statement). ``tensor_text`` writes the same
# text from the numbers themselves, PyTorch's choices (_tensor_str._Formatter) followed one by one: a fixed or
# scientific format, integers as "2.", one width for every element, a line per row. It writes only what it
# follows exactly (a plain tensor on the CPU, a real dtype, PyTorch's default print options, up to
# _WRITTEN elements) and answers None for anything else, which is then printed by PyTorch itself. The tests hold
# it to PyTorch's repr over many dtypes, shapes and values.
_WRITTEN = 100
_FLOATS = frozenset({torch.float16, torch.bfloat16, torch.float32, torch.float64})
_OTHERS = frozenset({torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8, torch.bool})
_NEVER_NAMED = frozenset({torch.int64, torch.bool})  # dtypes PyTorch never names after the numbers
_LINEWIDTH = 80
_PRECISION = 4


def tensor_text(tensor: torch.Tensor) -> str | None:
    """``repr(tensor)`` for a small plain tensor, written without PyTorch's formatting; None where it may differ."""
    parts = _tensor_parts(tensor)
    return None if parts is None else _written(*parts)


def _tensor_parts(tensor: torch.Tensor) -> tuple[Any, int, bool, list[str]] | None:
    """What ``tensor_text`` writes, read now: the numbers as nested lists, the dimensions, whether they are floats,
    the suffixes (dtype, grad_fn, requires_grad); None where PyTorch's own repr is needed."""
    dtype = tensor.dtype
    floating = dtype in _FLOATS
    if (type(tensor) is not torch.Tensor or not (floating or dtype in _OTHERS) or tensor.device.type != "cpu"
            or tensor.layout is not torch.strided or tensor.is_nested or tensor.is_quantized or tensor.is_meta
            or not 0 < tensor.numel() <= _WRITTEN or torch._C._get_default_device() != "cpu"
            or torch._C._functorch.is_functorch_wrapped_tensor(tensor) or torch.autograd.forward_ad._current_level >= 0
            or not _default_print_options()):
        return None
    try:
        grad_fn = tensor.grad_fn
    except RuntimeError:  # PyTorch's repr says "Invalid" here; let it
        return None
    suffixes = []
    if not floating and dtype not in _NEVER_NAMED or floating and dtype != torch.get_default_dtype():
        suffixes.append(f"dtype={dtype}")
    if grad_fn is not None:
        name = type(grad_fn).__name__
        if name == "CppFunction":
            return None
        suffixes.append(f"grad_fn=<{name}>")
    elif tensor.requires_grad:
        suffixes.append("requires_grad=True")
    return tensor.tolist(), tensor.dim(), floating, suffixes


def _written(values: Any, dim: int, floating: bool, suffixes: list[str]) -> str:
    flat = _flat(values, dim)
    if floating:
        format_one, width = _float_format(flat)
    else:
        width = max(len(str(v)) for v in flat)

        def format_one(value: Any) -> str:
            return str(value)
    body = _nested_text(values, dim, 7, format_one, width)
    return _with_suffixes("tensor(" + body, suffixes, 7)


def _default_print_options() -> bool:
    options = torch._tensor_str.PRINT_OPTS
    return (options.precision == _PRECISION and options.linewidth == _LINEWIDTH and options.sci_mode is None
            and options.threshold > _WRITTEN and options.edgeitems > 0)


def _flat(values: Any, dim: int) -> list:
    if dim == 0:
        return [values]
    while dim > 1:
        values = [item for row in values for item in row]
        dim -= 1
    return values


def _float_format(flat: list[float]) -> tuple[Any, int]:
    """PyTorch's format for these floats (fixed, scientific or integral) and its width, as _Formatter chooses."""
    finite = [abs(v) for v in flat if v != 0 and math.isfinite(v)]
    if not finite:
        return _integral, 1
    integral = all(v.is_integer() for v in finite)
    low, high = min(finite), max(finite)
    scientific = high / low > 1000.0 or high > 1.0e8 or low < 1.0e-4
    signed = [v for v in flat if v != 0 and math.isfinite(v)]
    if scientific:
        width = max(len(f"{v:.{_PRECISION}e}") for v in signed)
        return lambda value: f"{value:{width}.{_PRECISION}e}", width
    if integral:
        return _integral, max(len(f"{v:.0f}") + 1 for v in signed)
    return lambda value: f"{value:.{_PRECISION}f}", max(len(f"{v:.{_PRECISION}f}") for v in signed)


def _integral(value: float) -> str:
    text = f"{value:.0f}"
    return text if math.isinf(value) or math.isnan(value) else text + "."


def _nested_text(values: Any, dim: int, indent: int, format_one: Any, width: int) -> str:
    """_tensor_str_with_formatter: a scalar, a row wrapped at the line width, or rows of rows."""
    if dim == 0:
        return _padded(format_one(values), width)
    if dim == 1:
        per_line = max(1, (_LINEWIDTH - indent) // (width + 2))
        items = [_padded(format_one(v), width) for v in values]
        lines = [", ".join(items[i:i + per_line]) for i in range(0, len(items), per_line)]
        return "[" + ("," + "\n" + " " * (indent + 1)).join(lines) + "]"
    rows = [_nested_text(row, dim - 1, indent + 1, format_one, width) for row in values]
    return "[" + ("," + "\n" * (dim - 1) + " " * (indent + 1)).join(rows) + "]"


def _padded(text: str, width: int) -> str:
    return (width - len(text)) * " " + text


def _with_suffixes(text: str, suffixes: list[str], indent: int) -> str:
    """_tensor_str._add_suffixes: each suffix after a comma, on a new line where the line would pass the width."""
    parts = [text]
    last_line = len(text) - text.rfind("\n") + 1
    for suffix in suffixes:
        if last_line + len(suffix) + 2 > _LINEWIDTH:
            parts.append(",\n" + " " * indent + suffix)
            last_line = indent + len(suffix)
        else:
            parts.append(", " + suffix)
            last_line += len(suffix) + 2
    parts.append(")")
    return "".join(parts)


def summary(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        if value.numel() <= 8:
            text = tensor_text(value)
            return " ".join((repr(value) if text is None else text).split())[:160]
        grad_fn = f", grad_fn={type(value.grad_fn).__name__}" if value.grad_fn is not None else ""
        wants = ", requires_grad=True" if value.requires_grad and value.grad_fn is None else ""
        return f"tensor of shape {tuple(value.shape)}, {value.dtype}{grad_fn}{wants}"
    if isinstance(value, UserFunction):
        return f"function {value.name}"
    if isinstance(value, Namespace):
        return f"module {value.path}"
    text = " ".join(repr(value).split())
    return text if len(text) <= 120 else text[:117] + "..."


CELL = re.compile(r"^\s*#\s*%%")  # a cell marker, as Jupytext, VS Code and Spyder write it


def cell_ends(tree: ast.Module, source: str) -> set[ast.stmt]:
    """The last top-level statement of each cell; cells are divided by '# %%' lines (one cell without any)."""
    if not tree.body:  # an empty program, or only comments: no cell has a statement
        return set()
    markers = [i + 1 for i, line in enumerate(source.splitlines()) if CELL.match(line)]
    ends = set()
    for statement, after in zip(tree.body, [*tree.body[1:], None], strict=True):
        last = statement.end_lineno or statement.lineno
        if after is None or any(last < m < after.lineno for m in markers):
            ends.add(statement)
    return ends


def is_docstring(node: ast.stmt) -> bool:
    return isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)


SHOWN = 10_000  # characters of a bare expression's value kept; a notebook, too, shows long values cut


def shown_text(value: Any) -> str | None:
    if value is None:
        return None
    text = (tensor_text(value) if isinstance(value, torch.Tensor) else None) or repr(value)
    return text if len(text) <= SHOWN else text[:SHOWN] + "..."


UNBOUND = object()


def value_of(name: str, frame: Frame) -> Any:
    scope: Frame | None = frame
    while scope is not None:
        if name in scope.names:
            return scope.names[name]
        scope = scope.parent
    return UNBOUND


_UNCHANGING = frozenset({int, float, bool, str, complex, type(None)})  # values whose text cannot change later


def captured(names: list[str], frame: Frame) -> tuple[tuple[str, str | Callable[[], str]], ...]:
    """``bound_names`` for a step that may never be shown: what each summary needs is read now, and written only
    when ``written`` is called (a number as it is; a small tensor's numbers and suffixes, not yet formatted)."""
    found: list[tuple[str, str | Callable[[], str]]] = []
    for name in names:
        value = value_of(name, frame)
        if value is UNBOUND:
            continue
        if value.__class__ in _UNCHANGING:
            found.append((name, functools.partial(summary, value)))
            continue
        parts = _tensor_parts(value) if value.__class__ is torch.Tensor and value.numel() <= 8 else None
        found.append((name, summary(value) if parts is None else functools.partial(_summary_of_parts, parts)))
    return tuple(found)


def written(bound: tuple[tuple[str, str | Callable[[], str]], ...]) -> tuple[tuple[str, str], ...]:
    """The summaries ``captured`` left to write."""
    return tuple((name, text if isinstance(text, str) else text()) for name, text in bound)


def _summary_of_parts(parts: tuple[Any, int, bool, list[str]]) -> str:
    return " ".join(_written(*parts).split())[:160]


def bound_names(names: list[str], frame: Frame) -> tuple[tuple[str, str], ...]:
    """The names a statement bound or changed, each with a short summary of its value now."""
    found = []
    for name in names:
        value = value_of(name, frame)
        if value is not UNBOUND:
            found.append((name, summary(value)))
    return tuple(found)


_NAMES: dict[ast.stmt, list[str]] = {}  # names_of's answers: a statement's names never change, and loops ask often
_NAMES_KEPT = 10_000


def names_of(node: ast.stmt) -> list[str]:
    """The names a statement binds or changes (at most 8): its targets, a def's name, a method call's receiver."""
    names = _NAMES.get(node)
    if names is None:
        if len(_NAMES) >= _NAMES_KEPT:  # a worker runs program after program: their trees are not kept for ever
            _NAMES.clear()
        names = _NAMES[node] = _names_of(node)
    return names


def _names_of(node: ast.stmt) -> list[str]:
    targets: list[ast.AST] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, ast.AugAssign | ast.AnnAssign | ast.For):
        targets = [node.target]
    elif isinstance(node, ast.FunctionDef | ast.ClassDef):
        return [node.name]
    elif isinstance(node, ast.Import | ast.ImportFrom):
        return [a.asname or a.name.partition(".")[0] for a in node.names]
    elif isinstance(node, ast.Expr):
        return receiver(node.value)
    names: list[str] = []
    for target in targets:
        for sub in ast.walk(target):
            if isinstance(sub, ast.Name) and sub.id not in names and (
                    isinstance(sub.ctx, ast.Store) or isinstance(node, ast.Expr | ast.AugAssign | ast.Assign)):
                if isinstance(node, ast.Assign) and not is_target_root(sub, node.targets):
                    continue
                names.append(sub.id)
    return names[:8]


def receiver(value: ast.expr) -> list[str]:
    """The name a method call is made on (``y`` in ``y.backward()``): the call may change it."""
    if not (isinstance(value, ast.Call) and isinstance(value.func, ast.Attribute)):
        return []
    root = value.func.value
    while isinstance(root, ast.Attribute | ast.Subscript | ast.Call):
        root = root.func if isinstance(root, ast.Call) else root.value
    return [root.id] if isinstance(root, ast.Name) else []


def is_target_root(name: ast.Name, targets: list[ast.expr]) -> bool:
    """A name a target assigns to, or whose item or attribute it sets (``x`` in ``x[0] = 1``)."""
    for target in targets:
        stack = [target]
        while stack:
            item = stack.pop()
            if item is name:
                return True
            if isinstance(item, ast.Tuple | ast.List):
                stack.extend(item.elts)
            elif isinstance(item, ast.Subscript | ast.Attribute | ast.Starred):
                stack.append(item.value)
    return False
