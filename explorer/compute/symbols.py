"""The derivative in symbols: sympy's formula for each partial, set beside PyTorch's number.

``derivatives`` turns the parsed terms (never the typed text) into a sympy
expression, differentiates it along each variable, and puts three numbers side
by side: the formula's value at the point, autograd's, and a central finite
difference. Where the formula has no value (a corner of relu, sqrt at 0, a
jump of where) a note says why and what PyTorch returns instead.

>>> found = derivatives("x**2 + 2*x + 1", {"x": 2})
>>> first = found.partials[0]
>>> first.latex, first.symbolic, first.autograd
('2 x + 2', 6.0, 6.0)

NOTE [the time bound: a worker process, JSON in and out]
sympy can run for minutes (sin nested 150 deep takes longer to differentiate
than anyone waits) and cannot be interrupted from outside its own thread, so
all sympy work runs in a separate process that is killed when a job runs over
``timeout``. The process is ``python -I explorer/serve/sympy_worker.py``, started
with ``subprocess``, rather than a ``multiprocessing`` child: spawn or
forkserver would import the caller's ``__main__`` module in the child (in a
worker, torch: seconds, and hundreds of MB, for nothing), while fork would copy
a process with torch's threads running. ``-I`` keeps the child from reading
PYTHON* variables or importing from the script's folder. Only plain data
crosses: the term tree as JSON (op names, argument indices, numbers), never
the typed text, and the child looks every op up in its own table.
Importing sympy takes about a second, so a worker says ``ready`` after
importing it, the clock starts only then, and a worker that answered in time
is kept for the next call (at most ``_IDLE_WORKERS`` wait, killed at exit).
A worker that ran over, failed, or answered with an error is killed and
reaped, and the next call starts a fresh one. Inside the worker, simplify gets
at most ``_SIMPLIFY_SHARE`` of the time (an alarm) and the raw formula is shown
when it runs out, so a slow simplification costs prettiness, not the answer.
POSIX only (``selectors`` on pipes; the worker's limits use ``resource`` and
``signal.setitimer``).

NOTE [numbers: the decimals as typed]
The formula is evaluated exactly (sympy, 30 digits) at the point as typed,
with every constant read as its decimal (0.1 is 1/10), so relu(x - 0.1) at
x = 0.1 is exactly at the corner, as the learner means it. PyTorch works at the
nearest float64 and rounds each step; the two agree to about 1e-15 except near
a pole (tan at 1.5707963267948966) or at a corner that floats miss (relu(3*x -
0.3) at x = 0.1, where 3*0.1 - 0.3 is 5.6e-17), and there the note says so.

NOTE [SQ]
The lab's ``SQ`` computes ``i**2`` forward and its backward returns ``2*i``,
dropping ``grad_output``. Its formula here is the one the lab meant, ``2 i``
times the chain rule, so where something is applied after ``SQ`` the
difference column shows the lab's bug, and the note names it. ``SQFixed`` is
``i**2`` too, and agrees.
"""

from __future__ import annotations

import atexit
import json
import math
import threading
import time
from collections.abc import Mapping
from pathlib import Path

from explorer.child import Child
from explorer.compute.explore import explore
from explorer.language.expression import Expression, Term, parse
from explorer.language.functions import FUNCTIONS
from explorer.language.points import PointInput, Range, read_points
from explorer.model.exploration import Exploration
from explorer.model.graph import Value
from explorer.model.symbolic import Partial, Symbolic

__all__ = ["derivatives"]

_WORKER = Path(__file__).parent.parent / "serve" / "sympy_worker.py"
_START_LIMIT = 60.0  # seconds a fresh worker may take to import sympy, off the clock
_SIMPLIFY_SHARE = 0.4  # of the time limit, the most simplify may use before the raw formula is shown
_SIMPLIFY_MAX = 1.0  # seconds: a longer limit is for patience with big formulas, not for prettier ones
_IDLE_WORKERS = 2  # warm workers kept between calls (one per concurrent caller, up to this)
# relative: autograd and the formula agree within this (the dtype's rounding over a few operations, far from poles)
_AGREE = {"float64": 1e-6, "float32": 1e-4}
_SQ_NOTE = ("autograd differs from the formula because the lab's SQ backward returns 2*i and drops grad_output, "
            "so the chain rule breaks after it; SQFixed multiplies by grad_output")
