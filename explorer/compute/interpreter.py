"""Program mode's interpreter: a checked program's tree, walked node by node, calling real PyTorch.

``run_program`` checks a program (``explorer.language.program.check``), then
walks its tree here: every statement and expression is carried out by this
module, every call goes to an object the allow-list names
(``explorer.compute.program_api``), and the program's text is never handed to
``eval``, ``exec`` or ``compile``. What comes back is a ``ProgramRun`` of plain
values: what it printed, its tensors, a graph per backward call, its steps.
Beside it: ``program_functions`` (what a program defines: scopes, functions,
its Function and Module classes), ``program_record`` (what a run keeps as it
goes) and ``program_steps`` (live values turned into plain text and numbers).

>>> run = run_program("import torch\\nx = torch.tensor(2.0, requires_grad=True)\\ny = x ** 2\\ny.backward()\\n"
...                   "print(x.grad)")
>>> run.stdout
'tensor(4.)\\n'
>>> [node.name for node in run.graphs[0].graph.nodes]
['PowBackward0', 'AccumulateGrad']

NOTE [how a step is kept]
Every statement that runs is a step, but a loop of 2,000 iterations would make
the line-by-line view useless and slow. A loop keeps the steps of its first
``_FIRST`` and last ``_LAST`` iterations and stands one "skipped" step, with the
count, for the rest; the skipped iterations run without recording anything.
``_Iterations`` decides this for ``for`` and ``while`` alike. A ``for`` loop
knows its length up front, so it records only the iterations it keeps. A
``while`` loop learns which iteration was its last only when it ends: each
iteration after its first ones holds its steps aside (``_Held``) until the next
begins, and records no graph, since a graph recorded for every iteration is what
the loop must not pay for; so a while loop's last iteration shows its names and
values but draws no graph.

NOTE [an autograd Function a program defines]
``class SQ(torch.autograd.Function)`` is never run as a class body. The
interpreter builds a real subclass of ``torch.autograd.Function`` with the same
name, whose ``forward`` and ``backward`` call back into this interpreter with the
program's own bodies, so PyTorch's engine (``SQ.apply``, the ``SQBackward`` node,
``gradcheck``) treats it as it treats any Function.
"""

from __future__ import annotations

import ast
import operator
import sys
import time
import warnings
from collections import deque
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import torch

from explorer.compute.explore import available_devices
from explorer.compute.program_api import (
    Api,
    LimitExceeded,
    Namespace,
    bounded,
    check_broadcast,
    check_size,
    check_value,
    format_value,
    index_elements,
    matmul_elements,
    percent_format,
    power,
)
from explorer.compute.program_functions import MISSING, Frame, UserFunction, bind, function_class, module_class
from explorer.compute.program_record import Recorder
from explorer.compute.program_steps import (
    bound_names,
    captured,
    cell_ends,
    is_docstring,
    names_of,
    shown_text,
    value_of,
    written,
)
from explorer.errors import ExpressionError
from explorer.language.program import LIMITS, Limits, ProgramRefused, check, is_super_init
from explorer.model.program_run import ProgramError, ProgramRun, ProgramStep

__all__ = ["run_program", "ProgramRefused", "Limits"]

_FIRST = 2  # iterations of a loop whose steps are kept from the start
_LAST = 1  # ... and from the end
_RECURSION = 8_000  # Python frames the walk may use: each of a program's calls takes a dozen or so


def run_program(source: str, *, device: str = "cpu", dtype: str | None = None, limits: Limits = LIMITS) -> ProgramRun:
    """Run ``source`` under program mode's rules and return what it did.

    Raises ``ProgramRefused`` (before anything runs) for a program outside the
    language; an error while it runs is kept in ``ProgramRun.error``.
    """
    tree = check(source, limits)
    if device not in available_devices():
        raise ExpressionError(f"device {device!r} is not available here; choose {', '.join(available_devices())}")
    return _Interpreter(source, limits).run(tree, device, _dtype(dtype) if dtype is not None else None)


class _Signal:
    """How a block ended other than by running off its end: break, continue or return."""

    __slots__ = ("kind", "value")

    def __init__(self, kind: str, value: Any = None) -> None:
        self.kind = kind
        self.value = value


_BREAK = _Signal("break")
_CONTINUE = _Signal("continue")


_BINARY: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.MatMult: operator.matmul,
    ast.Div: operator.truediv, ast.FloorDiv: operator.floordiv, ast.Mod: operator.mod, ast.Pow: operator.pow,
    ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitOr: operator.or_, ast.BitXor: operator.xor,
    ast.BitAnd: operator.and_,
}
_IN_PLACE: dict[type, Callable[[Any, Any], Any]] = {
    ast.Add: operator.iadd, ast.Sub: operator.isub, ast.Mult: operator.imul, ast.MatMult: operator.imatmul,
    ast.Div: operator.itruediv, ast.FloorDiv: operator.ifloordiv, ast.Mod: operator.imod, ast.Pow: operator.ipow,
    ast.LShift: operator.ilshift, ast.RShift: operator.irshift, ast.BitOr: operator.ior,
    ast.BitXor: operator.ixor, ast.BitAnd: operator.iand,
}
_UNARY: dict[type, Callable[[Any], Any]] = {
    ast.UAdd: operator.pos, ast.USub: operator.neg, ast.Not: operator.not_, ast.Invert: operator.invert,
}
# an f-string field's conversion: none, !s, !r, !a
_CONVERSIONS: dict[int, Callable[[Any], Any]] = {-1: lambda v: v, 115: str, 114: repr, 97: ascii}
_COMPARE = {
    ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt, ast.LtE: operator.le, ast.Gt: operator.gt,
    ast.GtE: operator.ge, ast.Is: operator.is_, ast.IsNot: operator.is_not,
    ast.In: lambda a, b: a in b, ast.NotIn: lambda a, b: a not in b,
}
# each decorator a def may carry, as written, and the grad mode its calls run in
_GRAD_MODES: dict[str, Callable[[], Any]] = {
    **{form: torch.no_grad for form in ("torch.no_grad()", "no_grad()", "torch.no_grad")},
    **{form: torch.enable_grad for form in ("torch.enable_grad()", "enable_grad()", "torch.enable_grad")},
    **{form: torch.inference_mode for form in ("torch.inference_mode()", "torch.inference_mode")},
}
# the context managers a with block may use: PyTorch's grad modes and saved-tensor hooks
_CONTEXTS = (torch.no_grad, torch.enable_grad, torch.set_grad_enabled, torch.inference_mode,
             torch.autograd.graph.saved_tensors_hooks, torch.autograd.graph.save_on_cpu, torch.autograd.detect_anomaly,
             torch.autograd.set_detect_anomaly)


