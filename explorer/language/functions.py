"""The functions a typed expression may call, described as plain data.

The table below is the allow-list: a name a user types is looked up here, as a
string, and nothing else is ever reachable. Each entry says which spellings
PyTorch itself accepts (``sin(x)``, ``torch.sin(x)``, ``x.sin()``,
``torch.nn.functional.relu(x)``), so what works here works in a notebook too.
The table holds no torch object: parsing and checking text needs none, so the
app's process never imports torch. ``explorer.compute.calls.CALLS`` holds the
PyTorch callable behind each name.

NOTE [the lab's SQ]
The lab defines ``SQ`` with a backward that returns ``2*i`` and drops
``grad_output``. Alone (``SQ(x)`` then backward) the missing factor is 1 and the
answer looks right; inside anything else (``3*SQ(x)``) the chain rule breaks.
``SQ`` (in ``explorer.compute.calls``) is the lab's code unchanged; ``SQFixed``
multiplies by ``grad_output``. ``explorer.compute.calls.gradcheck_function`` runs
``torch.autograd.gradcheck`` on a vector input, where the dropped factor shows.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["FUNCTIONS", "CONSTANTS", "SPELLINGS", "Function", "GradcheckResult", "operator_for", "resolve"]


@dataclass(frozen=True)
class Function:
    """One callable name of the expression language, described without torch.

    The PyTorch callable behind the name is ``explorer.compute.calls.CALLS[name]``.
    """

    name: str
    arity: tuple[int, int]
    summary: str
    torch_spelling: bool = True  # torch.<name> exists
    functional: bool = False  # torch.nn.functional.<name> exists
    method: bool = True  # tensor.<name>() exists
    options: tuple[str, ...] = ()
    value_note: str = ""  # why a value may be nan or inf here
    grad_note: str = ""  # why a derivative may be nan or inf here


def _unary(name: str, summary: str, **kw: Any) -> Function:
    return Function(name=name, arity=(1, 1), summary=summary, **kw)


_TABLE: tuple[Function, ...] = (
    _unary("sin", "sine"),
    _unary("cos", "cosine"),
    _unary("tan", "tangent", value_note="tan is infinite at odd multiples of pi/2"),
    _unary("asin", "inverse sine",
           value_note="asin is nan outside [-1, 1]",
           grad_note="asin'(x) = 1/sqrt(1-x^2) is infinite at x = ±1"),
    _unary("acos", "inverse cosine",
           value_note="acos is nan outside [-1, 1]",
           grad_note="acos'(x) = -1/sqrt(1-x^2) is infinite at x = ±1"),
    _unary("atan", "inverse tangent"),
    _unary("sinh", "hyperbolic sine"),
    _unary("cosh", "hyperbolic cosine"),
    _unary("tanh", "hyperbolic tangent", functional=True),
    _unary("exp", "e to the power", value_note="exp overflows to inf past about 88 in float32"),
    _unary("log", "natural logarithm",
           value_note="log of a negative number is nan and log(0) is -inf",
           grad_note="log'(x) = 1/x is infinite at x = 0"),
    _unary("log2", "base-2 logarithm",
           value_note="log2 of a negative number is nan and log2(0) is -inf",
           grad_note="log2'(x) = 1/(x ln 2) is infinite at x = 0"),
    _unary("log10", "base-10 logarithm",
           value_note="log10 of a negative number is nan and log10(0) is -inf",
           grad_note="log10'(x) = 1/(x ln 10) is infinite at x = 0"),
    _unary("sqrt", "square root",
           value_note="sqrt of a negative number is nan",
           grad_note="sqrt'(x) = 1/(2 sqrt(x)) is infinite at x = 0"),
    _unary("abs", "absolute value"),
    _unary("relu", "max(x, 0)", functional=True),
    _unary("sigmoid", "1/(1+e^-x)", functional=True),
    _unary("softplus", "log(1+e^x)", torch_spelling=False, functional=True, method=False),
    _unary("sum", "sum of all elements (the lab's sum trick)"),
    _unary("mean", "mean of all elements"),
    _unary("SQ", "the lab's custom square Function (backward ignores grad_output)",
           torch_spelling=False, method=False),
    _unary("SQFixed", "the square Function with a correct backward",
           torch_spelling=False, method=False),
    Function("pow", (2, 2), "a to the power b",
             value_note="a negative number to a fractional power is nan",
             grad_note="d/dx x^p is infinite at x = 0 when p < 1"),
    Function("max", (1, 2), "max(a): largest element; max(a, b): elementwise maximum"),
    Function("min", (1, 2), "min(a): smallest element; min(a, b): elementwise minimum"),
    Function("clamp", (1, 3), "clamp(a, min, max): a limited to [min, max]",
             options=("min", "max")),
    # not as a method: PyTorch's a.where(condition, b) puts the receiver second, so
    # (x > 0).where(x, 0) would be read as where(x > 0, x, 0) here but fails in PyTorch
    Function("where", (3, 3), "where(condition, a, b): a where true, else b", method=False),
)

FUNCTIONS: dict[str, Function] = {f.name: f for f in _TABLE}

CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}

# Spellings that are not "<name>", "torch.<name>", "torch.nn.functional.<name>",
# "F.<name>": the lab's `sq = SQ.apply; sq(x)`, and the usual inverse-trig aliases.
_ALIASES: dict[str, str] = {
    "SQ.apply": "SQ",
    "sq": "SQ",
    "SQFixed.apply": "SQFixed",
    "arcsin": "asin",
    "arccos": "acos",
    "arctan": "atan",
    "torch.arcsin": "asin",
    "torch.arccos": "acos",
    "torch.arctan": "atan",
}

_OPERATORS: dict[str, Callable[..., Any]] = {
    "add": operator.add,
    "sub": operator.sub,
    "mul": operator.mul,
    "div": operator.truediv,
    "pow": operator.pow,
    "neg": operator.neg,
    "gt": operator.gt,
    "ge": operator.ge,
    "lt": operator.lt,
    "le": operator.le,
}


def _spellings() -> dict[str, str]:
    table = dict(_ALIASES)
    for f in _TABLE:
        table[f.name] = f.name
        if f.torch_spelling:
            table[f"torch.{f.name}"] = f.name
        if f.functional:
            table[f"torch.nn.functional.{f.name}"] = f.name
            table[f"F.{f.name}"] = f.name
    return table


SPELLINGS: dict[str, str] = _spellings()


def resolve(spelling: str) -> Function | None:
    """The Function a dotted name like ``torch.sin`` stands for, or None."""
    name = SPELLINGS.get(spelling)
    return FUNCTIONS[name] if name else None


def operator_for(name: str) -> Callable[..., Any]:
    """The Python operator behind an arithmetic term, so torch records what a notebook would."""
    return _OPERATORS[name]


@dataclass(frozen=True)
class GradcheckResult:
    """What ``torch.autograd.gradcheck`` said about one custom Function."""

    name: str
    passed: bool
    message: str
