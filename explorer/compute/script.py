"""A runnable Python script that redoes an exploration with plain PyTorch and torchviz.

The code is written from the parsed terms, never copied from the typed text, so
it spells every call the way PyTorch does (``torch.sin``, ``F.softplus``,
``SQ.apply``) and runs in any notebook.

>>> from explorer import parse
>>> "y = x ** 2 + 2 * x" in python_script(parse("x^2 + 2x".replace("2x", "2*x")), {"x": 2.0})
True
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping

from explorer.compute.calls import SQ, SQFixed  # their source goes into the script
from explorer.language.expression import Expression, Term
from explorer.language.functions import FUNCTIONS
from explorer.language.points import Point, Range

__all__ = ["python_script"]

_BINARY = {"add": ("+", 1), "sub": ("-", 1), "mul": ("*", 2), "div": ("/", 2), "pow": ("**", 4),
           "gt": (">", 0), "ge": (">=", 0), "lt": ("<", 0), "le": ("<=", 0)}
_CALLS = {"softplus": "F.softplus", "SQ": "SQ.apply", "SQFixed": "SQFixed.apply"}
_ATOM = 5
_COMPARISONS = ("gt", "ge", "lt", "le")  # bool results: autograd records nothing through them


def python_script(expression: Expression, points: Mapping[str, Point], device: str = "cpu",
                  dtype: str = "float32") -> str:
    """The whole script as text: leaves, the function, backward, the lab's printouts, torchviz."""
    code = _code(expression.root, dtype)
    ranges = [v for v, p in points.items() if isinstance(p, Range)]
    out = expression.output
    lines = [f'"""{out} = {code}: its derivative with PyTorch autograd (written by Autograd Explorer)."""',
             "import math", "", "import torch", "import torch.nn.functional as F", "from torchviz import make_dot",
             ""]
    used = {t.op for t in expression.terms()}
    for function in (SQ, SQFixed):
        if function.__name__ in used:
            lines += [inspect.getsource(function), ""]
    options = f"dtype=torch.{dtype}, device={device!r}"
    if len(ranges) > 1:
        lines.append("# several ranges: every leaf is the full grid, so each point has its own partials")
    for name, point in points.items():
        lines.append(_leaf(name, point, points, options))
    differentiable = _differentiable(expression)
    # a constant is a tensor, as in the explorer, so the printouts of .grad_fn and .grad work
    lines += ["", f"{out} = " + (f"torch.tensor({code}, {options})" if expression.root.op == "number" else code)]
    if differentiable:
        lines.append(f"{out}.retain_grad()  # keep the grad of a non-leaf, as the explorer does")
    reduced = bool(ranges) and not _reduces(expression)
    target = out
    if reduced:
        target = f"sum_{out}"
        lines.append(f"{target} = torch.sum({out})  # the sum trick: backward() needs a scalar")
    params = ", ".join(f"{v!r}: {v}" for v in points)
    lines += [
        "",
        "# draw the graph before backward(): backward frees the saved tensors show_saved reads",
        f"make_dot({target}, params={{{params}}}, show_attrs=True, show_saved=True)"
        ".render('autograd_graph', format='svg')",
        f"{target}.backward()" if differentiable else
        f"# no variable reaches {out} through an operation autograd records, so there is nothing to backward()",
        "",
    ]
    for name in points:
        lines.append(f"print('d{out}/d{name}:', {name}.grad)")
    lines.append("")
    for name in [*points, out]:
        lines += [f"print('{name} data:', {name}.data)", f"print('{name} grad_fn:', {name}.grad_fn)",
                  f"print('{name} grad:', {name}.grad)",
                  f"print('{name} is_leaf:', {name}.is_leaf)",
                  f"print('{name} requires_grad:', {name}.requires_grad)"]
    return "\n".join(lines) + "\n"


def _leaf(name: str, point: Point, points: Mapping[str, Point], options: str) -> str:
    if not isinstance(point, Range):
        return f"{name} = torch.tensor({float(point)!r}, {options}, requires_grad=True)"
    line = f"torch.linspace({point.start!r}, {point.stop!r}, {point.count}, {options}"
    ranges = [p for p in points.values() if isinstance(p, Range)]
    if len(ranges) == 1:  # exactly the lab's linspace leaf
        return f"{name} = {line}, requires_grad=True)"
    view = ", ".join(str(p.count) if p is point else "1" for p in ranges)
    shape = ", ".join(str(p.count) for p in ranges)
    return f"{name} = {line}).reshape({view}).expand({shape}).clone().requires_grad_(True)"


def _differentiable(expression: Expression) -> bool:
    """Whether autograd records a path from a variable to the output (a comparison or a constant breaks it)."""
    reaches: dict[int, bool] = {}
    for term in expression.terms():
        args = [reaches[id(arg)] for arg in term.args]
        if term.op == "where":
            args = args[1:]  # the condition only selects: no gradient flows into it
        reaches[id(term)] = term.op == "variable" or (term.op not in _COMPARISONS and any(args))
    return reaches[id(expression.root)]


def _reduces(expression: Expression) -> bool:
    return expression.root.op in ("sum", "mean") or (expression.root.op in ("max", "min")
                                                       and len(expression.root.args) == 1)


def _code(root: Term, dtype: str) -> str:
    """Python source for a term tree, parenthesised by precedence, built without recursion."""
    done: dict[int, tuple[str, int]] = {}
    stack = [(root, False)]
    while stack:
        term, expanded = stack.pop()
        if not expanded:
            stack.append((term, True))
            stack.extend((arg, False) for arg in term.args)
            continue
        done[id(term)] = _one(term, [done[id(a)] for a in term.args], dtype)
    return done[id(root)][0]


def _one(term: Term, args: list[tuple[str, int]], dtype: str) -> tuple[str, int]:
    if term.op == "number":
        return (f"math.{term.name}" if term.name else repr(term.value)), _ATOM
    if term.op == "variable":
        return term.name, _ATOM
    if term.op == "neg":
        text, prec = args[0]
        return "-" + (f"({text})" if prec < 3 else text), 3
    if term.op in _BINARY:
        symbol, prec = _BINARY[term.op]
        (left, lp), (right, rp) = args
        left = f"({left})" if lp < prec or (term.op == "pow" and lp <= prec) else left
        right = f"({right})" if rp < prec or (rp == prec and term.op in ("sub", "div")) else right
        return f"{left} {symbol} {right}", prec
    call = _CALLS.get(FUNCTIONS[term.op].name, f"torch.{term.op}")
    if term.op in ("max", "min") and len(args) == 2:
        call = "torch.maximum" if term.op == "max" else "torch.minimum"
    values = [text for text, _ in args]
    if term.op != "pow":  # as in the explorer: plain numbers become tensors of the dtype for torch calls
        values = [f"torch.tensor({text}, dtype=torch.{dtype})" if arg.op == "number" else text
                  for text, arg in zip(values, term.args, strict=True)]
    values += [f"{key}={value!r}" for key, value in term.options]
    return f"{call}({', '.join(values)})", _ATOM
