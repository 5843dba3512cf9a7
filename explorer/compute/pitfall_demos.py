"""The pitfalls' demonstrations: each broken snippet and its fix, as functions that run PyTorch.

Each function does, statement for statement, what a pitfall's displayed ``code``
or ``fix`` does (``explorer.content.pitfalls``; the tests hold the two in step), and
returns the lines its ``print`` calls would show. ``run`` performs both and
reports what PyTorch really raised; the texts live apart so that reading the
pitfalls needs no torch.

>>> DEMOS["grads-add-up"].broken()
('tensor(8.)',)
>>> outcome = run("numpy-requires-grad")
>>> outcome.error_type, outcome.fixed_output
('RuntimeError', '[1. 4. 9.]')
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from dataclasses import dataclass

import torch

from explorer.content.pitfalls import Outcome

__all__ = ["DEMOS", "Demo", "Lines", "run"]

Lines = tuple[str, ...]  # what a snippet prints, one entry per print call


def _line(*values: object) -> str:
    """One print call's output: the same spacing and str() that ``print`` uses."""
    return " ".join(str(value) for value in values)


# Each pair below mirrors a pitfall's code and fix, statement for statement.

def _non_scalar() -> Lines:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.backward()
    return (_line(x.grad),)


def _non_scalar_fixed() -> Lines:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    y.sum().backward()
    return (_line(x.grad),)


def _backward_twice() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    y.backward()
    return (_line(x.grad),)


def _backward_twice_fixed() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward(retain_graph=True)
    first = _line(x.grad)
    y.backward()
    return first, _line(x.grad)


def _grads_add_up() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    y = x ** 2
    y.backward()
    return (_line(x.grad),)


def _grads_add_up_fixed() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    # backward() has just set the leaf's .grad, which torch types Tensor | None; an assert would add a step the
    # displayed fix does not have (the tests hold the two in step)
    x.grad.zero_()  # type: ignore[union-attr]
    y = x ** 2
    y.backward()
    return (_line(x.grad),)


def _numpy_requires_grad() -> Lines:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    return (_line(y.numpy()),)


def _numpy_requires_grad_fixed() -> Lines:
    x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x ** 2
    return (_line(y.detach().numpy()),)


def _moved_leaf() -> Lines:
    x = torch.tensor(2.0, requires_grad=True).to(torch.float64)
    y = x ** 2
    y.backward()
    return (_line(x.is_leaf, x.grad),)


def _moved_leaf_fixed() -> Lines:
    x = torch.tensor(2.0, requires_grad=True, dtype=torch.float64)
    y = x ** 2
    y.backward()
    return (_line(x.is_leaf, x.grad),)


def _in_place() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.exp(x)
    y += 1
    y.backward()
    return (_line(x.grad),)


def _in_place_fixed() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = torch.exp(x)
    y = y + 1
    y.backward()
    return (_line(x.grad),)


def _no_requires_grad() -> Lines:
    x = torch.tensor(2.0)
    y = x ** 2
    y.backward()
    return (_line(x.grad),)


def _no_requires_grad_fixed() -> Lines:
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    y.backward()
    return (_line(x.grad),)


@dataclass(frozen=True)
class Demo:
    broken: Callable[[], Lines]
    fixed: Callable[[], Lines]
    raises: tuple[type[Exception], ...]  # what the broken snippet may raise; () when it runs through


DEMOS: dict[str, Demo] = {
    "non-scalar-backward": Demo(_non_scalar, _non_scalar_fixed, (RuntimeError,)),
    "backward-twice": Demo(_backward_twice, _backward_twice_fixed, (RuntimeError,)),
    "grads-add-up": Demo(_grads_add_up, _grads_add_up_fixed, ()),
    "numpy-requires-grad": Demo(_numpy_requires_grad, _numpy_requires_grad_fixed, (RuntimeError,)),
    "moved-leaf": Demo(_moved_leaf, _moved_leaf_fixed, ()),
    "in-place": Demo(_in_place, _in_place_fixed, (RuntimeError,)),
    "no-requires-grad": Demo(_no_requires_grad, _no_requires_grad_fixed, (RuntimeError,)),
}


def run(key: str) -> Outcome:
    """Run a pitfall's broken and fixed snippets with real PyTorch and report what each did."""
    try:
        demo = DEMOS[key]
    except KeyError:
        raise KeyError(f"no pitfall {key!r}; the pitfalls are: {', '.join(DEMOS)}") from None
    fixed_output = "\n".join(demo.fixed())
    error_type, message, printed = None, "", ""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")  # a warning already shown once must still be recorded
        try:
            printed = "\n".join(demo.broken())
        except demo.raises as err:
            error_type, message = type(err).__name__, str(err)
    if error_type is None and caught:
        error_type, message = caught[0].category.__name__, str(caught[0].message)
    elif error_type is None:
        message = f"no error and no warning, but it printed {printed}, where the fixed snippet prints {fixed_output}"
    return Outcome(key, error_type, message, fixed_output, printed)