_ROUNDING_NOTE = ("autograd differs from the formula by more than rounding: the formula is evaluated exactly at the "
                  "decimals as typed, PyTorch at the nearest {dtype} with every step rounded, which matters near a "
                  "pole or where nearly equal numbers cancel")


def derivatives(expression: str, at: Mapping[str, PointInput], timeout: float = 2.0,
                dtype: str = "float64") -> Symbolic:
    """Differentiate ``expression`` in symbols and compare with autograd at the point ``at``, autograd computing
    in ``dtype`` as the page does (a float32 page compares float32's answer with the exact formula).

    Each variable needs a number; ranges are refused with a reason. The sympy
    work gets ``timeout`` seconds in a separate process, which is killed when it
    runs over. Raises ``ExpressionError`` for text or points ``explore`` refuses.
    """
    parsed = parse(expression)
    read = read_points(at, parsed.variables)
    points = {name: point for name, point in read.items() if not isinstance(point, Range)}
    ranged = [name for name in read if name not in points]
    if ranged:
        return _unavailable(f"no closed form shown for a range of points ({', '.join(ranged)}): the formula is "
                            "compared at one point, so give each variable a number")
    exploration = explore(expression, points, dtype=dtype)
    job = {"nodes": _nodes(parsed), "point": points, "variables": list(parsed.variables),
           "simplify_seconds": min(timeout * _SIMPLIFY_SHARE, _SIMPLIFY_MAX)}
    answer = _ask(job, timeout)
    if isinstance(answer, str):
        return _unavailable(answer)
    terms = list(parsed.terms())
    partials = tuple(_partial(found, parsed, terms, points, exploration.grad[found["variable"]], dtype)
                     for found in answer["partials"])
    return Symbolic(True, "", answer["function_latex"], partials)


def _unavailable(reason: str) -> Symbolic:
    return Symbolic(False, reason, "", ())


def _nodes(parsed: Expression) -> list[list]:
    """The term tree as plain JSON data, in post-order: [op, argument indices, value, name, options]."""
    index: dict[int, int] = {}  # id(term) -> position; terms live as long as ``parsed``
    nodes = []
    for term in parsed.terms():
        nodes.append([term.op, [index[id(arg)] for arg in term.args], term.value, term.name,
                      [list(option) for option in term.options]])
        index[id(term)] = len(nodes) - 1
    return nodes


# -- the worker --------------------------------------------------------------------------------

_idle: list[Child] = []
_idle_lock = threading.Lock()


def _take() -> Child | None:
    """A worker that has imported sympy: a waiting one, or a fresh one once it says ready."""
    with _idle_lock:
        while _idle:
            worker = _idle.pop()
            if worker.alive():
                return worker
            worker.stop()
    worker = Child(_WORKER)
    if worker.started(_START_LIMIT):
        return worker
    worker.stop()
    return None


def _give_back(worker: Child) -> None:
    with _idle_lock:
        if len(_idle) < _IDLE_WORKERS:
            _idle.append(worker)
            return
    worker.stop()


@atexit.register
def _stop_idle() -> None:
    with _idle_lock:
        workers, _idle[:] = list(_idle), []
    for worker in workers:
        worker.stop()