class _Interpreter:
    """One run of one program; ``run`` walks the tree, the ``_s_*`` and ``_e_*`` methods carry out its nodes."""

    def __init__(self, source: str, limits: Limits) -> None:
        self.source = source
        self.limits = limits
        self.record = Recorder(limits, lambda: (self.line, self.frame), self.recording_graphs)
        self.api = Api(self.record, limits, self.record.print_)
        self.globals = Frame(None, "")
        self.globals.names["__name__"] = "__main__"  # a script's main guard reads it
        self.frame = self.globals  # the scope of the statement running now
        self.line = 1
        self.steps_left = limits.steps
        self.deadline = time.monotonic() + limits.seconds
        self.depth = 0
        self.steps: list[ProgramStep] = []
        self.sink: list[ProgramStep] | None = self.steps  # where steps go now; None while not recording
        self.steps_skipped = 0
        self.shown: str | None = None
        self.last: ast.stmt | None = None  # the program's last top-level statement
        self.cell_ends: set[ast.stmt] = set()  # each notebook cell's last top-level statement
        self.outputs: list[tuple[int, str]] = []  # what each cell's last bare expression showed, by line
        self.handling: list[BaseException] = []  # the exceptions the except blocks now running handle
        # the exception unwinding, and the line and scope it came from
        self.failed: tuple[BaseException, int, str] | None = None
        self._statements = {cls: getattr(self, f"_s_{cls.__name__}") for cls in _statement_types()}
        self._expressions = {cls: getattr(self, f"_e_{cls.__name__}") for cls in _expression_types()}

    # -- the run

    def run(self, tree: ast.Module, device: str, dtype: torch.dtype | None) -> ProgramRun:
        error = None
        with _TorchState(device, dtype), warnings.catch_warnings():
            # every warning is kept, with its line, as a notebook shows it under the cell; none is raised or printed
            warnings.simplefilter("always")
            warnings.showwarning = self.record.warned
            recursion = sys.getrecursionlimit()
            sys.setrecursionlimit(max(recursion, _RECURSION))
            try:
                # a shared link shows everyone the same numbers: the CPU's generator, and the GPUs' where there are
                # some (torch.manual_seed would queue every device's seeding with a stack trace each)
                torch.default_generator.manual_seed(0)
                if torch.cuda.is_available():  # a program may pick the GPU itself (set_default_device, .to("cuda"))
                    torch.cuda.manual_seed_all(0)
                np.random.seed(0)  # numpy's too: a worker runs many programs, one after another
                self.last = tree.body[-1] if tree.body else None
                self.cell_ends = cell_ends(tree, self.source)
                self._block(tree.body, self.globals)
                if not isinstance(self.last, ast.Expr):
                    self.shown = None
            except LimitExceeded as err:
                line = self._raised_at(err)
                error = ProgramError(line, "LimitExceeded", f"line {line}: {err.message}")
            except RecursionError as err:
                line = self._raised_at(err)
                error = ProgramError(line, "LimitExceeded",
                                     f"line {line}: calls nest too deeply; at most {self.limits.depth}")
            except Exception as err:  # the program's own error, shown as a notebook shows it
                error = ProgramError(self._raised_at(err), type(err).__name__, str(err))
            finally:
                sys.setrecursionlimit(recursion)
            if error is not None:
                self.sink = self.steps
                scope = self.failed[2] if self.failed is not None and self.failed[1] == error.line else ""
                self.keep(ProgramStep(error.line, "error", stdout=self.record.printed, scope=scope))
            tensors = self.record.tensor_rows(self.globals)
        record = self.record
        return ProgramRun(
            source=self.source, stdout=record.out.getvalue(), tensors=tensors, graphs=tuple(record.graphs),
            steps=tuple(self.steps), plots=tuple(record.plots), error=error, shown=self.shown,
            forward=tuple(record.forward), warnings=tuple(record.warnings), outputs=tuple(self.outputs),
            graphs_skipped=record.graphs_skipped, steps_skipped=self.steps_skipped,
        )

    def _raised_at(self, err: BaseException) -> int:
        return self.failed[1] if self.failed is not None and self.failed[0] is err else self.line

    # -- statements

    def _block(self, body: list[ast.stmt], frame: Frame) -> _Signal | None:
        for statement in body:
            signal = self._statement(statement, frame)
            if signal is not None:
                return signal
        return None

    def _statement(self, node: ast.stmt, frame: Frame) -> _Signal | None:
        self.line = node.lineno
        self.steps_left -= 1
        if self.steps_left < 0:
            raise LimitExceeded(f"the program ran more than {self.limits.steps:,} steps")
        if not self.steps_left % 256 and time.monotonic() > self.deadline:  # the clock read now and then: cheap
            raise LimitExceeded(f"the program ran longer than {self.limits.seconds:g} seconds")
        try:
            signal = self._statements[node.__class__](node, frame)
        except BaseException as err:
            if self.failed is None or self.failed[0] is not err:
                self.failed = (err, node.lineno, frame.scope)  # the innermost line, as a traceback's last line
            raise
        record = self.record
        if self.sink is not None and not record.quiet and not isinstance(node, _COMPOUND) and not is_docstring(node):
            names = names_of(node)
            if isinstance(node, ast.Expr):  # plt.plot(...) and torch.manual_seed(1) change no name of the program's
                names = [name for name in names if not isinstance(value_of(name, frame), Namespace)]
            if self.sink.__class__ is _Held:  # a step that may never be shown: its values read now, written later
                self.sink.append(_HeldStep(node.lineno, captured(names, frame), frame.scope, self.shown,
                                           record.printed))
            else:
                self.keep(ProgramStep(node.lineno, "run", bound_names(names, frame), frame.scope, self.shown,
                                      record.printed, record.last_graph,
                                      forward=record.forward_graph(names, frame) if self.recording_graphs() else None))
        record.last_graph = None
        return signal

    def recording_graphs(self) -> bool:
        """Whether the statement running now records its graphs: its step is kept (and not held aside)."""
        return self.sink is not None and self.sink.__class__ is not _Held

    def keep(self, step: ProgramStep) -> None:
        if self.sink is None:
            return
        if len(self.steps) >= self.limits.recorded_steps and self.sink is self.steps:
            self.steps_skipped += 1
            return
        self.sink.append(step)

    def _s_Expr(self, node: ast.Expr, frame: Frame) -> None:
        value = self._e(node.value, frame)
        # a notebook shows a bare expression's value (a docstring is none); kept for the steps and the cell's end
        wanted = self.sink is not None or node is self.last or node in self.cell_ends
        self.shown = shown_text(value) if wanted and not is_docstring(node) else None
        if node in self.cell_ends and self.shown is not None and frame is self.globals:
            self.outputs.append((node.lineno, self.shown))

    def _s_Assign(self, node: ast.Assign, frame: Frame) -> None:
        value = self._expressions[node.value.__class__](node.value, frame)
        targets = node.targets
        if len(targets) == 1 and targets[0].__class__ is ast.Name:  # x = ...: the most common statement
            frame.names[targets[0].id] = value
        else:
            for target in targets:
                self._assign(target, value, frame)
        self.shown = None

    def _s_AnnAssign(self, node: ast.AnnAssign, frame: Frame) -> None:
        if node.value is not None:
            self._assign(node.target, self._e(node.value, frame), frame)
        self.shown = None

    def _s_AugAssign(self, node: ast.AugAssign, frame: Frame) -> None:
        self.shown = None
        op = _IN_PLACE[node.op.__class__]
        target = node.target
        if isinstance(target, ast.Name):
            frame.names[target.id] = self._operate(op, node.op, self._e_Name(target, frame),
                                                   self._e(node.value, frame))
        elif isinstance(target, ast.Subscript):
            owner, index = self._e(target.value, frame), self._index(target.slice, frame)
            operator.setitem(owner, index, self._operate(op, node.op, owner[index], self._e(node.value, frame)))
        else:
            owner = self._e(target.value, frame)
            new = self._operate(op, node.op, self.api.attribute(owner, target.attr), self._e(node.value, frame))
            self.api.set_attribute(owner, target.attr, new)

    def _s_Delete(self, node: ast.Delete, frame: Frame) -> None:
        self.shown = None
        for target in node.targets:
            if isinstance(target, ast.Name):
                if target.id not in frame.names:
                    raise NameError(f"name '{target.id}' is not defined")
                del frame.names[target.id]
            elif isinstance(target, ast.Subscript):
                operator.delitem(self._e(target.value, frame), self._index(target.slice, frame))
            else:
                raise ProgramRefused("program mode deletes names and items, not attributes", *_where(target))

    def _s_Pass(self, node: ast.Pass, frame: Frame) -> None:
        self.shown = None

    def _s_Break(self, node: ast.Break, frame: Frame) -> _Signal:
        return _BREAK

    def _s_Continue(self, node: ast.Continue, frame: Frame) -> _Signal:
        return _CONTINUE

    def _s_Return(self, node: ast.Return, frame: Frame) -> _Signal:
        return _Signal("return", self._e(node.value, frame) if node.value is not None else None)

    def _s_Assert(self, node: ast.Assert, frame: Frame) -> None:
        self.shown = None
        if not self._e(node.test, frame):
            raise AssertionError(self._e(node.msg, frame)) if node.msg is not None else AssertionError()

    def _s_Raise(self, node: ast.Raise, frame: Frame) -> None:
        if node.exc is None:
            if not self.handling:
                raise RuntimeError("No active exception to reraise")
            raise self.handling[-1]
        error = self._e(node.exc, frame)
        if isinstance(error, type) and issubclass(error, Exception):
            error = error()
        if not isinstance(error, Exception):
            raise TypeError("exceptions must derive from BaseException")
        raise error

    def _s_If(self, node: ast.If, frame: Frame) -> _Signal | None:
        self._keep_compound(node, frame)
        return self._block(node.body if self._e(node.test, frame) else node.orelse, frame)

    def _keep_compound(self, node: ast.stmt, frame: Frame, names: list[str] | None = None) -> None:
        """A step for the header line of an if, for, while, with or try, as it is reached (a for: each iteration)."""
        self.shown = None
        if self.sink is not None and not self.record.quiet:
            bound = bound_names(names, frame) if names else ()
            self.keep(ProgramStep(node.lineno, "run", bound, frame.scope, None, self.record.printed))

    def _s_For(self, node: ast.For, frame: Frame) -> _Signal | None:
        self.shown = None
        items = self._e(node.iter, frame)
        if not isinstance(items, torch.Tensor | np.ndarray | range | list | tuple | str | dict):
            items = bounded(items, self.limits)
        if isinstance(items, torch.Tensor | np.ndarray) and items.ndim == 0:
            iter(items)  # raises PyTorch's (or numpy's) own "iteration over a 0-d" error
        count = len(items)
        if count > self.limits.iterations:
            raise LimitExceeded(f"a loop of {count:,} iterations; a loop runs at most {self.limits.iterations:,}")
        iterations = _Iterations(self, node, frame, count)
        try:
            for item in items:
                iterations.begin()
                self._assign(node.target, item, frame)
                # the header, as each iteration begins
                self._keep_compound(node, frame, names_of(node) if self.sink is not None else None)
                signal = self._block(node.body, frame)
                if signal is _BREAK:
                    break
                if signal is not None and signal is not _CONTINUE:
                    return signal
            else:
                iterations.end()
                return self._block(node.orelse, frame)
        finally:
            iterations.end()
        return None

    def skipped(self, node: ast.stmt, frame: Frame, count: int) -> None:
        if self.sink is not None:
            self.keep(ProgramStep(node.lineno, "skipped", (), frame.scope, None, self.record.printed, skipped=count))

    def _s_While(self, node: ast.While, frame: Frame) -> _Signal | None:
        self._keep_compound(node, frame)
        iterations = _Iterations(self, node, frame, None)
        try:
            while self._e(node.test, frame):
                if iterations.begun >= self.limits.iterations:
                    raise LimitExceeded(f"a while loop ran more than {self.limits.iterations:,} iterations")
                iterations.begin()
                signal = self._block(node.body, frame)
                if signal is _BREAK:
                    break
                if signal is not None and signal is not _CONTINUE:
                    return signal
            else:
                iterations.end()
                return self._block(node.orelse, frame)
        finally:
            iterations.end()
        return None

    def _s_With(self, node: ast.With, frame: Frame) -> _Signal | None:
        self._keep_compound(node, frame)
        return self._with(node.items, node.body, frame)

    def _with(self, items: list[ast.withitem], body: list[ast.stmt], frame: Frame) -> _Signal | None:
        if not items:
            return self._block(body, frame)
        manager = self._e(items[0].context_expr, frame)
        if not isinstance(manager, _CONTEXTS):
            raise TypeError(f"program mode's with blocks take torch.no_grad(), torch.enable_grad(), "
                            f"torch.set_grad_enabled(...) or saved_tensors_hooks(...), not {type(manager).__name__}")
        with manager as value:  # a PyTorch context manager, checked just above
            if items[0].optional_vars is not None:
                self._assign(items[0].optional_vars, value, frame)
            return self._with(items[1:], body, frame)

    def _s_Try(self, node: ast.Try, frame: Frame) -> _Signal | None:
        self._keep_compound(node, frame)
        try:
            signal = self._block(node.body, frame)
        except Exception as err:  # LimitExceeded is no Exception: a program cannot catch a bound
            handler = self._handler(node.handlers, err, frame)
            if handler is None:
                raise
            self.handling.append(err)
            try:
                if handler.name:
                    frame.names[handler.name] = err
                signal = self._block(handler.body, frame)
            finally:
                self.handling.pop()
        else:
            if signal is None:
                signal = self._block(node.orelse, frame)
        finally:
            if node.finalbody:
                final = self._block(node.finalbody, frame)
                if final is not None:
                    return final  # noqa: B012  as Python does: the finally block's return wins
        return signal

    def _handler(self, handlers: list[ast.ExceptHandler], err: Exception, frame: Frame) -> ast.ExceptHandler | None:
        for handler in handlers:
            if handler.type is None:
                return handler
            kinds = self._e(handler.type, frame)
            kinds = kinds if isinstance(kinds, tuple) else (kinds,)
            if any(isinstance(kind, type) and issubclass(kind, Exception) and isinstance(err, kind) for kind in kinds):
                return handler
        return None

    def _s_FunctionDef(self, node: ast.FunctionDef, frame: Frame) -> None:
        self.shown = None
        modes = [_GRAD_MODES[ast.unparse(d)] for d in node.decorator_list]
        frame.names[node.name] = self._function(node, frame, modes[0] if modes else None)

    def _function(self, node: ast.FunctionDef | ast.Lambda, frame: Frame,
                  grad_mode: Callable[[], Any] | None) -> UserFunction:
        defaults = [self._e(d, frame) for d in node.args.defaults]
        kw_defaults = [self._e(d, frame) if d is not None else MISSING for d in node.args.kw_defaults]
        return UserFunction(self, node, frame, defaults, kw_defaults, grad_mode)

    def _s_ClassDef(self, node: ast.ClassDef, frame: Frame) -> None:
        self.shown = None
        base = self._e(node.bases[0], frame)
        methods = {item.name: self._function(item, frame, None) for item in node.body
                   if isinstance(item, ast.FunctionDef)}
        if base is torch.autograd.Function:
            frame.names[node.name] = function_class(node.name, methods)
        elif base is torch.nn.Module:
            cls = module_class(node.name, methods)
            self.api.module_names[cls] = {name for name in methods if not name.startswith("_")}
            frame.names[node.name] = cls
        else:
            raise TypeError(f"class {node.name} must derive from torch.autograd.Function or torch.nn.Module")

    def _s_Import(self, node: ast.Import, frame: Frame) -> None:
        self.shown = None
        for alias in node.names:
            if alias.asname:
                frame.names[alias.asname] = self.api.namespaces[alias.name]
            else:
                head = alias.name.partition(".")[0]
                frame.names[head] = self.api.namespaces[head]

    def _s_ImportFrom(self, node: ast.ImportFrom, frame: Frame) -> None:
        self.shown = None
        if node.module == "__future__":
            return
        namespace = self.api.namespaces[node.module or ""]  # the check refused relative imports
        for alias in node.names:
            frame.names[alias.asname or alias.name] = namespace.members[alias.name]

    # -- names and assignment

    def _lookup(self, name: str, frame: Frame, node: ast.AST) -> Any:
        scope: Frame | None = frame
        while scope is not None:
            if name in scope.names:
                return scope.names[name]
            if name in scope.local:
                raise UnboundLocalError(f"cannot access local variable '{name}' where it is not associated "
                                        "with a value")
            scope = scope.parent
        if name in self.api.builtins:
            return self.api.builtins[name]
        raise NameError(f"name '{name}' is not defined")

    def _assign(self, target: ast.expr, value: Any, frame: Frame) -> None:
        if target.__class__ is ast.Name:
            frame.names[target.id] = value
        elif target.__class__ is ast.Attribute:
            self.api.set_attribute(self._e(target.value, frame), target.attr, value)
        elif isinstance(target, ast.Tuple | ast.List):
            self._unpack(target.elts, value, frame)
        elif isinstance(target, ast.Subscript):
            operator.setitem(self._e(target.value, frame), self._index(target.slice, frame), value)
        elif isinstance(target, ast.Starred):
            self._assign(target.value, value, frame)
        else:
            raise ProgramRefused("program mode assigns to names, items and attributes", *_where(target))

    def _unpack(self, targets: list[ast.expr], value: Any, frame: Frame) -> None:
        items = list(bounded(value, self.limits))
        starred = [i for i, t in enumerate(targets) if isinstance(t, ast.Starred)]
        if not starred:
            if len(items) != len(targets):
                if len(items) > len(targets):
                    raise ValueError(f"too many values to unpack (expected {len(targets)})")
                raise ValueError(f"not enough values to unpack (expected {len(targets)}, got {len(items)})")
            for target, item in zip(targets, items, strict=True):
                self._assign(target, item, frame)
            return
        s = starred[0]
        after = len(targets) - s - 1
        if len(items) < len(targets) - 1:
            raise ValueError(f"not enough values to unpack (expected at least {len(targets) - 1}, got {len(items)})")
        for target, item in zip(targets[:s], items[:s], strict=True):
            self._assign(target, item, frame)
        self._assign(targets[s], items[s:len(items) - after], frame)
        for target, item in zip(targets[s + 1:], items[len(items) - after:], strict=True):
            self._assign(target, item, frame)

    # -- expressions

    def _e(self, node: ast.expr, frame: Frame) -> Any:
        return self._expressions[node.__class__](node, frame)

    def _e_Constant(self, node: ast.Constant, frame: Frame) -> Any:
        return node.value

    def _e_Name(self, node: ast.Name, frame: Frame) -> Any:
        names = frame.names
        name = node.id
        if name in names:  # the innermost scope: the common case, without a call
            return names[name]
        return self._lookup(name, frame, node)

    def _e_Attribute(self, node: ast.Attribute, frame: Frame) -> Any:
        value = node.value
        return self.api.attribute(self._expressions[value.__class__](value, frame), node.attr)

    def _e_Subscript(self, node: ast.Subscript, frame: Frame) -> Any:
        value, index = self._e(node.value, frame), self._index(node.slice, frame)
        if isinstance(value, torch.Tensor):
            check_size("indexing", lambda a, k: index_elements(value, index), (), {}, self.limits)
        return check_value(value[index], self.limits)

    def _index(self, node: ast.expr, frame: Frame) -> Any:
        if isinstance(node, ast.Tuple):
            return tuple(self._index(elt, frame) for elt in node.elts)
        return self._e(node, frame)

    def _e_Slice(self, node: ast.Slice, frame: Frame) -> slice:
        return slice(*(self._e(part, frame) if part is not None else None for part in (node.lower, node.upper,
                                                                                         node.step)))

    def _e_BinOp(self, node: ast.BinOp, frame: Frame) -> Any:
        expressions = self._expressions
        left, right = node.left, node.right
        left, right = expressions[left.__class__](left, frame), expressions[right.__class__](right, frame)
        left_class, right_class = left.__class__, right.__class__
        if (left_class is torch.Tensor and right_class in _NUMBERS) or (
                right_class is torch.Tensor and left_class in _NUMBERS):
            kind = node.op.__class__  # as in _operate's quick path, without the call: the commonest expression
            if left_class is right_class:
                if kind is ast.MatMult:
                    check_size("@", matmul_elements, (left, right), {}, self.limits)
                elif left.dim() and right.dim() and left.shape != right.shape:
                    check_broadcast((left, right), self.limits)
            return check_value(_BINARY[kind](left, right), self.limits)
        return self._operate(_BINARY[node.op.__class__], node.op, left, right)

    def _operate(self, fn: Callable[[Any, Any], Any], op: ast.operator, left: Any, right: Any) -> Any:
        kind = op.__class__
        left_class, right_class = left.__class__, right.__class__
        if (left_class is torch.Tensor and right_class in _NUMBERS) or (
                right_class is torch.Tensor and left_class in _NUMBERS):
            # a tensor beside a tensor or a number (the common case): nothing is repeated, no integer power grows;
            # only the sizes count
            if left_class is right_class:
                if kind is ast.MatMult:
                    check_size("@", matmul_elements, (left, right), {}, self.limits)
                elif left.dim() and right.dim() and left.shape != right.shape:  # a 0-d tensor broadcasts to the other
                    check_broadcast((left, right), self.limits)
            return check_value(fn(left, right), self.limits)
        if kind is ast.Mult:
            _check_repeat(left, right, self.limits)
        elif kind is ast.Pow or kind is ast.LShift:
            if kind is ast.Pow and type(left) is int:
                return check_value(power(left, right, self.limits), self.limits)
            if kind is ast.LShift and type(left) is int and type(right) is int and right > self.limits.int_bits:
                raise LimitExceeded(f"{left} << {right} has more digits than a program may hold")
        elif kind is ast.Mod and isinstance(left, str):
            return percent_format(left, right, self.limits)
        if isinstance(left, torch.Tensor | np.ndarray) and isinstance(right, torch.Tensor | np.ndarray):
            if kind is ast.MatMult:
                check_size("@", matmul_elements, (left, right), {}, self.limits)
            elif left.shape != right.shape:
                check_broadcast((left, right), self.limits)
        return check_value(fn(left, right), self.limits)

    def _e_UnaryOp(self, node: ast.UnaryOp, frame: Frame) -> Any:
        return _UNARY[node.op.__class__](self._e(node.operand, frame))

    def _e_BoolOp(self, node: ast.BoolOp, frame: Frame) -> Any:
        is_and = isinstance(node.op, ast.And)
        for operand in node.values[:-1]:
            value = self._e(operand, frame)
            if (not value) if is_and else value:
                return value
        return self._e(node.values[-1], frame)  # the last operand is the value, never tested, as in Python

    def _e_Compare(self, node: ast.Compare, frame: Frame) -> Any:
        left = self._e(node.left, frame)
        if len(node.ops) == 1:
            return _COMPARE[node.ops[0].__class__](left, self._e(node.comparators[0], frame))
        result: Any = True
        for op, comparator in zip(node.ops, node.comparators, strict=True):
            right = self._e(comparator, frame)
            result = _COMPARE[op.__class__](left, right)
            if len(node.ops) > 1 and not result:
                return result
            left = right
        return result

    def _e_IfExp(self, node: ast.IfExp, frame: Frame) -> Any:
        return self._e(node.body if self._e(node.test, frame) else node.orelse, frame)

    def _e_NamedExpr(self, node: ast.NamedExpr, frame: Frame) -> Any:
        value = self._e(node.value, frame)
        frame.names[node.target.id] = value
        return value

    def _items(self, elts: list[ast.expr], frame: Frame) -> list:
        found: list = []
        expressions = self._expressions
        for elt in elts:
            if elt.__class__ is ast.Starred:
                found.extend(bounded(self._e(elt.value, frame), self.limits))
            else:
                found.append(expressions[elt.__class__](elt, frame))
        return check_value(found, self.limits)

    def _e_List(self, node: ast.List, frame: Frame) -> list:
        return self._items(node.elts, frame)

    def _e_Tuple(self, node: ast.Tuple, frame: Frame) -> tuple:
        return tuple(self._items(node.elts, frame))

    def _e_Set(self, node: ast.Set, frame: Frame) -> set:
        return set(self._items(node.elts, frame))

    def _e_Dict(self, node: ast.Dict, frame: Frame) -> dict:
        found: dict = {}
        for key, value in zip(node.keys, node.values, strict=True):
            if key is None:
                found.update(self._e(value, frame))
            else:
                found[self._e(key, frame)] = self._e(value, frame)
        return check_value(found, self.limits)

    def _e_JoinedStr(self, node: ast.JoinedStr, frame: Frame) -> str:
        return check_value("".join(str(self._e(part, frame)) for part in node.values), self.limits)

    def _e_FormattedValue(self, node: ast.FormattedValue, frame: Frame) -> str:
        value = self._e(node.value, frame)
        value = _CONVERSIONS[node.conversion](value)
        spec = self._e(node.format_spec, frame) if node.format_spec is not None else ""
        return format_value(value, spec, self.limits)

    def _e_Lambda(self, node: ast.Lambda, frame: Frame) -> UserFunction:
        return self._function(node, frame, None)

    def _e_Starred(self, node: ast.Starred, frame: Frame) -> Any:
        raise ProgramRefused("a starred expression belongs in a call, a list or an assignment", *_where(node))

    # -- comprehensions: their own scope, as in Python 3; a generator expression is built as a list

    def _comprehension(self, node: ast.ListComp | ast.SetComp | ast.GeneratorExp | ast.DictComp,
                       frame: Frame, add: Callable[[Frame], None]) -> None:
        inner = Frame(frame, frame.scope)
        count = [0]
        recording = self.sink

        def loop(level: int) -> None:
            generator = node.generators[level]
            source = self._e(generator.iter, inner if level else frame)
            items = bounded(source, self.limits) if not isinstance(source, range) else source
            total = len(items) if level == 0 and hasattr(items, "__len__") else 0
            for i, item in enumerate(items):
                count[0] += 1
                self.steps_left -= 1
                if count[0] > self.limits.items or self.steps_left < 0:
                    raise LimitExceeded(f"a comprehension of more than {self.limits.items:,} items")
                if level == 0 and recording is not None:  # the steps of calls it makes: as a loop keeps them
                    self.sink = recording if i < _FIRST or i >= total - _LAST else None
                self._assign(generator.target, item, inner)
                if all(self._e(test, inner) for test in generator.ifs):
                    if level + 1 < len(node.generators):
                        loop(level + 1)
                    else:
                        add(inner)

        try:
            loop(0)
        finally:
            self.sink = recording

    def _e_ListComp(self, node: ast.ListComp, frame: Frame) -> list:
        found: list = []
        self._comprehension(node, frame, lambda inner: found.append(self._e(node.elt, inner)))
        return found

    def _e_GeneratorExp(self, node: ast.GeneratorExp, frame: Frame) -> Iterator:
        return iter(self._e_ListComp(node, frame))  # type: ignore[arg-type]

    def _e_SetComp(self, node: ast.SetComp, frame: Frame) -> set:
        found: set = set()
        self._comprehension(node, frame, lambda inner: found.add(self._e(node.elt, inner)))
        return found

    def _e_DictComp(self, node: ast.DictComp, frame: Frame) -> dict:
        found: dict = {}

        def add(inner: Frame) -> None:
            found[self._e(node.key, inner)] = self._e(node.value, inner)

        self._comprehension(node, frame, add)
        return found

    # -- calls

    def _e_Call(self, node: ast.Call, frame: Frame) -> Any:
        if node.func.__class__ is ast.Attribute and node.func.attr == "__init__" and is_super_init(node):
            return None  # nn.Module.__init__ already ran: the class program mode builds calls it first
        fn = self._expressions[node.func.__class__](node.func, frame)
        args = self._items(node.args, frame) if node.args else []
        kwargs: dict[str, Any] = {}
        for keyword in node.keywords:
            if keyword.arg is None:
                kwargs.update(self._e(keyword.value, frame))
            else:
                kwargs[keyword.arg] = self._e(keyword.value, frame)
        if isinstance(fn, UserFunction):
            return self.call_function(fn, tuple(args), kwargs)
        if isinstance(fn, Namespace):
            raise TypeError(f"'module' object is not callable: {fn.path}")
        if id(fn) in self.api.consuming and len(args) == 1 and not isinstance(args[0], int | float | torch.Tensor):
            args = [bounded(args[0], self.limits)]  # list(range(10**9)) is refused before Python builds it
        sized = self.api.sized.get(id(fn))
        if sized is not None:
            check_size(*sized, tuple(args), kwargs, self.limits)
        if args:
            owner = getattr(fn, "__self__", None)  # a tensor method broadcasts its tensor with its arguments
            if isinstance(owner, torch.Tensor):
                check_broadcast((owner, *args), self.limits)
            elif len(args) > 1:
                check_broadcast(args, self.limits)
        line = self.line
        result = fn(*args, **kwargs)
        self.line = line  # a call into the program's own code (a hook, a Function) moved it
        return check_value(result, self.limits)

    def call_function(self, fn: UserFunction, args: tuple, kwargs: dict) -> Any:
        """Call a program's def or lambda: bind its arguments, run its body in a new scope."""
        self.depth += 1
        line, caller = self.line, self.frame
        try:
            if self.depth > self.limits.depth:
                raise LimitExceeded(f"calls nest more than {self.limits.depth} deep (recursion without an end?)")
            self.steps_left -= 1
            if self.steps_left < 0:
                raise LimitExceeded(f"the program ran more than {self.limits.steps:,} steps")
            frame = Frame(fn.frame, fn.name if fn.frame is self.globals or not fn.frame.scope
                           else f"{fn.frame.scope}.{fn.name}", fn.local)
            frame.names.update(bind(fn, args, kwargs))
            self.frame = frame
            if fn.grad_mode is None:
                return self._body(fn, frame)
            with fn.grad_mode():
                return self._body(fn, frame)
        finally:
            self.depth -= 1
            self.line, self.frame = line, caller

    def _body(self, fn: UserFunction, frame: Frame) -> Any:
        if isinstance(fn.node, ast.Lambda):
            return self._e(fn.node.body, frame)
        signal = self._block(fn.node.body, frame)
        return signal.value if signal is not None and signal.kind == "return" else None


