"""The torch, numpy, math and matplotlib a program can reach: the allow-list's names bound to real objects.

``explorer.language.allow_list`` names what a program may use; this module
binds those names, once per run, to PyTorch's own functions (wrapped where a
call must be sized before it allocates, or recorded as it runs), and says which
attributes a value offers (``attribute``). Nothing else reaches an object's
attributes for a program.

NOTE [sizes checked before a call allocates]
A result is checked after every call (``check_value``), but a call that asks for
a billion elements would exhaust memory before that check. So the calls that
make tensors, arrays and lists from sizes (``torch.ones(10**9)``) or from other
values (``torch.cat``, ``torch.tensor`` of nested lists) are wrapped here to
count what they would make first. Anything that slips past (a broadcast inside
a library call) meets the worker's memory limit (``explorer.workers``).
"""

from __future__ import annotations

import builtins
import functools
import math
from collections.abc import Callable, Iterable, Sized
from typing import Any, Protocol

import numpy as np
import torch
import torch.nn.functional
import torch.utils.hooks

from explorer.language.allow_list import ATTRIBUTES, BUILTINS, CTX_RESERVED, MEMBERS
from explorer.language.program import Limits, check_percent_format, format_fields, plain_format_spec

__all__ = ["LimitExceeded", "Namespace", "Hooks", "Ctx", "Axes", "Figure", "Api", "kind_of"]


class LimitExceeded(BaseException):
    """A program passed one of its bounds (``Limits``).

    A BaseException, so that a program's own ``except Exception`` cannot catch it
    and run on past the bound.
    """

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class Namespace:
    """A module as a program sees it: only the members the allow-list names."""

    __slots__ = ("path", "members")

    def __init__(self, path: str, members: dict[str, Any]) -> None:
        self.path = path
        self.members = members

    def __repr__(self) -> str:
        return f"<module '{self.path}'>"


class Hooks(Protocol):
    """What the interpreter does for the calls it records."""

    def autograd_call(self, call: str, outputs: Any, inputs: Any, run: Callable[[], Any]) -> Any: ...

    def plot(self, name: str, args: tuple, kwargs: dict, axes: int | None = None) -> None: ...


class Axes:
    """One axes of ``plt.subplots()``: its calls are kept as data, numbered row by row."""

    __slots__ = ("index",)

    def __init__(self, index: int) -> None:
        self.index = index

    def __repr__(self) -> str:
        return f"<Axes {self.index}>"


class Figure:
    """The figure of ``plt.subplots()``: its calls are kept as data."""

    __slots__ = ()

    def __repr__(self) -> str:
        return "<Figure>"


_MOST_AXES = 16  # subplots in one figure


class Ctx:
    """The ``ctx`` a program's autograd Function sees: PyTorch's ctx, plus the values the program stores on it."""

    __slots__ = ("real",)

    def __init__(self, real: Any) -> None:
        self.real = real

    @property
    def values(self) -> dict[str, Any]:
        found = getattr(self.real, "_program_values", None)  # a fixed name of ours, on PyTorch's ctx object
        if found is None:
            found = {}
            self.real._program_values = found
        return found

    def get(self, name: str) -> Any:
        if name in ATTRIBUTES["ctx"]:
            return getattr(self.real, name)  # a name from the allow-list
        if name in self.values:
            return self.values[name]
        raise AttributeError(f"ctx has no '{name}': set it in forward (ctx.{name} = ...) before reading it")

    def set(self, name: str, value: Any) -> None:
        if name in CTX_RESERVED:
            raise AttributeError(f"ctx.{name} is PyTorch's own; store your value under another name")
        self.values[name] = value

    def __repr__(self) -> str:
        return repr(self.real)


# -- kinds of values, and the attributes each offers ---------------------------------------------------------

_KINDS: tuple[tuple[type, str], ...] = (
    (torch.Tensor, "tensor"),
    (torch.autograd.graph.Node, "node"),
    (torch.Size, "size"),
    (torch.dtype, "dtype"),
    (torch.device, "device"),
    (np.ndarray, "ndarray"),
    (torch.nn.Module, "module"),
    (torch.optim.Optimizer, "optimizer"),
    (torch.utils.hooks.RemovableHandle, "handle"),
    (torch.finfo, "finfo"),
    (bool, "int"),
    (int, "int"),
    (float, "float"),
    (str, "str"),
    (list, "list"),
    (tuple, "tuple"),
    (dict, "dict"),
    (set, "set"),
    (frozenset, "set"),
    (range, "range"),
    (Axes, "axes"),
    (Figure, "figure"),
)
_KIND_OF_TYPE: dict[type, str | None] = {}


