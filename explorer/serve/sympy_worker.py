"""The sympy half of ``explorer.compute.symbols``: term trees in (JSON lines), derivatives in symbols out.

Run as its own process (``python -I explorer/serve/sympy_worker.py``) by
``explorer.compute.symbols``, which owns the time limit and kills this process when a
job runs over. It imports only the standard library and sympy (never torch,
never the ``explorer`` package).

Protocol, one line each way:
- once sympy is imported and warmed up, the worker writes ``ready``, so the
  parent's clock measures the symbolic work and not Python's start-up;
- then, per job, the parent writes one JSON line ``{"nodes": [...], "point":
  {...}, "variables": [...], "simplify_seconds": s}``, where ``nodes`` is the
  term tree in post-order, each ``[op, [argument indices], value, name,
  [[key, value], ...]]``, and the worker answers one JSON line
  ``{"function_latex": ..., "partials": [...]}`` or ``{"error": ...}``;
- the worker exits when its stdin closes.

Nothing in the job is ever read as code: ops are looked up in the tables below,
names must be one of the variables, values must be JSON numbers.

NOTE [corners and jumps]
At a point where relu, abs, max, min or clamp switch pieces, sympy's formula
(with Heaviside's theta(0) = 1/2, sign(0) = 0) gives a number that is not the
derivative. So for each such "kink" whose switching quantity is exactly zero at
the point, each side is differentiated on its own: every kink is replaced by
the piece it takes just left (and just right) of the point along the variable,
and the two one-sided derivatives are compared. They agree: that is the
derivative. They differ: there is none, and the parent says what PyTorch does.
``where`` may also jump (its two branches differ at the boundary): no derivative.
"""

from __future__ import annotations

import json
import operator
import resource
import signal
import sys
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any

import sympy as sp

__all__ = ["VARIABLES", "Refused", "build", "derive", "main", "partial"]

VARIABLES = ("x", "y", "z", "u", "v", "w", "t")  # explorer.language.expression.VARIABLES (a test holds them equal)
MAX_LATEX = 20_000  # characters: longer formulas are not worth showing
_MEMORY = 2 * 1024**3  # bytes of address space: an exact power that runs away fails here, not on the machine
_SIMPLIFY_OPS = 300  # above this many operations, simplify is not tried at all
_PROBE = sp.Rational(1, 10**9)  # how far either side of the point a piece is looked up

_UNARY = {
    "neg": operator.neg,
    "sin": sp.sin, "cos": sp.cos, "tan": sp.tan,
    "asin": sp.asin, "acos": sp.acos, "atan": sp.atan,
    "sinh": sp.sinh, "cosh": sp.cosh, "tanh": sp.tanh,
    "exp": sp.exp, "log": sp.log, "sqrt": sp.sqrt,
    "log2": lambda a: sp.log(a) / sp.log(sp.Integer(2)),
    "log10": lambda a: sp.log(a) / sp.log(sp.Integer(10)),
    "sigmoid": lambda a: sp.Integer(1) / (sp.Integer(1) + sp.exp(-a)),
    "softplus": lambda a: sp.log(sp.Integer(1) + sp.exp(a)),
    # the points here are scalars, so summing or averaging one value leaves it as it is
    "sum": lambda a: a, "mean": lambda a: a, "max": lambda a: a, "min": lambda a: a,
    # both compute i**2 forward; the lab's SQ differs only in its backward (the parent says so)
    "SQ": lambda a: a**2, "SQFixed": lambda a: a**2,
}
_BINARY = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
           "pow": operator.pow}
_RELATIONS = {"gt": sp.Gt, "ge": sp.Ge, "lt": sp.Lt, "le": sp.Le}
_KINKS = ("relu", "abs", "max", "min", "clamp", "where")
_CONSTANTS = {"pi": sp.pi, "e": sp.E}


class Refused(ValueError):
    """The job is not a term tree this worker knows."""


class _OutOfTime(Exception):
    pass


@dataclass(frozen=True)
class Kink:
    """Where the function switches pieces: ``atom`` is ``negative`` where ``switch`` < 0, ``positive`` where > 0."""

    term: int  # index of the term in the job's nodes
    atom: sp.Expr
    switch: sp.Expr  # the pieces change where this is zero
    negative: sp.Expr
    positive: sp.Expr
    at_zero: sp.Expr  # the piece taken where switch == 0
    jumps_possible: bool = False  # where: its branches need not meet