# -- helpers -------------------------------------------------------------------------------------------------


class _Held(list):
    """A while loop's latest iteration's steps, held aside until the loop shows whether it was the last one.

    An iteration held aside records no graph (``_Interpreter.recording_graphs``): whether its steps are kept is
    known only once the loop ends, and recording a graph for every iteration is what the loop must not do. Its
    statements' steps are ``_HeldStep``: what their summaries need is read as they run, the text written only for
    the iteration kept.
    """


class _HeldStep:
    """A statement's step in an iteration held aside: ``ProgramStep`` once ``step`` writes its summaries."""

    __slots__ = ("line", "bound", "scope", "shown", "stdout")

    def __init__(self, line: int, bound: tuple, scope: str, shown: str | None, stdout: int) -> None:
        self.line, self.bound, self.scope, self.shown, self.stdout = line, bound, scope, shown, stdout

    def step(self) -> ProgramStep:
        return ProgramStep(self.line, "run", written(self.bound), self.scope, self.shown, self.stdout)


class _Iterations:
    """Where the steps of each iteration of one loop go (NOTE [how a step is kept]): the same for a for and a while.

    ``count`` is the for loop's length; a while loop's (None) is known only at its end, so its iterations after
    the first ``_FIRST`` are held aside, the latest ``_LAST`` of them kept once it ends.
    """

    def __init__(self, run: _Interpreter, node: ast.For | ast.While, frame: Frame, count: int | None) -> None:
        self.run, self.node, self.frame, self.count = run, node, frame, count
        self.recording = run.sink  # where the loop's own steps go; None inside an iteration left out
        self.begun = 0
        self.skipped = 0  # iterations left out and not yet stood for by a "skipped" step
        self.held: deque[_Held] = deque()

    def begin(self) -> None:
        """An iteration begins: its steps are kept, left out, or (a while loop's) held aside."""
        i, self.begun = self.begun, self.begun + 1
        run, count = self.run, self.count
        if self.recording is None:
            return
        if i < _FIRST or count is not None and i >= count - _LAST:
            run.sink = self.recording
            self._keep_skipped()
        elif count is not None:
            run.sink = None
            self.skipped += 1
        else:
            if len(self.held) == _LAST:
                self.held.popleft()
                self.skipped += 1
            run.sink = _Held()
            self.held.append(run.sink)

    def end(self) -> None:
        """The loop is over, or left by break, return or an error: the skipped iterations' step, then the held ones."""
        run = self.run
        run.sink = self.recording
        self._keep_skipped()
        while self.held:
            for step in self.held.popleft():
                run.keep(step.step() if step.__class__ is _HeldStep else step)

    def _keep_skipped(self) -> None:
        if self.skipped:
            self.run.skipped(self.node, self.frame, self.skipped)
            self.skipped = 0