def kind_of(value: Any) -> str | None:
    """The allow-list's kind of ``value`` ("tensor", "module", ...), or None for a value with no attributes."""
    cls = type(value)
    if cls not in _KIND_OF_TYPE:
        if isinstance(value, type) and issubclass(value, torch.autograd.Function):
            return "function_class"
        _KIND_OF_TYPE[cls] = next((kind for base, kind in _KINDS if isinstance(value, base)), None)
    return _KIND_OF_TYPE[cls]


# -- sizes ---------------------------------------------------------------------------------------------------


def _numel(value: Any) -> int:
    if isinstance(value, torch.Tensor):
        return value.numel()
    if isinstance(value, np.ndarray):
        return int(value.size)
    return 1


def _product(sizes: Iterable[Any]) -> int:
    total = 1
    for n in sizes:
        total *= max(int(n), 0)
    return total


def _size_arguments(args: tuple, kwargs: dict, at: int = 0) -> int:
    """Elements asked for by ``(2, 3)``, ``((2, 3),)`` or ``size=(2, 3)`` from position ``at`` on."""
    size = kwargs.get("size", kwargs.get("shape"))
    if size is None:
        rest = args[at:]
        size = rest[0] if len(rest) == 1 and isinstance(rest[0], tuple | list | torch.Size) else rest
    if isinstance(size, int | torch.Tensor):
        size = (size,)
    return _product(n for n in size if isinstance(n, int | torch.Tensor | np.integer))


_COUNT_MOST = 10_000_000  # counting stops here: any count past it is refused anyway


def _nested(data: Any, most: int) -> int:
    """Elements in nested lists or tuples, counting no further than ``most`` (an explicit stack).

    A list of plain numbers counts as its length, once per list: ``[[0.0] * n] * n`` holds one inner list n
    times, so counting it costs n steps, not n * n.
    """
    count, stack, flat = 0, [data], dict[int, int]()
    while stack and count <= most:
        item = stack.pop()
        if isinstance(item, list | tuple):
            known = flat.get(id(item))
            if known is None and all(type(x) in _NUMBERS for x in item):
                known = flat[id(item)] = len(item)
            if known is not None:
                count += known
            else:
                stack.extend(item)
        elif isinstance(item, range):
            count += len(item)
        else:
            count += _numel(item)
    return count


_NUMBERS = frozenset({int, float, bool, complex})


def _arange(args: tuple, kwargs: dict) -> int:
    start, end, step = 0.0, None, 1.0
    if len(args) == 1:
        end = args[0]
    elif len(args) >= 2:
        start, end = args[0], args[1]
        step = args[2] if len(args) > 2 else kwargs.get("step", 1.0)
    start, end = kwargs.get("start", start), kwargs.get("end", kwargs.get("stop", end))
    step = kwargs.get("step", step)
    if end is None or not float(step):
        return 0
    return max(math.ceil((float(end) - float(start)) / float(step)), 0)


def _steps(name: str, default: int) -> Callable[[tuple, dict], int]:
    def count(args: tuple, kwargs: dict) -> int:
        return int(args[2]) if len(args) > 2 else int(kwargs.get(name, default))

    return count


def _eye(args: tuple, kwargs: dict) -> int:
    n = args[0] if args else kwargs.get("n", kwargs.get("N", 0))
    m = args[1] if len(args) > 1 else kwargs.get("m", kwargs.get("M", n))
    return int(n) * int(m if m is not None else n)


def _data(args: tuple, kwargs: dict) -> int:
    """Elements of ``torch.tensor(data)``, ``np.array(data)``: a number is one element, however large."""
    data = args[0] if args else kwargs.get("data", kwargs.get("object", ()))
    return _nested(data, _COUNT_MOST)