@dataclass
class _Built:
    expr: sp.Expr
    kinks: list[Kink] = field(default_factory=list)


def _number(value: object, name: str) -> sp.Expr:
    if name in _CONSTANTS:
        return _CONSTANTS[name]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Refused("a number term has no numeric value")
    if isinstance(value, int) or value.is_integer():
        return sp.Integer(int(value))
    exact = Fraction(repr(value))  # the decimal as typed: 0.5*x**2 differentiates to x, not 1.0*x
    if exact.denominator <= 10**6:
        return sp.Rational(exact.numerator, exact.denominator)
    return sp.Float(value)


def build(nodes: object, symbols: dict[str, sp.Symbol]) -> _Built:
    """The sympy expression of a post-order term list, and its kinks; iterative, never recursive."""
    built: list[sp.Expr] = []
    relations: dict[int, tuple[sp.Expr, sp.Expr, str]] = {}
    kinks: list[Kink] = []
    if not isinstance(nodes, list) or not nodes:
        raise Refused("the nodes must be a non-empty list")
    for index, node in enumerate(nodes):
        if not isinstance(node, list) or len(node) != 5:
            raise Refused("a node is not [op, args, value, name, options]")
        op, args, value, name, options = node
        if not isinstance(args, list) or not all(isinstance(a, int) and 0 <= a < index for a in args):
            raise Refused("a node refers to a later or missing node")
        values = [built[a] for a in args]
        if op == "number":
            built.append(_number(value, name))
        elif op == "variable":
            if name not in symbols:
                raise Refused(f"unknown variable {name!r}")
            built.append(symbols[name])
        elif op in _RELATIONS and len(values) == 2:
            relations[index] = (values[0], values[1], op)
            built.append(_RELATIONS[op](values[0], values[1]))
        elif op in _KINKS and not (op in ("max", "min") and len(values) == 1):
            built.append(_kink(index, op, values, args, options, relations, kinks))
        elif op in _UNARY and len(values) == 1:
            built.append(_UNARY[op](values[0]))
        elif op in _BINARY and len(values) == 2:
            built.append(_BINARY[op](values[0], values[1]))
        else:
            raise Refused(f"unknown op {op!r} with {len(values)} arguments")
    return _Built(built[-1], kinks)


def _kink(index: int, op: str, values: list, args: list, options: list,
          relations: dict[int, tuple[sp.Expr, sp.Expr, str]], kinks: list[Kink]) -> sp.Expr:
    zero = sp.Integer(0)
    if op == "relu" and len(values) == 1:
        (a,) = values
        return _add(kinks, Kink(index, sp.Max(zero, a), a, zero, a, a))
    if op == "abs" and len(values) == 1:
        (a,) = values
        return _add(kinks, Kink(index, sp.Abs(a), a, -a, a, a))
    if op == "max" and len(values) == 2:
        a, b = values
        return _add(kinks, Kink(index, sp.Max(a, b), a - b, b, a, a))
    if op == "min" and len(values) == 2:
        a, b = values
        return _add(kinks, Kink(index, sp.Min(a, b), a - b, a, b, a))
    if op == "clamp" and len(values) == 1:
        bounds = _bounds(options)
        result = values[0]
        if "min" in bounds:
            low = bounds["min"]
            result = _add(kinks, Kink(index, sp.Max(result, low), result - low, low, result, result))
        if "max" in bounds:
            high = bounds["max"]
            result = _add(kinks, Kink(index, sp.Min(result, high), result - high, result, high, result))
        return result
    if op == "where" and len(values) == 3 and args[0] in relations:
        lhs, rhs, relation = relations[args[0]]
        _, a, b = values
        atom = sp.Piecewise((a, values[0]), (b, True))
        taken_at_zero = a if relation in ("ge", "le") else b
        negative, positive = (b, a) if relation in ("gt", "ge") else (a, b)
        return _add(kinks, Kink(index, atom, lhs - rhs, negative, positive, taken_at_zero, jumps_possible=True))
    raise Refused(f"{op} with {len(values)} arguments")


def _bounds(options: object) -> dict[str, sp.Expr]:
    if not isinstance(options, list) or not options:
        raise Refused("clamp needs a min or a max")
    bounds = {}
    for pair in options:
        if not isinstance(pair, list) or len(pair) != 2 or pair[0] not in ("min", "max"):
            raise Refused("clamp's options are min and max")
        bounds[pair[0]] = _number(pair[1], "")
    return bounds


