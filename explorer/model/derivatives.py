"""Derivatives beyond the first: the Hessian, the graph create_graph=True builds, and forward mode, as plain data.

What ``explorer.compute.differentiation`` computes with PyTorch comes back as these
frozen dataclasses (f'' over a window comes back as an ``explorer.draw.figure.Plot``).
This module never imports torch, so the app's process reads them without it.

>>> from explorer.compute.differentiation import forward_mode, hessian
>>> hessian("u*v + u**2", {"u": 1, "v": 2}).matrix
((2.0, 1.0), (1.0, 0.0))
>>> forward_mode("x**2 + 2*x + 1", {"x": 2}, "x").derivative
6.0
"""

from __future__ import annotations

from dataclasses import dataclass

from explorer.model.graph import Graph

__all__ = ["DerivativeGraph", "ForwardPass", "ForwardStep", "Hessian"]


@dataclass(frozen=True)
class Hessian:
    """Every second partial derivative at one point, with the gradient and value it comes with."""

    expression: str
    output: str
    variables: tuple[str, ...]
    value: float
    gradient: tuple[float, ...]  # in the order of ``variables``
    matrix: tuple[tuple[float, ...], ...]  # matrix[i][j] = d2 output / d variables[i] d variables[j]


@dataclass(frozen=True)
class DerivativeGraph:
    """The graph autograd records for one derivative when asked to ``create_graph``."""

    expression: str
    variable: str
    name: str  # "dy/dx", or "∂f/∂u" for a function of several variables
    value: float  # the derivative at the point
    graph: Graph  # output: the derivative; each input's grad: the derivative of the derivative
    note: str


@dataclass(frozen=True)
class ForwardStep:
    """One term of a forward-mode pass: its value (primal) and its derivative along the direction (tangent)."""

    text: str
    op: str  # the term's operator or function, "" for an input
    role: str  # "input", "constant" or "intermediate", as in the recorded graph
    primal: float
    tangent: float


@dataclass(frozen=True)
class ForwardPass:
    """The derivative along one direction by forward mode, step by step, beside reverse mode's answer."""

    expression: str
    variables: tuple[str, ...]
    direction: dict[str, float]  # the tangent each input starts with
    available: bool  # False where PyTorch has no forward formula for a term (the lab's SQ)
    reason: str  # PyTorch's own message where not available, else ""
    steps: tuple[ForwardStep, ...]  # in the order computed: inputs first, the function last
    value: float | None
    derivative: float | None  # the function's tangent: the directional derivative
    reverse: float  # the same directional derivative from one reverse-mode backward
    passes_needed: int  # forward passes for every partial: one per input
    explanation: str