def _legacy(args: tuple, kwargs: dict) -> int:
    """Elements of ``torch.Tensor(2, 3)`` (integers are a size to the legacy constructors) or ``torch.Tensor(data)``."""
    if args and all(isinstance(a, int) for a in args) and not isinstance(args[0], bool):
        return _product(args)
    return _data(args, kwargs)


def _joined(args: tuple, kwargs: dict) -> int:
    items = args[0] if args else kwargs.get("tensors", ())
    return sum(_numel(t) for t in items) if isinstance(items, list | tuple) else 0


def matmul_elements(args: tuple, kwargs: dict) -> int:
    """Elements of ``a @ b``: a's rows (and batches) times b's columns."""
    if len(args) < 2 or not all(isinstance(t, torch.Tensor | np.ndarray) for t in args[:2]):
        return 0
    a, b = args[0], args[1]
    if a.ndim < 1 or b.ndim < 2:
        return 0
    return _product(a.shape[:-1]) * int(b.shape[-1])


def _one_hot(args: tuple, kwargs: dict) -> int:
    classes = args[1] if len(args) > 1 else kwargs.get("num_classes", -1)
    tensor = args[0] if args else kwargs.get("tensor")
    if not isinstance(tensor, torch.Tensor):
        return 0
    if classes < 0 and tensor.numel():
        classes = int(tensor.max()) + 1
    return tensor.numel() * max(int(classes), 0)


def _diag(args: tuple, kwargs: dict) -> int:
    tensor = args[0] if args else kwargs.get("input")
    return _numel(tensor) ** 2 if isinstance(tensor, torch.Tensor) and tensor.ndim == 1 else 0


def _einsum(args: tuple, kwargs: dict) -> int:
    """Elements of einsum's output: the product of the output letters' sizes (``...`` is left to PyTorch)."""
    if not args or not isinstance(args[0], str) or "." in args[0]:
        return 0
    operands = args[1] if len(args) == 2 and isinstance(args[1], list | tuple) else args[1:]
    inputs, _, output = args[0].replace(" ", "").partition("->")
    sizes: dict[str, int] = {}
    for letters, operand in zip(inputs.split(","), operands, strict=False):
        for letter, size in zip(letters, getattr(operand, "shape", ()), strict=False):
            sizes[letter] = max(sizes.get(letter, 1), int(size))
    if not output:
        output = "".join(sorted(c for c in sizes if inputs.count(c) == 1))
    return _product(sizes.get(c, 1) for c in output)


def _linear(args: tuple, kwargs: dict) -> int:
    n_in = args[0] if args else kwargs.get("in_features", 0)
    n_out = args[1] if len(args) > 1 else kwargs.get("out_features", 0)
    return (int(n_in) + 1) * int(n_out)


def _squared_inputs(args: tuple, kwargs: dict) -> int:
    """A Jacobian's or Hessian's elements, at most: (the inputs' elements) squared."""
    inputs = args[1] if len(args) > 1 else kwargs.get("inputs", ())
    inputs = inputs if isinstance(inputs, list | tuple) else (inputs,)
    return sum(_numel(t) for t in inputs) ** 2


def _outer(args: tuple, kwargs: dict) -> int:
    return _product(_numel(a) for a in args[:2])


def _meshgrid(args: tuple, kwargs: dict) -> int:
    items = args[0] if len(args) == 1 and isinstance(args[0], list | tuple) else args
    return _product(_numel(a) for a in items) * max(len(items), 1)


def _random_size(at: int) -> Callable[[tuple, dict], int]:
    def count(args: tuple, kwargs: dict) -> int:
        if "size" in kwargs:
            return _size_arguments((), kwargs)
        return _size_arguments(args, {}, at) if len(args) > at else 1

    return count


def _np_dims(args: tuple, kwargs: dict) -> int:
    return _product(args)


