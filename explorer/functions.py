"""The functions a typed expression may call, and the lab's custom autograd Functions.

The table below is the allow-list: a name a user types is looked up here, as a
string, and nothing else is ever reachable. Each entry says which spellings
PyTorch itself accepts (``sin(x)``, ``torch.sin(x)``, ``x.sin()``,
``torch.nn.functional.relu(x)``), so what works here works in a notebook too.

NOTE [the lab's SQ]
The lab defines ``SQ`` with a backward that returns ``2*i`` and drops
``grad_output``. Alone (``SQ(x)`` then backward) the missing factor is 1 and the
answer looks right; inside anything else (``3*SQ(x)``) the chain rule breaks.
``SQ`` here is the lab's code unchanged; ``SQFixed`` multiplies by
``grad_output``. ``gradcheck_function`` runs ``torch.autograd.gradcheck`` on a
vector input, where the dropped factor shows.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

__all__ = [
    "FUNCTIONS",
    "CONSTANTS",
    "Function",
    "GradcheckResult",
    "SQ",
    "SQFixed",
    "gradcheck_function",
    "resolve",
]


class SQ(torch.autograd.Function):
    """The lab's square Function, as the lab writes it: backward ignores grad_output."""

    @staticmethod
    def forward(ctx, i):
        result = i**2
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        grad_output = 2 * i  # the lab's line: overwrites the upstream gradient
        return grad_output


class SQFixed(torch.autograd.Function):
    """The square Function with the chain rule applied: grad_output * 2i."""

    @staticmethod
    def forward(ctx, i):
        ctx.save_for_backward(i)
        return i**2

    @staticmethod
    def backward(ctx, grad_output):
        (i,) = ctx.saved_tensors
        return grad_output * 2 * i


@dataclass(frozen=True)
class Function:
    """One callable name of the expression language.

    ``call`` receives tensors (or Python numbers where ``numbers_ok``) positionally
    and the keyword options already checked against ``options``.
    """

    name: str
    call: Callable
    arity: tuple[int, int]
    summary: str
    torch_spelling: bool = True  # torch.<name> exists
    functional: bool = False  # torch.nn.functional.<name> exists
    method: bool = True  # tensor.<name>() exists
    options: tuple[str, ...] = ()
    value_note: str = ""  # why a value may be nan or inf here
    grad_note: str = ""  # why a derivative may be nan or inf here


def _max(a, b=None):
    return torch.max(a) if b is None else torch.maximum(a, b)


def _min(a, b=None):
    return torch.min(a) if b is None else torch.minimum(a, b)


def _unary(name: str, call: Callable, summary: str, **kw) -> Function:
    return Function(name=name, call=call, arity=(1, 1), summary=summary, **kw)


_TABLE: tuple[Function, ...] = (
    _unary("sin", torch.sin, "sine"),
    _unary("cos", torch.cos, "cosine"),
    _unary("tan", torch.tan, "tangent", value_note="tan is infinite at odd multiples of pi/2"),
    _unary("asin", torch.asin, "inverse sine",
           value_note="asin is nan outside [-1, 1]",
           grad_note="asin'(x) = 1/sqrt(1-x^2) is infinite at x = ±1"),
    _unary("acos", torch.acos, "inverse cosine",
           value_note="acos is nan outside [-1, 1]",
           grad_note="acos'(x) = -1/sqrt(1-x^2) is infinite at x = ±1"),
    _unary("atan", torch.atan, "inverse tangent"),
    _unary("sinh", torch.sinh, "hyperbolic sine"),
    _unary("cosh", torch.cosh, "hyperbolic cosine"),
    _unary("tanh", torch.tanh, "hyperbolic tangent", functional=True),
    _unary("exp", torch.exp, "e to the power", value_note="exp overflows to inf past about 88 in float32"),
    _unary("log", torch.log, "natural logarithm",
           value_note="log of a negative number is nan and log(0) is -inf",
           grad_note="log'(x) = 1/x is infinite at x = 0"),
    _unary("log2", torch.log2, "base-2 logarithm",
           value_note="log2 of a negative number is nan and log2(0) is -inf",
           grad_note="log2'(x) = 1/(x ln 2) is infinite at x = 0"),
    _unary("log10", torch.log10, "base-10 logarithm",
           value_note="log10 of a negative number is nan and log10(0) is -inf",
           grad_note="log10'(x) = 1/(x ln 10) is infinite at x = 0"),
    _unary("sqrt", torch.sqrt, "square root",
           value_note="sqrt of a negative number is nan",
           grad_note="sqrt'(x) = 1/(2 sqrt(x)) is infinite at x = 0"),
    _unary("abs", torch.abs, "absolute value"),
    _unary("relu", torch.relu, "max(x, 0)", functional=True),
    _unary("sigmoid", torch.sigmoid, "1/(1+e^-x)", functional=True),
    _unary("softplus", F.softplus, "log(1+e^x)", torch_spelling=False, functional=True,
           method=False),
    _unary("sum", torch.sum, "sum of all elements (the lab's sum trick)"),
    _unary("mean", torch.mean, "mean of all elements"),
    _unary("SQ", SQ.apply, "the lab's custom square Function (backward ignores grad_output)",
           torch_spelling=False, method=False),
    _unary("SQFixed", SQFixed.apply, "the square Function with a correct backward",
           torch_spelling=False, method=False),
    Function("pow", torch.pow, (2, 2), "a to the power b",
             value_note="a negative number to a fractional power is nan",
             grad_note="d/dx x^p is infinite at x = 0 when p < 1"),
    Function("max", _max, (1, 2), "max(a): largest element; max(a, b): elementwise maximum"),
    Function("min", _min, (1, 2), "min(a): smallest element; min(a, b): elementwise minimum"),
    Function("clamp", torch.clamp, (1, 3), "clamp(a, min, max): a limited to [min, max]",
             options=("min", "max")),
    # not as a method: PyTorch's a.where(condition, b) puts the receiver second, so
    # (x > 0).where(x, 0) would be read as where(x > 0, x, 0) here but fails in PyTorch
    Function("where", torch.where, (3, 3), "where(condition, a, b): a where true, else b", method=False),
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

_OPERATORS: dict[str, Callable] = {
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


def operator_for(name: str) -> Callable:
    """The Python operator behind an arithmetic term, so torch records what a notebook would."""
    return _OPERATORS[name]


@dataclass(frozen=True)
class GradcheckResult:
    """What ``torch.autograd.gradcheck`` said about one custom Function."""

    name: str
    passed: bool
    message: str


def gradcheck_function(name: str) -> GradcheckResult:
    """Run ``torch.autograd.gradcheck`` on ``SQ`` or ``SQFixed``.

    The input is a float64 vector: with a vector, gradcheck feeds one-hot
    grad_outputs, so a backward that ignores grad_output is caught.

    >>> gradcheck_function("SQFixed").passed
    True
    """
    functions = {"SQ": SQ, "SQFixed": SQFixed}
    if name not in functions:
        raise KeyError(f"no custom Function named {name!r}; choose one of {sorted(functions)}")
    inputs = (torch.tensor([0.5, -1.0, 2.0], dtype=torch.float64, requires_grad=True),)
    try:
        torch.autograd.gradcheck(functions[name].apply, inputs, raise_exception=True)
    except GradcheckError as err:
        return GradcheckResult(name, False, str(err).strip())
    return GradcheckResult(name, True, "backward matches finite differences")