def _ask(job: dict, timeout: float) -> dict | str:
    """The worker's answer to one job, or the reason there is none."""
    worker = _take()
    if worker is None:
        return "no closed form shown: the sympy worker did not start (is sympy installed?)"
    if not worker.send(json.dumps(job).encode() + b"\n"):
        worker.stop()
        return "no closed form shown: the sympy worker stopped before it was given the function"
    deadline = time.monotonic() + timeout
    line = worker.read_line(deadline)
    if line is None:
        worker.stop()
        if time.monotonic() < deadline:  # the worker ended on its own: a crash deep inside sympy
            return "no closed form shown: the symbolic step stopped unexpectedly"
        return f"no closed form shown: the symbolic step took longer than {timeout:g} s"
    try:
        answer = json.loads(line)
    except ValueError:
        answer = {"error": "the sympy worker answered something unreadable"}
    if "error" in answer:
        worker.stop()  # a worker that failed once (memory, recursion) is not trusted again
        return f"no closed form shown: {answer['error']}"
    _give_back(worker)
    return answer


# -- one partial, with its note ----------------------------------------------------------------

def _partial(found: dict, parsed: Expression, terms: list[Term], points: dict[str, float],
             grad: Value | None, dtype: str) -> Partial:
    variable = found["variable"]
    autograd = 0.0 if grad is None else _scalar(grad)
    symbolic = found["value"]
    difference = autograd - symbolic if symbolic is not None and math.isfinite(symbolic) else None
    notes = [_status_note(found, terms, points, autograd)]
    if grad is None:
        notes.append(f"no gradient reaches {variable} in PyTorch's graph (its .grad is None), shown as 0")
    if difference is not None and not _agree(autograd, symbolic, dtype):
        notes.append(_SQ_NOTE if any(t.op == "SQ" for t in terms) else _ROUNDING_NOTE.format(dtype=dtype))
    if not found["latex"]:
        notes.append("the formula is too long to show")
    return Partial(variable=variable, latex=found["latex"], symbolic=symbolic, autograd=autograd,
                   finite_difference=_finite_difference(parsed.text, points, variable), difference=difference,
                   note="; ".join(n for n in notes if n), dtype=dtype)


def _agree(a: float, b: float, dtype: str) -> bool:
    tolerance = _AGREE.get(dtype, _AGREE["float32"])
    return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)


def _finite_difference(expression: str, points: dict[str, float], variable: str) -> float:
    x = float(points[variable])
    h = 1e-6 * max(1.0, abs(x))
    ahead = _scalar(_explore(expression, {**points, variable: x + h}).value)
    behind = _scalar(_explore(expression, {**points, variable: x - h}).value)
    return (ahead - behind) / (2 * h)


def _status_note(found: dict, terms: list[Term], points: dict[str, float], autograd: float) -> str:
    where = _where(points)
    status = found["status"]
    if status in ("corner", "jump"):
        return _corner_note(found, terms, points, autograd)
    if status in ("infinite", "nan", "complex"):
        what = {"infinite": "infinite", "nan": "undefined (0/0 or the like)",
                "complex": "not a real number (a root or logarithm of a negative number?)"}[status]
        why = "; ".join(_function_notes(terms, "value_note" if status == "complex" else "grad_note"))
        return f"the formula is {what} at {where}" + (f" ({why})" if why else "") + f"; PyTorch returns {autograd:g}"
    if status == "too large":
        return f"the formula's value, {found['shown']}, is beyond a float's range"
    if found["kinks"]:
        switching = " and ".join(terms[i].text for i in found["kinks"])
        verb = "switches" if len(found["kinks"]) == 1 else "switch"
        return f"{where} is where {switching} {verb} pieces, but both sides have the same slope: the derivative exists"
    return ""


def _corner_note(found: dict, terms: list[Term], points: dict[str, float], autograd: float) -> str:
    """No derivative: why, and what PyTorch does there (its rule, or that float64 puts it beside the corner)."""
    jump = found["status"] == "jump"
    indices = found["jumps"] if jump else found["kinks"]
    names = " and ".join(terms[i].text for i in indices)
    if jump:
        why = f"{names} {'jumps' if len(indices) == 1 else 'jump'} there"
    else:
        why = (f"{names} {'has a corner' if len(indices) == 1 else 'have corners'} there (slope "
               f"{_slope(found['left'])} from the left, {_slope(found['right'])} from the right)")
    missed = [_beside(terms[i], points) for i in indices]
    if all(missed):
        pytorch = (f"in float64 PyTorch's point is beside it ({'; '.join(missed)}), so autograd gives "
                   f"{autograd:g}, one side's slope")
    else:
        pytorch = f"PyTorch {_rules(terms, indices)}, so autograd gives {autograd:g}"
    return f"the derivative is not defined at {_where(points)}: {why}; {pytorch}"