# calls counted before they run: (namespace, name) -> elements the call would make
_COUNTED: dict[tuple[str, str], Callable[[tuple, dict], int]] = {
    **{("torch", n): _size_arguments for n in ("ones", "zeros", "rand", "randn", "randperm")},
    ("torch", "full"): lambda a, k: _size_arguments(a[:1], k),
    ("torch", "randint"): _random_size(2),
    ("torch", "normal"): _random_size(2),
    ("torch", "arange"): _arange,
    ("torch", "linspace"): _steps("steps", 100),
    ("torch", "logspace"): _steps("steps", 100),
    ("torch", "eye"): _eye,
    **{("torch", n): _data for n in ("tensor", "as_tensor")},
    **{("torch", n): _legacy for n in ("Tensor", "FloatTensor", "DoubleTensor", "LongTensor")},
    **{("torch", n): _joined for n in ("cat", "concat", "stack", "hstack", "vstack")},
    ("torch", "outer"): _outer,
    **{("torch", n): matmul_elements for n in ("matmul", "mm", "bmm")},
    ("torch", "diag"): _diag,
    ("torch", "einsum"): _einsum,
    ("torch.nn.functional", "one_hot"): _one_hot,
    ("torch.nn", "Linear"): _linear,
    **{("torch.autograd.functional", n): _squared_inputs for n in ("jacobian", "hessian")},
    **{("torch.autograd", n): _squared_inputs for n in ("gradcheck", "gradgradcheck")},
    **{("numpy", n): matmul_elements for n in ("dot", "matmul")},
    ("torch", "meshgrid"): _meshgrid,
    **{("numpy", n): lambda a, k: _size_arguments(a[:1], k) for n in ("zeros", "ones", "full")},
    ("numpy", "linspace"): _steps("num", 50),
    ("numpy", "arange"): _arange,
    ("numpy", "eye"): _eye,
    **{("numpy", n): _data for n in ("array", "asarray")},
    **{("numpy", n): _joined for n in ("concatenate", "stack", "vstack", "hstack")},
    ("numpy", "meshgrid"): _meshgrid,
    **{("numpy.random", n): _np_dims for n in ("rand", "randn")},
    **{("numpy.random", n): _random_size(2) for n in ("uniform", "normal", "randint")},
    ("numpy.random", "random"): _random_size(0),
    ("math", "factorial"): lambda a, k: int(a[0]) * 10 if a else 0,  # 1000! is 2,568 digits
}
# tensor methods sized before they run; each count sees the tensor first, then the arguments
_TENSOR_COUNTED: dict[str, Callable[[torch.Tensor, tuple, dict], int]] = {
    **{n: lambda t, a, k: _size_arguments(a, k) for n in ("new_zeros", "new_ones", "expand")},
    "new_tensor": lambda t, a, k: _data(a, k),
    **{n: lambda t, a, k: matmul_elements((t, *a), k) for n in ("matmul", "mm", "bmm")},
    "diag": lambda t, a, k: _diag((t,), k),
    "outer": lambda t, a, k: _outer((t, *a), k),
    "repeat": lambda t, a, k: t.numel() * _size_arguments(a, k),
    "index_select": lambda t, a, k: index_elements(t, a[1] if len(a) > 1 else k.get("index")),
}


def index_elements(tensor: Any, index: Any) -> int:
    """Elements of ``tensor[index]`` for an index tensor or list along the first dimension, else 0."""
    if not isinstance(tensor, torch.Tensor) or tensor.ndim == 0:
        return 0
    if isinstance(index, torch.Tensor) and index.dtype != torch.bool:
        return index.numel() * _product(tensor.shape[1:])
    if isinstance(index, list):
        return _nested(index, _COUNT_MOST) * _product(tensor.shape[1:])
    return 0


def check_size(name: str, count: Callable[[tuple, dict], int], args: tuple, kwargs: dict, limits: Limits) -> None:
    """Refuse a call that would make more elements than a program's tensors hold, before it runs."""
    try:
        wanted = count(args, kwargs)
    except (TypeError, ValueError, OverflowError, IndexError):
        return  # arguments PyTorch will refuse with its own message
    if wanted > limits.elements:
        raise LimitExceeded(f"{name} would make {wanted:,} elements; a program's tensors and arrays "
                            f"hold at most {limits.elements:,}")


def _padded(text: str, args: tuple) -> int:
    return int(args[0]) if args and isinstance(args[0], int) else len(text)


def _replaced(text: str, args: tuple) -> int:
    if len(args) >= 2 and isinstance(args[0], str) and isinstance(args[1], str):
        return len(text) + (text.count(args[0]) + (not args[0])) * len(args[1])
    return len(text)


