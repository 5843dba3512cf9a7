"""A program's own definitions as PyTorch sees them: scopes, functions, and the classes built from class bodies.

``explorer.compute.interpreter`` walks a program; what it defines lives here.
A def or lambda becomes a ``UserFunction``, a Python callable that PyTorch can
call too (a hook, ``jacobian``, ``gradcheck``). A ``class Name(torch.autograd.Function)``
becomes a real Function subclass (``function_class``) and a ``class Name(nn.Module)``
a real Module subclass (``module_class``), whose methods call back into the
interpreter with the program's own bodies: no class body is ever run as text.
"""

from __future__ import annotations

import ast
from collections.abc import Callable
from typing import Any, Protocol

import torch

from .program_api import Ctx

__all__ = ["Frame", "UserFunction", "Caller", "MISSING", "local_names", "bind", "function_class", "module_class"]


class Caller(Protocol):
    """The interpreter, as a program's function calls it."""

    def call_function(self, fn: UserFunction, args: tuple, kwargs: dict) -> Any: ...


class Frame:
    """A scope: the names one call (or the top level, or a comprehension) binds, and the scope it sits in."""

    __slots__ = ("names", "parent", "scope", "local")

    def __init__(self, parent: Frame | None, scope: str, local: frozenset[str] = frozenset()) -> None:
        self.names: dict[str, Any] = {}
        self.parent = parent
        self.scope = scope
        self.local = local  # the names a def's body assigns: read before assigned, they are unbound, not global


class UserFunction:
    """A def or lambda of the program: called by the program, or by PyTorch (hooks, jacobian, gradcheck)."""

    def __init__(self, interpreter: Caller, node: ast.FunctionDef | ast.Lambda, frame: Frame,
                 defaults: list, kw_defaults: list, grad_mode: Callable[[], Any] | None = None) -> None:
        self.interpreter = interpreter
        self.node = node
        self.name = node.name if isinstance(node, ast.FunctionDef) else "<lambda>"
        self.frame = frame
        self.defaults = defaults
        self.kw_defaults = kw_defaults
        self.grad_mode = grad_mode
        self.local = local_names(node)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.interpreter.call_function(self, args, kwargs)

    def __repr__(self) -> str:
        return f"<function {self.name} at 0x{id(self):x}>"


MISSING = object()


def local_names(node: ast.FunctionDef | ast.Lambda) -> frozenset[str]:
    """The names a def's body binds (not inside nested defs, lambdas or comprehensions), as Python decides them."""
    if isinstance(node, ast.Lambda):
        return frozenset()
    found: set[str] = set()
    stack: list[ast.AST] = list(node.body)
    while stack:
        item = stack.pop()
        if isinstance(item, ast.FunctionDef | ast.ClassDef):
            found.add(item.name)
            continue
        if isinstance(item, ast.Lambda | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
            continue
        if isinstance(item, ast.Name) and isinstance(item.ctx, ast.Store | ast.Del):
            found.add(item.id)
        elif isinstance(item, ast.ExceptHandler) and item.name:
            found.add(item.name)
        elif isinstance(item, ast.Import | ast.ImportFrom):
            found.update(a.asname or a.name.partition(".")[0] for a in item.names)
        stack.extend(ast.iter_child_nodes(item))
    return frozenset(found)


def bind(fn: UserFunction, args: tuple, kwargs: dict) -> dict[str, Any]:
    """The call's arguments bound to the def's parameters, as Python binds them."""
    spec = fn.node.args
    positional = [a.arg for a in spec.posonlyargs + spec.args]
    bound: dict[str, Any] = {}
    if len(args) > len(positional) and spec.vararg is None:
        raise TypeError(f"{fn.name}() takes {len(positional)} positional arguments but {len(args)} were given")
    bound.update(zip(positional, args, strict=False))
    if spec.vararg is not None:
        bound[spec.vararg.arg] = tuple(args[len(positional):])
    extra = {}
    names = set(positional) | {a.arg for a in spec.kwonlyargs}
    for name, value in kwargs.items():
        if name in bound and name in positional:
            raise TypeError(f"{fn.name}() got multiple values for argument '{name}'")
        if name in names:
            bound[name] = value
        elif spec.kwarg is not None:
            extra[name] = value
        else:
            raise TypeError(f"{fn.name}() got an unexpected keyword argument '{name}'")
    defaults = dict(zip(positional[len(positional) - len(fn.defaults):], fn.defaults, strict=True))
    defaults.update({a.arg: d for a, d in zip(spec.kwonlyargs, fn.kw_defaults, strict=True) if d is not MISSING})
    missing = [name for name in [*positional, *(a.arg for a in spec.kwonlyargs)]
               if name not in bound and name not in defaults]
    if missing:
        raise TypeError(f"{fn.name}() missing {len(missing)} required argument{'s' * (len(missing) > 1)}: "
                        + ", ".join(f"'{m}'" for m in missing))
    for name, value in defaults.items():
        bound.setdefault(name, value)
    if spec.kwarg is not None:
        bound[spec.kwarg.arg] = extra
    return bound


def function_class(name: str, methods: dict[str, UserFunction]) -> type:
    """A real ``torch.autograd.Function`` subclass whose methods run the program's bodies (see the NOTE)."""
    forward, backward = methods.get("forward"), methods.get("backward")
    setup = methods.get("setup_context")
    if forward is None or backward is None:
        raise TypeError(f"class {name} needs @staticmethod forward and backward")

    def run_forward(*args: Any, **kwargs: Any) -> Any:
        # without setup_context, PyTorch passes ctx first, and the program's forward sees it as its ctx
        if setup is None:
            return forward(Ctx(args[0]), *args[1:], **kwargs)
        return forward(*args, **kwargs)

    def run_backward(ctx: Any, *grads: Any) -> Any:
        return backward(Ctx(ctx), *grads)

    body: dict[str, Any] = {"forward": staticmethod(run_forward), "backward": staticmethod(run_backward),
                            "__module__": "__main__", "__qualname__": name}
    if setup is not None:
        body["setup_context"] = staticmethod(lambda ctx, inputs, output: setup(Ctx(ctx), inputs, output))
    return type(name, (torch.autograd.Function,), body)


def module_class(name: str, methods: dict[str, UserFunction]) -> type:
    """A real ``torch.nn.Module`` subclass whose methods run the program's bodies.

    Its ``__init__`` runs ``nn.Module.__init__`` first, so the program's
    ``super().__init__()`` has nothing left to do, and ``self.layer = nn.Linear(...)``
    registers the layer as PyTorch would.
    """
    init = methods.get("__init__")

    def run_init(self: torch.nn.Module, *args: Any, **kwargs: Any) -> None:
        torch.nn.Module.__init__(self)
        if init is not None:
            init(self, *args, **kwargs)

    body: dict[str, Any] = {"__init__": run_init, "__module__": "__main__", "__qualname__": name}
    for method_name, fn in methods.items():
        if method_name != "__init__":
            body[method_name] = method(fn)
    return type(name, (torch.nn.Module,), body)


def method(fn: UserFunction) -> Callable:
    def method(self: Any, *args: Any, **kwargs: Any) -> Any:
        return fn(self, *args, **kwargs)

    method.__name__ = fn.name
    return method
