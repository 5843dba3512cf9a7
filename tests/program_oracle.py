"""CPython as the oracle for program mode: run a program as plain Python and read back what it did.

``Oracle`` keeps one CPython interpreter (a subprocess of the tests, never of the app) that runs program after
program, so torch is imported once for the whole session. Each program starts as program mode promises to
start it: ``torch.manual_seed(0)``, float32 as the default dtype, the CPU as the default device, grad mode on,
in a fresh ``__main__`` namespace. Its ``print`` output is captured, each notebook cell's last bare
expression is shown as a notebook shows it (``# %%`` lines start cells; a program without them is one cell),
an exception stops it the way it stops a notebook (everything before it stays), each ``backward`` and
``autograd.grad`` call the program makes is noted with its line, and when it ends every top-level name bound to
a tensor is read back as a ``TensorRecord``. ``differences`` compares that with what
``run_program`` reports and says, in words, everything that differs.

matplotlib is an optional (bench) dependency. Where it is installed the oracle draws with the non-GUI Agg
backend; where it is not, ``matplotlib`` and its ``pyplot``, ``pylab`` and ``ticker`` are stand-ins, in the
oracle's interpreter only, whose every function does nothing and returns None (the programs only plot and show).

The programs are ``sources()``: the files in ``tests/programs`` and the lab's programs as the app opens them.

>>> sorted(name for name in sources() if name.startswith("lab_"))[:2]
['lab_all_cells', 'lab_attributes']
"""

from __future__ import annotations

import difflib
import functools
import os
import re
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from json_lines import JsonLinesProcess, Stopped

from explorer.content.lab_cells import CELLS, LESSON_CELLS, lab_program

__all__ = ["PROGRAMS", "sources", "TensorRecord", "ErrorRecord", "OracleRun", "Oracle", "OracleError", "differences",
           "tensor_records", "without_addresses"]

PROGRAMS = Path(__file__).resolve().parent / "programs"
FILENAME = "<program>"  # the file name tracebacks give the program's own lines



@functools.cache
def sources() -> dict[str, str]:
    """Every program the oracle holds program mode to, by name: each file of ``tests/programs`` (by its file
    name), and the lab's code as the app opens it (``explorer.content.lab_cells``, checked against the lab's own
    text by ``test_lab_cells.py``): ``lab_<lesson>`` for each lesson with code of its own, ``lab_all_cells`` for
    every cell in the lab's order. The lab's cells are written once, in the app. Read once per session: callers
    only read it."""
    programs = {path.name: path.read_text(encoding="utf-8") for path in sorted(PROGRAMS.glob("*.py"))}
    lessons = {f"lab_{key}": lab_program(key) for key in LESSON_CELLS if not key.startswith("practice")}
    every_cell = "".join(f"# %%\n{cell}\n\n" for cell in CELLS.values()).rstrip("\n") + "\n"
    return {**programs, **lessons, "lab_all_cells": every_cell}


RTOL, ATOL = 1e-5, 1e-7  # float tolerance for data and grad; shapes, dtypes and flags must be equal

# An object printed without a repr of its own shows where it lives (`<PowBackward0 object at 0x7f...>`, as the
# lab's `print('grad_fn:', y.grad_fn)` does); no two processes agree on that, so stdout is compared without it.
_ADDRESS = re.compile(r" at 0x[0-9a-fA-F]+>")


@dataclass(frozen=True)
class TensorRecord:
    """A top-level tensor as the program left it, in the CLI's ``tensors`` format."""

    shape: tuple[int, ...]
    dtype: str  # "torch.float32"
    data: object  # nested lists, or a number for a 0-d tensor
    grad: object | None  # as data; None where PyTorch has no .grad
    requires_grad: bool
    is_leaf: bool
    grad_fn: str | None  # the class name, "PowBackward0", or None
    same_as: str | None = None  # the first name (in the order names were bound) bound to this very tensor


@dataclass(frozen=True)
class ErrorRecord:
    """The exception that stopped a program: the program's line it was raised on, its type and message."""

    line: int | None
    type: str
    message: str