def _joined_text(text: str, args: tuple) -> int:
    items = args[0] if args and isinstance(args[0], list | tuple) else ()
    return sum(len(item) for item in items if isinstance(item, str)) + len(text) * len(items)


def _extended(items: list, args: tuple) -> int:
    more = args[0] if args else ()
    return len(items) + (len(more) if isinstance(more, Sized) else 0)


# methods whose result's size follows from their arguments: (kind, name) -> characters or items they make
_SIZED_METHODS: dict[tuple[str, str], Callable[[Any, tuple], int]] = {
    **{("str", n): _padded for n in ("ljust", "rjust", "center", "zfill")},
    ("str", "replace"): _replaced,
    ("str", "join"): _joined_text,
    ("list", "extend"): _extended,
    ("ndarray", "dot"): lambda a, args: matmul_elements((a, *args), {}),
}


# methods that consume an iterable in C: it is first made a list, counted as it comes (bounded)
_TAKES_ITERABLE = {("str", "join"), ("list", "extend"), ("dict", "update"), ("set", "union"),
                   ("set", "intersection"), ("set", "difference")}


def _first_bounded(fn: Callable, limits: Limits) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(*(bounded(a, limits) if not isinstance(a, dict) else a for a in args), **kwargs)

    return call


def _counted(fn: Callable, count: Callable[[tuple, dict], int], name: str, limits: Limits) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        check_size(name, count, args, kwargs, limits)
        return fn(*args, **kwargs)

    call.__name__ = name
    return call


def broadcast_elements(shapes: Iterable[tuple[int, ...]]) -> int:
    """Elements of the shape these shapes broadcast to (each dimension the largest), or 0 if they do not."""
    shapes = list(shapes)
    total = 1
    for i in range(1, max(map(len, shapes), default=0) + 1):
        sizes = {shape[-i] for shape in shapes if i <= len(shape)} - {1}
        if len(sizes) > 1:
            return 0  # not broadcastable: the call raises its own error
        total *= max(sizes, default=1)
    return total


def check_broadcast(values: Iterable[Any], limits: Limits) -> None:
    """Refuse an elementwise call whose tensors (or arrays) broadcast past the bound, before it allocates."""
    shapes = [v.shape for v in values if isinstance(v, torch.Tensor | np.ndarray)]
    if len(shapes) == 2 and (not shapes[0] or not shapes[1]):
        return  # a scalar beside one tensor: the result is the size of that tensor, which is within the bound
    if len(shapes) > 1 and any(shape != shapes[0] for shape in shapes):
        total = broadcast_elements(shapes)
        if total > limits.elements:
            raise LimitExceeded(f"broadcasting shapes {', '.join(map(str, shapes))} makes {total:,} elements; "
                                f"at most {limits.elements:,}")


def check_value(value: Any, limits: Limits) -> Any:
    """``value`` if it is within the run's bounds; LimitExceeded otherwise."""
    cls = value.__class__
    if cls is torch.Tensor:  # the most common value by far: checked first, and alone
        if value.numel() > limits.elements:
            raise LimitExceeded(f"a tensor of {value.numel():,} elements; a program's tensors and arrays hold "
                                f"at most {limits.elements:,}")
        return value
    if cls is float or cls is bool or value is None:
        return value
    if isinstance(value, torch.Tensor | np.ndarray):
        if _numel(value) > limits.elements:
            raise LimitExceeded(f"a tensor of {_numel(value):,} elements; a program's tensors and arrays hold "
                                f"at most {limits.elements:,}")
    elif isinstance(value, str):
        if len(value) > limits.string:
            raise LimitExceeded(f"a string of {len(value):,} characters; at most {limits.string:,}")
    elif isinstance(value, list | tuple | dict | set):
        if len(value) > limits.items:
            raise LimitExceeded(f"a {type(value).__name__} of {len(value):,} items; at most {limits.items:,}")
    elif type(value) is int and value.bit_length() > limits.int_bits:
        raise LimitExceeded(f"an integer of {value.bit_length():,} bits; at most {limits.int_bits:,}")
    return value