_COMPOUND = (ast.If, ast.For, ast.While, ast.With, ast.Try)
_NUMBERS = frozenset({torch.Tensor, float, int, bool})  # the operands of an operation's quick path (_operate)


def _statement_types() -> list[type]:
    return [ast.Expr, ast.Assign, ast.AnnAssign, ast.AugAssign, ast.Delete, ast.Pass, ast.Break, ast.Continue,
            ast.Return, ast.Assert, ast.Raise, ast.If, ast.For, ast.While, ast.With, ast.Try, ast.FunctionDef,
            ast.ClassDef, ast.Import, ast.ImportFrom]


def _expression_types() -> list[type]:
    return [ast.Constant, ast.Name, ast.Attribute, ast.Subscript, ast.Slice, ast.BinOp, ast.UnaryOp, ast.BoolOp,
            ast.Compare, ast.IfExp, ast.NamedExpr, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.JoinedStr,
            ast.FormattedValue, ast.Lambda, ast.Starred, ast.ListComp, ast.GeneratorExp, ast.SetComp,
            ast.DictComp, ast.Call]


def _where(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1


def _check_repeat(left: Any, right: Any, limits: Limits) -> None:
    """Refuse ``"ab" * 10**9`` and ``[0] * 10**9`` before Python builds them."""
    for seq, n in ((left, right), (right, left)):
        if isinstance(seq, str | list | tuple) and not isinstance(n, str | list | tuple):
            try:
                times = operator.index(n)  # an int, or what Python repeats by as one: a one-element integer tensor
            except TypeError:
                continue
            if len(seq) * times > limits.items * 10:
                raise LimitExceeded(f"repeating {len(seq):,} items {times:,} times makes more than a program may hold")


class _TorchState:
    """PyTorch's global settings a program may change, put back as they were when it ends."""

    def __init__(self, device: str, dtype: torch.dtype | None) -> None:
        self.device = torch.device(device)
        self.dtype = dtype

    def __enter__(self) -> None:
        self.grad = torch.is_grad_enabled()
        self.anomaly = torch.is_anomaly_enabled()
        self.default_dtype = torch.get_default_dtype()
        # the generators too: a run seeds them for its own numbers, and the process's go on as they were
        self.default_device = torch.get_default_device()
        self.seed, self.random = torch.initial_seed(), torch.get_rng_state()
        self.numpy_random = np.random.get_state()
        self.cuda_random = torch.cuda.get_rng_state_all() if torch.cuda.is_available() else None
        if self.dtype is not None:
            torch.set_default_dtype(self.dtype)
        # the run's device is the default device, which a program's own torch.set_default_device may replace
        torch.set_default_device(self.device if self.device.type != "cpu" else None)

    def __exit__(self, *exc: object) -> None:
        torch.set_grad_enabled(self.grad)
        torch.set_anomaly_enabled(self.anomaly)
        torch.set_default_dtype(self.default_dtype)
        # the CPU is the default without any device mode: setting it would leave a mode that every call then meets
        torch.set_default_device(None if self.default_device.type == "cpu" else self.default_device)
        torch.default_generator.manual_seed(self.seed)  # the initial seed, then the state the generator had reached
        torch.set_rng_state(self.random)
        np.random.set_state(self.numpy_random)
        if self.cuda_random is not None:
            torch.cuda.set_rng_state_all(self.cuda_random)


def _dtype(name: str) -> torch.dtype:
    dtypes = {"float32": torch.float32, "float64": torch.float64, "float16": torch.float16,
              "bfloat16": torch.bfloat16}
    if name.removeprefix("torch.") not in dtypes:
        raise ExpressionError(f"program mode runs in {', '.join(dtypes)}, not {name}")
    return dtypes[name.removeprefix("torch.")]