def _add(kinks: list[Kink], kink: Kink) -> sp.Expr:
    kinks.append(kink)
    return kink.atom


# -- numbers at the point --------------------------------------------------------------------

def _exact(value: float) -> sp.Rational:
    fraction = Fraction(repr(float(value)))
    return sp.Rational(fraction.numerator, fraction.denominator)


def _at(expr: sp.Expr, point: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    return expr.xreplace(point)


def _classify(value: sp.Expr) -> dict:
    """A formula's value at the point, as JSON: a float, or why there is none."""
    if value.has(sp.zoo, sp.oo, -sp.oo):
        return {"status": "infinite", "value": None}
    if value.has(sp.nan):
        return {"status": "nan", "value": None}
    number = value.evalf(30)
    real, imaginary = number.as_real_imag()
    if abs(imaginary) > 1e-20 * max(1, abs(real)):  # evalf may leave a rounding-sized imaginary part
        return {"status": "complex", "value": None}
    if not real.is_number or real.has(sp.nan):
        return {"status": "nan", "value": None}
    as_float = float(real)
    if as_float in (float("inf"), float("-inf")):
        return {"status": "too large", "value": as_float, "shown": str(sp.N(real, 6))}
    return {"status": "ok", "value": as_float}


def _is_zero(value: sp.Expr) -> bool:
    return value == 0 or value.is_zero is True


def _sign(value: sp.Expr) -> int:
    number = value.evalf(30)
    if _is_zero(value) or not number.is_real or number == 0:
        return 0
    return 1 if number > 0 else -1


def _piece(kink: Kink, point: dict[sp.Symbol, sp.Expr]) -> sp.Expr:
    side = _sign(_at(kink.switch, point))
    return {-1: kink.negative, 0: kink.at_zero, 1: kink.positive}[side]


def _replace(expr: sp.Expr, pieces: dict[sp.Expr, sp.Expr]) -> sp.Expr:
    # a piece of an outer kink may hold an inner kink's atom: replace again until none is left
    for _ in range(len(pieces) + 1):
        replaced = expr.xreplace(pieces)
        if replaced == expr:
            break
        expr = replaced
    return expr


# -- one partial derivative -------------------------------------------------------------------

def _simplified(derivative: sp.Expr, seconds: float) -> sp.Expr:
    """sympy.simplify, kept only when it is clearly shorter, and abandoned after ``seconds``."""
    if seconds <= 0 or sp.count_ops(derivative) > _SIMPLIFY_OPS:
        return derivative
    signal.signal(signal.SIGALRM, _alarm)
    try:
        signal.setitimer(signal.ITIMER_REAL, seconds)
        candidate = sp.simplify(derivative)
        signal.setitimer(signal.ITIMER_REAL, 0)  # inside the try: the one alarm may ring just after simplify
    except _OutOfTime:
        return derivative
    # simplify likes 1/(4 cosh^2(x/2)) for the sigmoid's e^-x/(1+e^-x)^2; only a real saving is worth the change
    return candidate if sp.count_ops(candidate) * 3 <= sp.count_ops(derivative) * 2 else derivative


def _alarm(signum: int, frame: object) -> None:
    raise _OutOfTime


def _latex(expr: sp.Expr) -> str:
    text = sp.latex(expr)
    return text if len(text) <= MAX_LATEX else ""


def partial(built: _Built, symbol: sp.Symbol, point: dict[sp.Symbol, sp.Expr],
            simplify_seconds: float) -> dict[str, Any]:
    """The derivative along ``symbol``: formula, value at the point, and what happens at corners."""
    derivative = sp.diff(built.expr, symbol)
    answer = {"variable": symbol.name, "latex": _latex(_simplified(derivative, simplify_seconds)),
              "kinks": [], "jumps": [], "left": None, "right": None}
    active = _active(built, point)
    if not active:
        return answer | _classify(_at(derivative, point))
    return answer | _one_sided(built, symbol, point, active)


def _one_sided(built: _Built, symbol: sp.Symbol, point: dict[sp.Symbol, sp.Expr], active: list[Kink]) -> dict:
    """At a corner: the slope just left and just right along ``symbol`` (NOTE [corners and jumps])."""
    step = _PROBE * max(sp.Integer(1), abs(point[symbol]))
    sides, chosen = {}, {}
    for side in (-1, 1):
        probe = point | {symbol: point[symbol] + side * step}
        chosen[side] = {k: _piece(k, probe) for k in active}
        pieces = {k.atom: piece for k, piece in chosen[side].items()}
        sides[side] = _classify(_at(sp.diff(_replace(built.expr, pieces), symbol), point))
    answer = {"kinks": sorted({k.term for k in active if chosen[-1][k] != chosen[1][k]}),
              "jumps": sorted({k.term for k in active if k.jumps_possible and _jumps(k, chosen, point)}),
              "left": sides[-1]["value"], "right": sides[1]["value"]}
    if answer["jumps"]:
        return answer | {"status": "jump", "value": None}
    both_ok = sides[-1]["status"] == sides[1]["status"] == "ok"
    if sides[-1] == sides[1] or (both_ok and _close(sides[-1]["value"], sides[1]["value"])):
        return answer | sides[1]
    return answer | {"status": "corner", "value": None}


def _active(built: _Built, point: dict[sp.Symbol, sp.Expr]) -> list[Kink]:
    """The kinks whose pieces meet exactly at the point, one per distinct atom."""
    found: dict[sp.Expr, Kink] = {}
    for kink in built.kinks:
        # sympy folds Max(0, x**2) to x**2 (the kink is gone, and x**2 must not be replaced) and
        # relu(relu(x)) to Max(0, x) (the inner kink, built first, describes it)
        kept = isinstance(kink.atom, sp.Max | sp.Min | sp.Abs | sp.Piecewise) and kink.atom not in found
        if kept and built.expr.has(kink.atom) and _is_zero(_at(kink.switch, point)):
            found[kink.atom] = kink
    return list(found.values())


def _jumps(kink: Kink, chosen: dict[int, dict[Kink, sp.Expr]], point: dict[sp.Symbol, sp.Expr]) -> bool:
    """where's value changes as the point crosses its boundary along this variable."""
    if all(chosen[side][kink] == kink.at_zero for side in (-1, 1)):
        return False
    gap = _at(kink.positive - kink.negative, point)
    return not _is_zero(gap) and _sign(gap) != 0


def _close(a: float, b: float) -> bool:
    return abs(a - b) <= 1e-12 * max(1.0, abs(a), abs(b))


def derive(job: dict[str, Any]) -> dict[str, Any]:
    """Answer one job: the function in LaTeX and one partial per variable."""
    variables = job.get("variables")
    if not isinstance(variables, list) or not all(v in VARIABLES for v in variables):
        raise Refused("the variables must be among " + ", ".join(VARIABLES))
    symbols = {name: sp.Symbol(name, real=True) for name in variables}
    raw_point = job.get("point")
    if not isinstance(raw_point, dict) or set(raw_point) != set(variables):
        raise Refused("the point must give every variable a value")
    point = {}
    for name, value in raw_point.items():
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Refused(f"the value of {name} is not a number")
        point[symbols[name]] = _exact(value)
    built = build(job.get("nodes"), symbols)
    seconds = float(job.get("simplify_seconds", 0.0)) / max(1, len(variables))
    return {"function_latex": _latex(built.expr),
            "partials": [partial(built, symbols[name], point, seconds) for name in variables]}


def _warm_up() -> None:
    """One small job before saying ready, so sympy's lazy imports are not paid on the parent's clock."""
    nodes = [["variable", [], None, "x", []], ["relu", [0], None, "", []], ["sigmoid", [0], None, "", []],
             ["mul", [1, 2], None, "", []]]
    derive({"nodes": nodes, "point": {"x": 0.0}, "variables": ["x"], "simplify_seconds": 1.0})


def _answer(line: str) -> dict:
    try:
        return derive(json.loads(line))
    except Refused as err:
        return {"error": f"the worker refused the job: {err}"}
    except RecursionError:
        return {"error": "the formula is nested too deeply for sympy"}
    except MemoryError:
        return {"error": "the numbers grow too large for sympy"}
    except Exception as err:  # every failure is an answer; the parent then retires this worker
        return {"error": f"sympy failed ({type(err).__name__})"}


def main() -> None:
    """Say ready, then answer one JSON line per job until stdin closes."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (_MEMORY, _MEMORY))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    except (ValueError, OSError):
        pass  # a platform that refuses the limits still has the parent's timeout
    sys.setrecursionlimit(6000)  # sympy walks expressions recursively; the parent bounds the time
    _warm_up()
    sys.stdout.write("ready\n")
    sys.stdout.flush()
    for line in sys.stdin:  # ends when the parent closes the pipe or goes away
        sys.stdout.write(json.dumps(_answer(line)) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
