"""Derivatives beyond the first, computed with PyTorch: f'', the Hessian, the graph create_graph=True builds, and
forward mode.

Four views, each computed with real PyTorch and handed back as plain frozen data
(``explorer.model.derivatives``'s classes, and ``explorer.draw.figure.Plot`` for f''):

- ``second_derivative_plot``: f, f' and f'' over a window, as a Plotly figure;
- ``hessian``: every second partial at one point, by double backward;
- ``derivative_graph``: the autograd graph behind dy/dx itself, recorded like any other;
- ``forward_mode``: the same derivative by dual numbers, one step per term, beside reverse mode.

This module imports torch, so only worker processes import it (see ``explorer``'s NOTE).

>>> hessian("u*v + u**2", {"u": 1, "v": 2}).matrix
((2.0, 1.0), (1.0, 0.0))
>>> forward_mode("x**2 + 2*x + 1", {"x": 2}, "x").derivative
6.0

NOTE [create_graph=True]
``torch.autograd.grad(y, x)`` runs backward's arithmetic without recording it:
the gradient it returns is a plain number. With ``create_graph=True`` backward's
own multiplications are recorded like any forward computation, so dy/dx is a
tensor with a grad_fn of its own, and differentiating it again gives d2y/dx2.
That is how f'' and the Hessian are computed here, and the graph
``derivative_graph`` records. Where backward's arithmetic does not involve x at
all (dy/dx of 3*x + 1 is the constant 3), nothing is recorded: dy/dx has no
grad_fn and the second derivative is 0.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Mapping
from functools import partial

import torch
import torch.autograd.forward_ad as fwAD
from torch.autograd.graph import Node

from explorer.compute.curves import as_float64, curve_values
from explorer.compute.explore import Live, evaluate, run_live
from explorer.compute.recording import Labeled, record
from explorer.draw.figure import curve_traces, derivative_name, held_points, layout
from explorer.errors import ExpressionError
from explorer.language.expression import parse
from explorer.language.points import PointInput, Range, read_points
from explorer.model.derivatives import DerivativeGraph, ForwardPass, ForwardStep, Hessian
from explorer.model.plot import Plot

__all__ = ["derivative_graph", "forward_mode", "hessian", "second_derivative_plot"]

# f solid, f' dashed, f'' dotted: the three curves stay apart in print and for colour-blind readers too
_TRACES = (("#1f77b4", "solid"), ("#ff7f0e", "dash"), ("#2ca02c", "dot"))


# -- f, f' and f'' ------------------------------------------------------------------------------


def second_derivative_plot(expression: str, points: Mapping[str, float | Range], variable: str, window: Range,
                           device: str = "cpu", dtype: str = "float32") -> Plot | None:
    """f, f' and f'' over the window, the other variables held; None if the points mix (f is not a curve).

    Both derivatives are ``torch.autograd.grad`` of a sum (the lab's sum trick),
    the first with ``create_graph=True`` so it can be differentiated again: each
    point's value is its own derivative only because no point depends on another.
    """
    held = held_points(points, variable)
    live = run_live(expression, {**held, variable: window}, device, dtype)
    leaf = _leaf(live, variable)
    found = curve_values(live, window.count)
    if found is None:
        return None
    values, name = found
    with torch.enable_grad():
        first = _grads(live.output.tensor, [leaf], create_graph=True)[0]
        second = _grads(first.sum(), [leaf])[0]
    out, several = live.parsed.output, len(live.leaves) > 1
    names = (name, derivative_name(out, variable, several), derivative_name(out, variable, several, 2))
    xs = as_float64(leaf)
    traces = [curve_traces(xs, as_float64(ys), trace_name, colour, dash)
              for ys, trace_name, (colour, dash) in zip((values, first, second), names, _TRACES, strict=True)]
    figure = {"data": [line for line, _ in traces] + [hover for _, hover in traces], "layout": layout(variable, out)}
    notes = _second_notes(as_float64(first).tolist(), as_float64(second).tolist(), names)
    return Plot("curve", (variable,), figure, notes)


def _second_notes(df: list[float], d2f: list[float], names: tuple[str, ...]) -> tuple[str, ...]:
    _, first, second = names
    notes = [f"{first} and {second} are torch.autograd.grad of the summed values (the sum trick), the first with "
             f"create_graph=True so that it can be differentiated again."]
    finite = [v for v in df if math.isfinite(v)]
    if all(v == 0 for v in d2f) and finite and max(finite) - min(finite) > 1e-6:
        notes.append(f"{second} is 0 everywhere autograd looks, yet {first} changes: it jumps at a kink, where the "
                     "second derivative does not exist. Autograd differentiates each straight piece, never the jump.")
    bad = sum(not math.isfinite(v) for v in d2f)
    if bad:
        notes.append(f"{second} is nan or inf at {bad} of {len(d2f)} points; the curve has gaps there.")
    return tuple(notes)


# -- the Hessian -------------------------------------------------------------------------------


def hessian(expression: str, at: Mapping[str, PointInput], device: str = "cpu", dtype: str = "float32") -> Hessian:
    """The gradient and the matrix of second partials at one point, by double backward.

    Each first partial comes from ``torch.autograd.grad(..., create_graph=True)``,
    and each row of the matrix is ``torch.autograd.grad`` of one first partial.
    """
    live = _scalar_live(expression, at, device, dtype, "the Hessian")
    leaves = list(live.leaves.values())
    with torch.enable_grad():
        first = _grads(live.output.tensor, leaves, create_graph=True)
        rows = [_grads(g, leaves) for g in first]
    return Hessian(
        expression=live.parsed.text, output=live.parsed.output, variables=tuple(live.leaves),
        value=live.output.tensor.item(), gradient=tuple(g.item() for g in first),
        matrix=tuple(tuple(h.item() for h in row) for row in rows),
    )


# -- the graph of a derivative -------------------------------------------------------------------


def derivative_graph(expression: str, at: Mapping[str, PointInput], variable: str, device: str = "cpu",
                     dtype: str = "float32") -> DerivativeGraph:
    """The autograd graph behind ``torch.autograd.grad(y, x, create_graph=True)``, recorded as plain data.

    Its output is the derivative (labeled ``dy/dx``); each input's grad is the
    derivative of the derivative (d2y/dx2 on x itself).
    """
    live = _scalar_live(expression, at, device, dtype, "the graph of a derivative")
    leaf = _leaf(live, variable)
    out, several = live.parsed.output, len(live.leaves) > 1
    name = derivative_name(out, variable, several)
    with torch.enable_grad():
        derivative = _grads(live.output.tensor, [leaf], create_graph=True)[0]
        labeled = Labeled(derivative, name, f"torch.autograd.grad({out}, {variable}, create_graph=True)", "output",
                          op="grad")
        graph = record(derivative, [*_reached_entries(live, derivative.grad_fn), labeled], backward="grad")
    value = derivative.item()
    if derivative.grad_fn is None:
        note = (f"{name} = {value:g} has no grad_fn: backward's arithmetic for it never touches a tensor that "
                f"requires grad, so create_graph=True records nothing. The derivative is constant here, and "
                f"{derivative_name(out, variable, several, 2)} is 0.")
    else:
        note = (f"{name} = {value:g} has grad_fn {type(derivative.grad_fn).__name__}: with create_graph=True, "
                "backward's own arithmetic is recorded as a graph, so the derivative can be differentiated again. "
                f"The grad on each input is the derivative of {name} with respect to it.")
    return DerivativeGraph(live.parsed.text, variable, name, value, graph, note)


def _reached_entries(live: Live, root: Node | None) -> list[Labeled]:
    """The leaves, and the forward tensors the derivative's graph reuses (exp(x) saves its result, say)."""
    reached: set[Node] = set()
    stack = [root] if root is not None else []
    while stack:
        fn = stack.pop()
        if fn in reached:
            continue
        reached.add(fn)
        stack.extend(nxt for nxt, _ in fn.next_functions if nxt is not None)
    keep = [i for i, e in enumerate(live.entries) if e.role == "input" or e.tensor.grad_fn in reached]
    new_index = {old: new for new, old in enumerate(keep)}
    kept = []
    for i in keep:
        e = live.entries[i]
        role = "input" if e.role == "input" else "intermediate"  # the function is not the output here
        kept.append(Labeled(e.tensor, e.label, e.text, role, tuple(new_index[o] for o in e.operands if o in new_index),
                            e.op))
    return kept


# -- forward mode --------------------------------------------------------------------------------


def forward_mode(expression: str, at: Mapping[str, PointInput], direction: str | Mapping[str, float],
                 device: str = "cpu", dtype: str = "float32") -> ForwardPass:
    """One forward-mode pass with dual numbers: every term's value and tangent, in the order computed.

    ``direction`` is a variable's name (tangent 1 for it, 0 for the others) or a
    tangent per variable. Reverse mode's answer for the same direction comes
    alongside; where a term has no forward formula (the lab's SQ has no ``jvp``),
    the pass is reported unavailable with PyTorch's own message.
    """
    live = _scalar_live(expression, at, device, dtype, "forward mode")
    variables = tuple(live.leaves)
    tangents = _direction(direction, variables)
    with torch.enable_grad():
        grads = _grads(live.output.tensor, list(live.leaves.values()))
    reverse = sum(g.item() * tangents[v] for v, g in zip(variables, grads, strict=True))
    forward_pass = partial(ForwardPass, expression=live.parsed.text, variables=variables, direction=tangents,
                           reverse=reverse, passes_needed=len(variables), explanation=_explanation(variables))
    try:
        steps, value_index = _forward_steps(live, tangents)
    except NotImplementedError as err:  # what a custom Function without jvp raises
        return forward_pass(available=False, reason=str(err), steps=(), value=None, derivative=None)
    out = steps[value_index]
    return forward_pass(available=True, reason="", steps=steps, value=out.primal, derivative=out.tangent)


def _forward_steps(live: Live, tangents: dict[str, float]) -> tuple[tuple[ForwardStep, ...], int]:
    def tensor(number: float) -> torch.Tensor:
        return torch.tensor(number, device=live.device, dtype=live.dtype)

    numbers = {v: p for v, p in live.points.items() if not isinstance(p, Range)}  # _scalar_live refused ranges
    # no tensor requires grad here: the derivative travels with each value, no graph is recorded
    with torch.no_grad(), fwAD.dual_level():
        with warnings.catch_warnings():
            # PyTorch 2.13's first make_dual imports its jvp decompositions, which call the deprecated
            # torch.jit.script: PyTorch's own warning about itself, nothing this call can change.
            warnings.filterwarnings("ignore", message="`torch.jit.script` is", category=DeprecationWarning)
            leaves = {v: fwAD.make_dual(tensor(float(numbers[v])), tensor(tangents[v])) for v in live.leaves}
        entries, value_index = evaluate(live.parsed, leaves, live.device, live.dtype)
        steps = []
        for e in entries:
            primal, tangent = fwAD.unpack_dual(e.tensor)
            # a term that does not depend on the inputs (x > 0, say) carries no tangent at all: its derivative is 0
            role = e.role if e.role == "input" else "constant" if tangent is None else "intermediate"
            steps.append(ForwardStep(e.text, e.op, role, float(primal.item()),
                                     0.0 if tangent is None else float(tangent.item())))
    return tuple(steps), value_index


def _direction(direction: str | Mapping[str, float], variables: tuple[str, ...]) -> dict[str, float]:
    if isinstance(direction, str):
        if direction not in variables:
            raise ExpressionError(f"'{direction}' is not a variable of this function; choose one of "
                                  f"{', '.join(variables) or '(none: the function is a constant)'}")
        return {v: 1.0 if v == direction else 0.0 for v in variables}
    try:
        tangents = {v: float(direction.get(v, 0.0)) for v in variables}  # like the points, unused names are ignored
    except (TypeError, ValueError):
        tangents = {}
    if len(tangents) != len(variables) or not all(math.isfinite(t) for t in tangents.values()):
        raise ExpressionError("the direction gives each variable a finite number (a variable left out gets 0)")
    return tangents


def _explanation(variables: tuple[str, ...]) -> str:
    n = len(variables)
    how = ("Forward mode carries a second number, the tangent, beside every value: each term computes its value "
           "and its derivative along the chosen direction at once, in the same order as the function itself. ")
    if n <= 1:
        return how + ("With one input, one forward pass gives the whole derivative, as one backward pass does in "
                      "reverse mode.")
    return how + (f"One pass gives one directional derivative, so all {n} partial derivatives need {n} passes, one "
                  "per input. Reverse mode gets every partial from one backward pass, which is why training (many "
                  "inputs, one loss) uses reverse mode; forward mode wins with few inputs and many outputs.")


# -- shared pieces ---------------------------------------------------------------------------------


def _scalar_live(expression: str, at: Mapping[str, PointInput], device: str, dtype: str, what: str) -> Live:
    points = read_points(at, parse(expression).variables)
    ranges = [name for name, point in points.items() if isinstance(point, Range)]
    if ranges:
        raise ExpressionError(f"{what} is computed at one point: give {', '.join(ranges)} a number, not a range")
    return run_live(expression, points, device, dtype)


def _leaf(live: Live, variable: str) -> torch.Tensor:
    if variable not in live.leaves:
        raise ExpressionError(f"{live.parsed.output} = {live.parsed.body} does not use {variable}; choose one of "
                              f"{', '.join(live.leaves) or '(none: the function is a constant)'}")
    return live.leaves[variable]


def _grads(output: torch.Tensor, leaves: list[torch.Tensor], create_graph: bool = False) -> list[torch.Tensor]:
    """d output / d each leaf, zeros where no gradient reaches it (and everywhere for a constant output)."""
    if not output.requires_grad:
        return [torch.zeros_like(leaf) for leaf in leaves]
    # retain_graph: the Hessian asks the same forward graph once per row
    return list(torch.autograd.grad(output, leaves, create_graph=create_graph, retain_graph=True,
                                    allow_unused=True, materialize_grads=True))