def bounded(items: Any, limits: Limits) -> Any:
    """``items`` itself if it has a length within the bounds, else its items as a list, counted as they come."""
    if isinstance(items, torch.Tensor | np.ndarray) and items.ndim == 0:
        return items  # iterating it raises PyTorch's (or numpy's) own error
    if isinstance(items, Sized):
        if len(items) > limits.items:
            raise LimitExceeded(f"{len(items):,} items; a program's lists and loops over them hold at most "
                                f"{limits.items:,}")
        return items
    found = []
    for item in items:
        found.append(item)
        if len(found) > limits.items:
            raise LimitExceeded(f"more than {limits.items:,} items; a program's lists hold at most {limits.items:,}")
    return found


# -- formatting without reaching attributes ------------------------------------------------------------------

_CONVERT: dict[str | None, Callable[[Any], Any]] = {None: lambda v: v, "s": str, "r": repr, "a": ascii}


def format_value(value: Any, spec: str, limits: Limits) -> str:
    """``format(value, spec)`` for a plain spec only."""
    return check_value(format(value, plain_format_spec(spec)), limits)


def str_format(text: str, args: tuple, kwargs: dict, limits: Limits) -> str:
    """``text.format(*args, **kwargs)`` with each field a plain position or name and a plain spec."""
    parts, auto = [], 0
    for literal, name, spec, conversion in format_fields(text):
        parts.append(literal)
        if name is None:
            continue
        if name == "":
            name, auto = str(auto), auto + 1
        value = args[int(name)] if name.isdigit() else kwargs[name]
        parts.append(format_value(_CONVERT[conversion](value), spec, limits))
    return check_value("".join(parts), limits)


def percent_format(text: str, values: Any, limits: Limits) -> str:
    check_percent_format(text)
    return check_value(text % values, limits)


# -- the namespaces ------------------------------------------------------------------------------------------

_MODULE_OBJECTS: dict[str, Any] = {
    "torch": torch, "torch.nn": torch.nn, "torch.nn.functional": torch.nn.functional, "torch.nn.init": torch.nn.init,
    "torch.optim": torch.optim, "torch.autograd": torch.autograd, "torch.autograd.functional":
    torch.autograd.functional, "torch.autograd.graph": torch.autograd.graph, "torch.linalg": torch.linalg,
    "torch.cuda": torch.cuda, "math": math, "numpy": np, "numpy.random": np.random,
}
# an import path's members that are themselves namespaces
_SUBMODULES = {"torch": {"nn", "optim", "autograd", "linalg", "cuda"}, "torch.nn": {"functional", "init"},
               "torch.autograd": {"functional", "graph"}, "numpy": {"random"},
               "matplotlib": {"pyplot", "pylab", "ticker"}}


def _member(module: Any, name: str) -> Any:
    # ``name`` comes from allow_list.MEMBERS, never from a program's text
    return getattr(module, name)


@functools.cache
def _module_members() -> tuple[dict[str, dict[str, Any]], dict[int, tuple[str, Callable[[tuple, dict], int]]]]:
    """Every listed module's own members (not its submodules) by path, and the calls sized before they run, by
    the id of PyTorch's (or numpy's) own object; built once per process: the same for every run, and read-only."""
    members: dict[str, dict[str, Any]] = {}
    sized: dict[int, tuple[str, Callable[[tuple, dict], int]]] = {}
    for path, module in _MODULE_OBJECTS.items():
        members[path] = {}
        for name in MEMBERS[path]:
            if name in _SUBMODULES.get(path, ()):
                continue
            value = _member(module, name)
            if (path, name) in _COUNTED:
                sized[id(value)] = (f"{path}.{name}", _COUNTED[path, name])
            members[path][name] = value
    return members, sized


@functools.cache
def _builtin_members() -> dict[str, Any]:
    return {name: _member(builtins, name) for name in BUILTINS}


_CONSUMING = frozenset(id(_member(builtins, name)) for name in
                       ("list", "tuple", "set", "frozenset", "sorted", "sum", "min", "max", "any", "all", "dict"))