def _beside(term: Term, points: dict[str, float]) -> str:
    """'' when PyTorch's float64 values meet at this term's corner too; else what they are instead."""
    if term.op in ("relu", "abs"):
        pairs = [(term.args[0], 0.0)]
    elif term.op in ("max", "min"):
        pairs = [(term.args[0], _float(term.args[1], points))]
    elif term.op == "clamp":
        pairs = [(term.args[0], float(bound)) for _, bound in term.options]
    else:  # where: the two sides of its condition
        pairs = [(term.args[0].args[0], _float(term.args[0].args[1], points))]
    values = [(arg, _float(arg, points), meet) for arg, meet in pairs]
    if any(value == meet for _, value, meet in values):
        return ""
    arg, value, meet = values[0]
    return f"{arg.text} is {value!r}, not {meet!r}"  # repr: all the digits that tell them apart


def _float(term: Term, points: dict[str, float]) -> float:
    # a term's text is a piece of what was typed, so it parses on its own and explore computes it as PyTorch does
    return _scalar(term.value) if term.op == "number" else _scalar(_explore(term.text, points).value)


def _slope(value: float | None) -> str:
    return "without a finite value" if value is None else f"{value:g}"


def _where(points: dict[str, float]) -> str:
    return ", ".join(f"{name} = {value:g}" for name, value in points.items())


def _function_notes(terms: list[Term], kind: str) -> list[str]:
    """The functions' own explanations (explorer.language.functions) of where their values or slopes break."""
    ops = dict.fromkeys(t.op for t in terms)  # first appearance order, no repeats
    notes = [getattr(FUNCTIONS[op], kind) for op in ops if op in FUNCTIONS]
    return [note for note in notes if note]


def _rules(terms: list[Term], indices: list[int]) -> str:
    """What PyTorch's backward does at each corner, measured with explore rather than typed in."""
    return "; ".join(dict.fromkeys(_rule(terms[i]) for i in indices))


def _rule(term: Term) -> str:
    if term.op in ("relu", "abs"):
        return f"uses {term.op}'(0) = {_grad(f'{term.op}(x)', x=0.0)['x']:g}"
    if term.op in ("max", "min"):
        shares = _grad(f"{term.op}(x, y)", x=1.0, y=1.0)
        return f"splits a tie of {term.op}(a, b), {shares['x']:g} of the gradient to a and {shares['y']:g} to b"
    if term.op == "clamp":
        bounds = dict(term.options)
        text = "clamp(x, " + ", ".join(f"{key}={value!r}" for key, value in bounds.items()) + ")"
        slopes = sorted({_grad(text, x=float(value))["x"] for value in bounds.values()})
        return f"uses slope {' or '.join(f'{s:g}' for s in slopes)} at clamp's bound"
    if term.op == "where":
        condition = term.args[0]
        first = condition.op in ("ge", "le")  # where the two sides are equal, >= and <= hold
        return (f"takes the {'first' if first else 'second'} branch of {term.text} at the boundary, since "
                f"{condition.text} is {'true' if first else 'false'} there")
    return f"differentiates {term.text} its own way"


def _grad(text: str, **at: float) -> dict[str, float]:
    return {name: _scalar(grad) for name, grad in _explore(text, at).grad.items()}


def _explore(expression: str, at: Mapping[str, float]) -> Exploration:
    """PyTorch's own numbers, in float64 as sympy's are exact."""
    return explore(expression, at, dtype="float64")


def _scalar(value: Value | None) -> float:
    """A value at one point: every point here is a number, so no value has dimensions."""
    if isinstance(value, list) or value is None:
        raise TypeError(f"expected one number at a point, got {value!r}")
    return float(value)