@dataclass(frozen=True)
class OracleRun:
    """What CPython did with a program."""

    printed: str  # what print() wrote, as `python program.py` writes it
    shown: str  # printed, with each cell's last bare expression shown where a notebook shows it
    displays: tuple[tuple[int, str], ...]  # (line, repr) of each cell's last bare expression that is not None
    last: str | None  # the repr of the program's last statement, if it is a bare expression that is not None
    tensors: dict[str, TensorRecord]
    error: ErrorRecord | None
    warnings: tuple[tuple[int | None, str], ...]  # (the program's line or None, "UserWarning: message"), in order
    calls: tuple[tuple[int, str], ...] = ()  # (line, "backward" | "autograd.grad" | ...) of each call that returned


class OracleError(RuntimeError):
    """The oracle's interpreter died or ran past its time: the program, not the comparison, is at fault."""


# The oracle's interpreter. It reads one JSON line per program ({"source": ...}) and answers with one JSON line
# on a private copy of its stdout, so nothing a program prints (or a C library writes) can corrupt the answer.
# It is a string run with `python -c`, as the other CPython references in this suite are: it exists only here.
_DRIVER = r'''
import ast, builtins, contextlib, io, json, os, re, sys, traceback, types, warnings

answers = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)  # C-level writes to stdout land on stderr, away from the answers

try:
    import matplotlib
    matplotlib.use("Agg")
except ImportError:
    def _nothing(*args, **kwargs):
        return None

    def _stand_in(name):
        def attribute(attribute_name):
            if attribute_name.startswith("__"):
                raise AttributeError(attribute_name)
            return _nothing

        module = types.ModuleType(name)
        module.__getattr__ = attribute
        return module

    for _name in ("pyplot", "pylab", "ticker"):
        sys.modules["matplotlib." + _name] = _stand_in("matplotlib." + _name)
    sys.modules["matplotlib"] = _stand_in("matplotlib")
    for _name in ("pyplot", "pylab", "ticker"):
        setattr(sys.modules["matplotlib"], _name, sys.modules["matplotlib." + _name])

import torch

FILENAME = "<program>"
CELL = re.compile(r"^# ?%%")
CALLS = []  # (line, call) of each backward / autograd.grad call the program made itself, once it returned


def counted(call, fn):
    def counting(*args, **kwargs):
        caller = sys._getframe(1)
        result = fn(*args, **kwargs)
        if caller.f_code.co_filename == FILENAME:  # not PyTorch's own calls (Tensor.backward, jacobian, gradcheck)
            CALLS.append([caller.f_lineno, call])
        return result

    return counting


torch.Tensor.backward = counted("backward", torch.Tensor.backward)
torch.autograd.backward = counted("autograd.backward", torch.autograd.backward)
torch.autograd.grad = counted("autograd.grad", torch.autograd.grad)


class Both(io.TextIOBase):
    def __init__(self, *streams):
        self.streams = streams

    def write(self, text):
        for stream in self.streams:
            stream.write(text)
        return len(text)


def cells(source, body):
    starts = [number for number, line in enumerate(source.splitlines(), 1) if CELL.match(line)]
    groups = [[] for _ in range(len(starts) + 1)]
    for statement in body:
        groups[sum(1 for start in starts if start < statement.lineno)].append(statement)
    return [group for group in groups if group]


def error_of(exc):
    if isinstance(exc, SyntaxError) and exc.filename == FILENAME:
        line = exc.lineno
    else:
        lines = [frame.lineno for frame in traceback.extract_tb(exc.__traceback__) if frame.filename == FILENAME]
        line = lines[-1] if lines else None
    return {"line": line, "type": type(exc).__name__, "message": str(exc)}


def numbers(tensor):
    tensor = tensor.detach().cpu()
    if tensor.is_complex():
        tensor = torch.view_as_real(tensor)
    return tensor.tolist()


def record(tensor):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # .grad of a non-leaf warns; the record says None as PyTorch does
        grad = tensor.grad
    return {"shape": list(tensor.shape), "dtype": str(tensor.dtype), "data": numbers(tensor),
            "grad": None if grad is None else numbers(grad), "requires_grad": tensor.requires_grad,
            "is_leaf": tensor.is_leaf, "grad_fn": None if tensor.grad_fn is None else type(tensor.grad_fn).__name__}


def run(source):
    torch.manual_seed(0)
    torch.set_default_dtype(torch.float32)
    torch.set_default_device(None)
    torch.set_grad_enabled(True)
    namespace = {"__name__": "__main__", "__builtins__": builtins}
    CALLS.clear()
    printed, shown, displays, last, error = io.StringIO(), io.StringIO(), [], None, None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(Both(printed, shown)):
        warnings.simplefilter("always")
        try:
            tree = ast.parse(source, FILENAME)
            for cell in cells(source, tree.body):
                final = cell[-1] if isinstance(cell[-1], ast.Expr) else None
                body = cell[:-1] if final else cell
                if body:
                    exec(compile(ast.Module(body=body, type_ignores=[]), FILENAME, "exec"), namespace)
                if final:
                    value = eval(compile(ast.Expression(body=final.value), FILENAME, "eval"), namespace)
                    if value is not None:
                        shown.write(repr(value) + "\n")
                        displays.append([final.lineno, repr(value)])
                        last = repr(value) if final is tree.body[-1] else None
        except Exception as exc:
            error = error_of(exc)
    tensors, first = {}, {}
    for name, value in namespace.items():
        if not name.startswith("__") and isinstance(value, torch.Tensor):
            tensors[name] = record(value)
            tensors[name]["same_as"] = first.get(id(value))  # the namespace is alive: ids are not reused
            first.setdefault(id(value), name)
    return {"printed": printed.getvalue(), "shown": shown.getvalue(), "displays": displays, "last": last,
            "calls": list(CALLS),
            "tensors": tensors, "error": error,
            "warnings": [[w.lineno if w.filename == FILENAME else None, f"{w.category.__name__}: {w.message}"]
                         for w in caught]}


for line in sys.stdin:
    answers.write(json.dumps(run(json.loads(line)["source"])) + "\n")
    answers.flush()
'''


