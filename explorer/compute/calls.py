"""The PyTorch behind the function table: each name's callable, and the lab's custom autograd Functions.

``explorer.language.functions`` describes every function a typed expression may call in
plain data, so that the app's process can parse and check text without
importing torch. This module holds what runs: ``CALLS`` maps each of the
table's names to its PyTorch callable (our own fixed table, never looked up by
text), and ``SQ``, ``SQFixed`` and ``gradcheck_function`` are the lab's custom
Functions (see NOTE [the lab's SQ] in ``explorer.language.functions``). Only code that
runs PyTorch imports it: ``Function.call`` does so on first use.

>>> CALLS["sin"] is torch.sin
True
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch.autograd.gradcheck import GradcheckError

from explorer.language.functions import FUNCTIONS, GradcheckResult

__all__ = ["CALLS", "SQ", "SQFixed", "gradcheck_function"]


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


def _max(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    return torch.max(a) if b is None else torch.maximum(a, b)


def _min(a: torch.Tensor, b: torch.Tensor | None = None) -> torch.Tensor:
    return torch.min(a) if b is None else torch.minimum(a, b)


# Receives tensors (or Python numbers where the table keeps them) positionally, and the keyword
# options already checked against each Function's ``options``.
CALLS: dict[str, Callable[..., torch.Tensor]] = {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
    "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "exp": torch.exp,
    "log": torch.log, "log2": torch.log2, "log10": torch.log10, "sqrt": torch.sqrt, "abs": torch.abs,
    "relu": torch.relu, "sigmoid": torch.sigmoid, "softplus": F.softplus, "sum": torch.sum, "mean": torch.mean,
    "SQ": SQ.apply, "SQFixed": SQFixed.apply, "pow": torch.pow, "max": _max, "min": _min, "clamp": torch.clamp,
    "where": torch.where,
}
assert set(CALLS) == set(FUNCTIONS), "every function of the table runs, and nothing else does"


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
