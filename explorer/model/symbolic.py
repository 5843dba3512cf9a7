"""The derivative in symbols as plain data: sympy's formula for each partial beside PyTorch's number.

Computed by ``explorer.compute.symbols.derivatives``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Partial", "Symbolic"]


@dataclass(frozen=True)
class Partial:
    """One partial derivative: the formula, and three ways of getting its value at the point."""

    variable: str
    latex: str  # the derivative formula, as sympy.latex writes it ("" when too long to show)
    symbolic: float | None  # the formula's value at the point; None where there is no derivative
    autograd: float  # what PyTorch's backward gives, computing in ``dtype``
    finite_difference: float  # (f(x+h) - f(x-h)) / 2h, h = 1e-6 * max(1, |x|), by PyTorch in float64
    difference: float | None  # autograd - symbolic
    note: str  # why the formula has no value here, or why autograd differs from it
    dtype: str = "float64"  # the page's dtype, in which autograd computed


@dataclass(frozen=True)
class Symbolic:
    """The derivative in symbols, or why none is shown."""

    available: bool
    reason: str  # why not available ("" when it is)
    function_latex: str
    partials: tuple[Partial, ...]