class Oracle:
    """One CPython interpreter that runs programs one after another; start it once per session.

    ``Oracle().run("import torch\\nprint(torch.ones(2))").printed == "tensor([1., 1.])\\n"``
    """

    def __init__(self, timeout: float = 120.0) -> None:
        self.timeout = timeout
        self._process = JsonLinesProcess(_DRIVER, cwd=tempfile.gettempdir(),
                                         env={**os.environ, "PYTHONHASHSEED": "0", "PYTHONIOENCODING": "utf-8"})

    def run(self, source: str) -> OracleRun:
        """Run ``source`` as plain Python and report what it did."""
        try:
            return _read(self._process.ask({"source": source}, self.timeout))
        except Stopped as stopped:
            raise OracleError(f"CPython stopped: {stopped}") from None

    def close(self) -> None:
        """Stop the interpreter; the next ``run`` starts a fresh one."""
        self._process.close()


def _read(answer: Mapping[str, object]) -> OracleRun:
    tensors = {name: TensorRecord(shape=tuple(fields["shape"]), dtype=fields["dtype"], data=fields["data"],
                                  grad=fields["grad"], requires_grad=fields["requires_grad"],
                                  is_leaf=fields["is_leaf"], grad_fn=fields["grad_fn"], same_as=fields["same_as"])
               for name, fields in answer["tensors"].items()}
    error = None if answer["error"] is None else ErrorRecord(**answer["error"])
    return OracleRun(printed=answer["printed"], shown=answer["shown"],
                     displays=tuple((line, text) for line, text in answer["displays"]), last=answer["last"],
                     tensors=tensors, error=error,
                     warnings=tuple((line, text) for line, text in answer["warnings"]),
                     calls=tuple((line, call) for line, call in answer["calls"]))


def _field(record: object, name: str) -> object:
    """A field of a record that is a mapping (the CLI's JSON) or an object with attributes (the API's)."""
    if isinstance(record, Mapping):
        return record.get(name)
    return getattr(record, name, None)


def _as_record(record: object) -> TensorRecord:
    shape = _field(record, "shape")
    return TensorRecord(shape=tuple(shape) if shape is not None else None, dtype=str(_field(record, "dtype")),
                        data=_field(record, "data"), grad=_field(record, "grad"),
                        requires_grad=_field(record, "requires_grad"), is_leaf=_field(record, "is_leaf"),
                        grad_fn=_field(record, "grad_fn"), same_as=_field(record, "same_as"))


def _numbers(value: object) -> object:
    """``value`` with the CLI's "nan", "inf" and "-inf" strings read back as floats."""
    if isinstance(value, list):
        return [_numbers(item) for item in value]
    return float(value) if value in ("nan", "inf", "-inf") else value