class Api:
    """One run's namespaces, builtins and attribute rules, bound to the interpreter's hooks."""

    def __init__(self, hooks: Hooks, limits: Limits, print_: Callable[..., None]) -> None:
        self.hooks = hooks
        self.limits = limits
        self.namespaces: dict[str, Namespace] = {}
        # builtins that consume one iterable argument (list, sum, ...), by id: they stay Python's own (list is still
        # a type for isinstance); the interpreter bounds what they consume
        self.consuming = _CONSUMING
        for path in ("matplotlib.pyplot", "matplotlib.pylab", "matplotlib.ticker"):
            self.namespaces[path] = Namespace(path, {n: self._plot_call(n) for n in MEMBERS[path]})
        # matplotlib.use("Agg") chooses a backend; nothing is drawn here, so it is kept as a call like the rest
        self.namespaces["matplotlib"] = Namespace("matplotlib", {
            "pyplot": self.namespaces["matplotlib.pyplot"], "pylab": self.namespaces["matplotlib.pylab"],
            "ticker": self.namespaces["matplotlib.ticker"],
            "use": self._plot_call("use")})
        # the calls sized before they run, by the id of PyTorch's (or numpy's) own object, which lives all along
        members, self.sized = _module_members()
        for path in sorted(MEMBERS, key=lambda p: -p.count(".")):  # submodules first: parents hold them
            if path not in self.namespaces:
                self.namespaces[path] = Namespace(path, self._members(path, members[path]))
        self.builtins = self._builtins(print_)
        # a program's own nn.Module classes -> the attributes their instances offer (methods, what self.x sets)
        self.module_names: dict[type, set[str]] = {}

    def _members(self, path: str, shared: dict[str, Any]) -> dict[str, Any]:
        """The namespace's members: PyTorch's (or numpy's, math's) own objects, this run's submodules and hooks."""
        members = dict(shared)
        for name in _SUBMODULES.get(path, ()):
            if name in MEMBERS[path]:
                members[name] = self.namespaces[f"{path}.{name}"]
        if path == "torch.autograd":
            members["grad"] = self._autograd("autograd.grad", torch.autograd.grad)
            members["backward"] = self._autograd("autograd.backward", torch.autograd.backward)
        return members

    def _autograd(self, call: str, fn: Callable) -> Callable:
        def run(*args: Any, **kwargs: Any) -> Any:
            outputs = args[0] if args else kwargs.get("outputs", kwargs.get("tensors"))
            inputs = args[1] if len(args) > 1 and call == "autograd.grad" else kwargs.get("inputs")
            return self.hooks.autograd_call(call, outputs, inputs, lambda: fn(*args, **kwargs))

        run.__name__ = call.rpartition(".")[2]
        return run

    def _plot_call(self, name: str, axes: int | None = None) -> Callable:
        if name == "subplots":
            return self._subplots

        def record(*args: Any, **kwargs: Any) -> None:
            self.hooks.plot(name, args, kwargs, axes)

        record.__name__ = name
        return record

    def _subplots(self, nrows: int = 1, ncols: int = 1, **kwargs: Any) -> tuple[Figure, Any]:
        """``plt.subplots``: the call kept, and stand-ins for the figure and its axes, shaped as matplotlib's."""
        if not (isinstance(nrows, int) and isinstance(ncols, int) and 1 <= nrows * ncols <= _MOST_AXES):
            raise ValueError(f"program mode's plt.subplots makes 1 to {_MOST_AXES} axes, not {nrows} x {ncols}")
        self.hooks.plot("subplots", (nrows, ncols), kwargs)
        if nrows * ncols == 1:
            return Figure(), Axes(0)
        grid = np.empty((nrows, ncols), dtype=object)
        for i in range(nrows * ncols):
            grid[divmod(i, ncols)] = Axes(i)
        return Figure(), grid.reshape(-1) if 1 in (nrows, ncols) else grid

    # -- builtins

    def _builtins(self, print_: Callable[..., None]) -> dict[str, Any]:
        table = dict(_builtin_members())
        limits = self.limits
        table["print"] = print_
        table["format"] = lambda value, spec="": format_value(value, spec, limits)
        table["pow"] = lambda base, exp, mod=None: check_value(
            power(base, exp, limits) if mod is None else modular_power(base, exp, mod, limits), limits)
        table["iter"] = lambda items: iter(items)  # one argument: iter(f, sentinel) could call f without end
        return table

    # -- attributes

    def attribute(self, value: Any, name: str) -> Any:
        """``value.name`` where the allow-list lets a program read it; AttributeError otherwise."""
        if value.__class__ is torch.Tensor and name in _TENSOR_ATTRIBUTES:  # the most common case: checked first
            return self._tensor_attribute(value, name)
        if isinstance(value, Namespace):
            if name in value.members:
                return value.members[name]
            raise AttributeError(f"program mode's {value.path} has no '{name}'")
        if isinstance(value, Ctx):
            return value.get(name)
        kind = kind_of(value)
        if kind == "module" and name in self.module_names.get(type(value), ()):
            return getattr(value, name)  # a method or attribute the program's own class defines or sets
        if kind is None or name not in ATTRIBUTES[kind]:
            if name not in dir(type(value)):  # the type's own names, listed without reaching any of them
                raise AttributeError(f"'{type(value).__name__}' object has no attribute '{name}'")
            raise AttributeError(f"program mode does not offer '.{name}' on a {type(value).__name__}")
        if kind == "tensor":
            return self._tensor_attribute(value, name)
        if kind in ("axes", "figure"):
            return self._plot_call(name, value.index if isinstance(value, Axes) else None)
        if kind == "str" and name == "format":
            return lambda *args, **kwargs: str_format(value, args, kwargs, self.limits)
        found = getattr(value, name)  # ``name`` is in the allow-list for this kind of value
        if (kind, name) in _TAKES_ITERABLE:
            found = _first_bounded(found, self.limits)
        sized = _SIZED_METHODS.get((kind, name))
        if sized is not None:
            return _counted(found, lambda args, kwargs: sized(value, args), f"{type(value).__name__}.{name}",
                            self.limits)
        return found

    def _tensor_attribute(self, tensor: torch.Tensor, name: str) -> Any:
        if name == "backward":
            def backward(gradient: Any = None, retain_graph: Any = None, create_graph: bool = False,
                         inputs: Any = None) -> None:
                return self.hooks.autograd_call("backward", tensor, inputs, lambda: tensor.backward(
                    gradient, retain_graph=retain_graph, create_graph=create_graph, inputs=inputs))
            return backward
        found = getattr(tensor, name)  # ``name`` is in the allow-list for tensors
        if name in _TENSOR_COUNTED:
            count = _TENSOR_COUNTED[name]
            return _counted(found, lambda args, kwargs: count(tensor, args, kwargs), f"Tensor.{name}", self.limits)
        return found

    def set_attribute(self, value: Any, name: str, new: Any) -> None:
        """``value.name = new`` for the attributes a program may set."""
        if value.__class__ is torch.Tensor and name in ("grad", "data", "requires_grad"):  # the most common case
            setattr(value, name, new)
        elif isinstance(value, Ctx):
            value.set(name, new)
        elif isinstance(value, torch.Tensor) and name in ("grad", "data", "requires_grad"):
            setattr(value, name, new)
        elif isinstance(value, torch.nn.Module) and name in ("weight", "bias"):
            setattr(value, name, new)
        elif type(value) in self.module_names and not name.startswith("_") and name not in _MODULE_OWN:
            self.module_names[type(value)].add(name)
            setattr(value, name, new)  # a program's own module: nn.Module registers parameters and submodules
        else:
            raise AttributeError(f"program mode does not set '.{name}' on a {type(value).__name__}")


_TENSOR_ATTRIBUTES = frozenset(ATTRIBUTES["tensor"])
_MODULE_OWN = frozenset(dir(torch.nn.Module))  # nn.Module's own methods, which a program may not replace


def modular_power(base: Any, exponent: Any, modulus: Any, limits: Limits) -> Any:
    """``pow(base, exponent, modulus)`` for integers of at most ``limits.int_bits`` bits each."""
    for n in (base, exponent, modulus):
        if type(n) is int and n.bit_length() > limits.int_bits // 10:
            raise LimitExceeded(f"pow with a modulus takes integers of at most {limits.int_bits // 10:,} bits")
    return pow(base, exponent, modulus)


def power(base: Any, exponent: Any, limits: Limits) -> Any:
    """``base ** exponent``, refusing integer powers too large to hold."""
    if type(base) is int and type(exponent) is int and exponent > 0 and abs(base) > 1:
        if abs(base).bit_length() * exponent > limits.int_bits:
            raise LimitExceeded(f"{base} ** {exponent} has more digits than a program may hold")
    return base ** exponent