def _close(expected: object, actual: object) -> bool:
    expected, actual = _numbers(expected), _numbers(actual)
    try:
        left = np.asarray(expected, dtype=np.float64)
        right = np.asarray(actual, dtype=np.float64)
    except (TypeError, ValueError):
        return expected == actual
    return left.shape == right.shape and bool(np.allclose(left, right, rtol=RTOL, atol=ATOL, equal_nan=True))


def _tensor_differences(name: str, expected: TensorRecord, actual: TensorRecord) -> list[str]:
    found = []
    for field in ("shape", "dtype", "requires_grad", "is_leaf", "grad_fn", "same_as"):
        if getattr(expected, field) != getattr(actual, field):
            found.append(f"{name}.{field}: CPython {getattr(expected, field)!r}, program mode "
                         f"{getattr(actual, field)!r}")
    if not _close(expected.data, actual.data):
        found.append(f"{name}.data: CPython {_short(expected.data)}, program mode {_short(actual.data)}")
    if (expected.grad is None) != (actual.grad is None) or (
            expected.grad is not None and not _close(expected.grad, actual.grad)):
        found.append(f"{name}.grad: CPython {_short(expected.grad)}, program mode {_short(actual.grad)}")
    return found


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 200 else text[:200] + "..."


def _error_differences(expected: ErrorRecord | None, actual: object) -> list[str]:
    if expected is None and actual is None:
        return []
    if expected is None or actual is None:
        return [f"error: CPython {expected!r}, program mode {actual!r}"]
    got = ErrorRecord(line=_field(actual, "line"), type=_field(actual, "type"), message=_field(actual, "message"))
    return [] if got == expected else [f"error: CPython {expected!r}, program mode {got!r}"]


def differences(expected: OracleRun, actual: object) -> list[str]:
    """Everything in which program mode's run differs from CPython's, in words; empty when they agree.

    ``actual`` is what ``run_program`` returns or the object ``python -m explorer --program FILE --json``
    prints: its ``stdout`` must be what ``print`` wrote, its ``tensors`` the same names with the same records,
    its ``error`` the same line, type and message, and its ``shown`` (where it has one) the program's last bare
    expression as a notebook shows it.

    >>> run = OracleRun("4\\n", "4\\n", (), None, {}, None, ())
    >>> differences(run, {"stdout": "4\\n", "tensors": {}})
    []
    >>> differences(run, {"stdout": "4.0\\n", "tensors": {}})[0].splitlines()[0]
    'stdout differs (- CPython, + program mode):'
    >>> printed = OracleRun("<PowBackward0 object at 0x7f01>\\n", "", (), None, {}, None, ())
    >>> differences(printed, {"stdout": "<PowBackward0 object at 0x55aa>\\n", "tensors": {}})
    []
    """
    found = []
    want, got = without_addresses(expected.printed), without_addresses(_field(actual, "stdout"))
    if got != want:
        diff = difflib.unified_diff(want.splitlines(), got.splitlines(), "CPython", "program mode", lineterm="")
        found.append("stdout differs (- CPython, + program mode):\n" + "\n".join(list(diff)[2:]))
    if _has(actual, "shown") and without_addresses(_field(actual, "shown")) != without_addresses(expected.last):
        found.append(f"last expression shown: CPython {expected.last!r}, program mode {_field(actual, 'shown')!r}")
    records = tensor_records(_field(actual, "tensors"))
    if set(records) != set(expected.tensors):
        found.append(f"tensor names: CPython {sorted(expected.tensors)}, program mode {sorted(records)}")
    for name in sorted(set(records) & set(expected.tensors)):
        found.extend(_tensor_differences(name, expected.tensors[name], records[name]))
    found.extend(_error_differences(expected.error, _field(actual, "error")))
    return found


def tensor_records(tensors: object) -> dict[str, TensorRecord]:
    """Program mode's tensors by name: from the CLI's ``{name: {...}}`` or the API's rows with a ``name``."""
    if isinstance(tensors, Mapping):
        return {name: _as_record(record) for name, record in tensors.items()}
    return {_field(row, "name"): _as_record(row) for row in tensors}


def _has(record: object, name: str) -> bool:
    return name in record if isinstance(record, Mapping) else hasattr(record, name)


def without_addresses(text: str | None) -> str | None:
    """``text`` with each ``at 0x...>`` address masked, as stdout is compared.

    >>> without_addresses("<SumBackward0 object at 0x7f500e63ff40>")
    '<SumBackward0 object at 0x...>'
    """
    return None if text is None else _ADDRESS.sub(" at 0x...>", text)
