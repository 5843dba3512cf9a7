"""The allow-listed functions: every spelling works, and gives PyTorch's own value and gradient."""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import pytest
import torch
import torch.nn.functional as F

from explorer import ExpressionError, explore, gradcheck_function, parse
from explorer.language.functions import FUNCTIONS, resolve

F64 = torch.float64
# A safe range for every function: inside (-1, 1) for asin/acos, positive for log/sqrt, no ties for max.
AT = {"x": (0.2, 0.8, 4)}


@dataclass(frozen=True)
class Case:
    """One call of a function: its arguments as typed, and the PyTorch reference for the bare spelling."""

    args: tuple[str, ...]
    reference: Callable
    keywords: tuple[tuple[str, float], ...] = field(default=())


# How the test builds each typed argument as a tensor, independently of the explorer.
_ARGUMENTS: dict[str, Callable[[torch.Tensor], torch.Tensor]] = {
    "x": lambda x: x,
    "x > 0.5": lambda x: x > 0.5,
    "x ** 2": lambda x: x**2,
}


def _square(x: torch.Tensor) -> torch.Tensor:
    return x**2  # the closed form the lab's SQ and SQFixed compute


_UNARY: dict[str, Callable] = {
    "sin": torch.sin, "cos": torch.cos, "tan": torch.tan, "asin": torch.asin, "acos": torch.acos,
    "atan": torch.atan, "sinh": torch.sinh, "cosh": torch.cosh, "tanh": torch.tanh, "exp": torch.exp,
    "log": torch.log, "log2": torch.log2, "log10": torch.log10, "sqrt": torch.sqrt, "abs": torch.abs,
    "relu": torch.relu, "sigmoid": torch.sigmoid, "softplus": F.softplus, "sum": torch.sum, "mean": torch.mean,
    "SQ": _square, "SQFixed": _square,
}
CASES: dict[str, list[Case]] = {name: [Case(("x",), call)] for name, call in _UNARY.items()}
CASES |= {
    "pow": [Case(("x", "3"), torch.pow)],
    # a tensor second argument: with a number, PyTorch's torch.max(x, 1) means "along dimension 1"
    "max": [Case(("x",), torch.max), Case(("x", "x ** 2"), torch.maximum)],
    "min": [Case(("x",), torch.min), Case(("x", "x ** 2"), torch.minimum)],
    "clamp": [Case(("x",), torch.clamp, (("min", 0.3),)), Case(("x", "0.3", "0.7"), torch.clamp),
              Case(("x",), torch.clamp, (("max", 0.7),))],
    "where": [Case(("x > 0.5", "x ** 2", "x"), torch.where)],
}
# Spellings that are not <name>, torch.<name>, torch.nn.functional.<name> or F.<name>.
ALIASES = {"asin": ("arcsin", "torch.arcsin"), "acos": ("arccos", "torch.arccos"),
           "atan": ("arctan", "torch.arctan"), "SQ": ("sq", "SQ.apply"), "SQFixed": ("SQFixed.apply",)}


def _build(text: str, x: torch.Tensor) -> torch.Tensor:
    if text in _ARGUMENTS:
        return _ARGUMENTS[text](x)
    return torch.tensor(float(text), dtype=F64)


def _pytorch_callable(spelling: str, name: str, case: Case) -> Callable:
    """What the same spelling calls in a notebook (our reference where PyTorch has no bare name)."""
    if spelling.startswith("torch.nn.functional.") or spelling.startswith("F."):
        return getattr(F, spelling.rsplit(".", 1)[-1])
    if spelling.startswith("torch."):
        return getattr(torch, spelling.rsplit(".", 1)[-1])
    if spelling.startswith("."):
        return lambda receiver, *rest, **keywords: getattr(receiver, name)(*rest, **keywords)
    return case.reference


def _spellings(name: str) -> list[str]:
    function = FUNCTIONS[name]
    found = [name, *ALIASES.get(name, ())]
    if function.torch_spelling:
        found.append(f"torch.{name}")
    if function.functional:
        found += [f"torch.nn.functional.{name}", f"F.{name}"]
    if function.method:
        found.append(f".{name}")
    return found


def _typed(spelling: str, case: Case) -> str:
    keywords = [f"{key}={value}" for key, value in case.keywords]
    if spelling.startswith("."):
        receiver = case.args[0] if case.args[0].isidentifier() else f"({case.args[0]})"
        return f"{receiver}{spelling}({', '.join([*case.args[1:], *keywords])})"
    return f"{spelling}({', '.join([*case.args, *keywords])})"


COVERAGE = [
    pytest.param(name, spelling, case, id=_typed(spelling, case))
    for name, cases in CASES.items() for case in cases for spelling in _spellings(name)
]


def test_every_function_has_a_coverage_case():
    assert set(CASES) == set(FUNCTIONS)


@pytest.mark.parametrize(("name", "spelling", "case"), COVERAGE)
def test_every_spelling_gives_pytorchs_value_and_gradient(name, spelling, case):
    text = _typed(spelling, case)
    result = explore(text, AT, dtype="float64")
    x = torch.linspace(*AT["x"], dtype=F64, requires_grad=True)
    call = _pytorch_callable(spelling, name, case)
    value = call(*(_build(arg, x) for arg in case.args), **dict(case.keywords))
    (grad,) = torch.autograd.grad(value.sum(), x)
    assert torch.allclose(torch.tensor(result.value, dtype=F64), value.detach())
    assert torch.allclose(torch.tensor(result.grad["x"], dtype=F64), grad)


@pytest.mark.parametrize(("text", "reference"), [
    ("pi * x", lambda x: torch.pi * x),
    ("e ** x", lambda x: torch.e**x),
    ("clamp(x, min=0)", lambda x: torch.clamp(x, min=0)),
    ("clamp(x, 0, 1)", lambda x: torch.clamp(x, 0, 1)),
    ("clamp(x, max=1)", lambda x: torch.clamp(x, max=1)),
    ("max(x)", torch.max),
    ("max(x, 1)", lambda x: torch.maximum(x, torch.tensor(1.0, dtype=F64))),
    ("where(x > 0, x, 0)", lambda x: torch.where(x > 0, x, 0.0)),
    ("pow(2, x)", lambda x: torch.pow(2, x)),
    ("x.pow(2).sum()", lambda x: x.pow(2).sum()),
])
def test_constants_options_and_two_argument_forms_match_pytorch(text, reference, torch_grads):
    points = torch.linspace(-2, 2, 4, dtype=F64).tolist()  # no point sits on a kink at 0 or 1
    result = explore(text, {"x": (-2, 2, 4)}, dtype="float64")
    value, grads = torch_grads(reference, x=points)
    assert torch.allclose(torch.tensor(result.value, dtype=F64), value)
    assert torch.allclose(torch.tensor(result.grad["x"], dtype=F64), grads["x"])


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_spelling_flags_say_what_pytorch_really_has(name):
    function = FUNCTIONS[name]
    assert function.torch_spelling == hasattr(torch, name)
    assert function.functional == hasattr(F, name)
    if function.method:
        assert hasattr(torch.Tensor, name)


@pytest.mark.parametrize(("text", "pytorch"), [
    ("x.exp()", lambda x: x.exp()),
    ("x.pow(2)", lambda x: x.pow(2)),
    ("x.clamp(min=0)", lambda x: x.clamp(min=0)),
    ("x.where(x > 0, 0)", lambda x: x.where(x > 0, torch.tensor(0.0, dtype=F64))),
    ("(x > 0).where(x, 0)", lambda x: (x > 0).where(x, torch.tensor(0.0, dtype=F64))),
])
def test_a_method_spelling_never_means_something_else_than_in_pytorch(text, pytorch):
    x = torch.tensor(-1.5, dtype=F64)
    try:
        expected = pytorch(x).item()
    except RuntimeError:
        expected = None  # PyTorch refuses it, so the explorer must too
    try:
        got = explore(text, {"x": -1.5}, dtype="float64").value
    except ExpressionError:
        got = None  # refusing a spelling is fine; computing something else is not
    if expected is None:
        assert got is None
    elif got is not None:
        assert got == pytest.approx(expected)


@pytest.mark.parametrize("spelling", ["torch.load", "torch.save", "__import__", "torch.ones", "os.system",
                                      "torch.Tensor.__class__", "x.grad"])
def test_resolve_finds_nothing_outside_the_allow_list(spelling):
    assert resolve(spelling) is None


def test_gradcheck_catches_the_labs_sq_and_passes_the_fixed_one():
    lab, fixed = gradcheck_function("SQ"), gradcheck_function("SQFixed")
    assert (lab.passed, fixed.passed) == (False, True)
    assert "mismatch" in lab.message.lower()


def test_gradcheck_of_an_unknown_function_is_a_key_error():
    with pytest.raises(KeyError):
        gradcheck_function("torch.sin")


def test_sq_and_sqfixed_agree_forward_and_alone():
    lab, fixed = explore("SQ(x)", {"x": 3}), explore("SQFixed(x)", {"x": 3})
    assert (lab.value, lab.grad) == (fixed.value, fixed.grad) == (9.0, {"x": 6.0})


def test_sq_cannot_be_spelled_as_a_tensor_method():
    with pytest.raises(ExpressionError):
        parse("x.SQ()")


@pytest.mark.parametrize("text", ["torch.max(x, 1)", "x.max(1)", "torch.min(x, 0)", "x.min(0.5)"])
def test_pytorch_spellings_of_max_with_a_number_are_refused_not_reinterpreted(text):
    # PyTorch reads these as "along a dimension" (or refuses a float); the bare max(x, 1) is elementwise
    with pytest.raises(ExpressionError, match="along that dimension"):
        explore(text, {"x": 2.0})


# Every function called with the largest numbers the language allows: the numbers are values, never sizes.
_WITH_NUMBERS = {"pow": "pow(x, 1e300)", "max": "max(x, 1e300)", "min": "min(x, -1e300)",
                 "clamp": "clamp(x, min=-3.4e38, max=3.4e38)", "where": "where(x > 1e300, 1e300, x)"}


@pytest.mark.parametrize("name", sorted(FUNCTIONS))
def test_no_function_allocates_from_a_number_it_is_given(name):
    text = _WITH_NUMBERS.get(name, f"{name}(x)")
    result = explore(text, AT)
    assert max(math.prod(t.shape) for t in result.graph.tensors) == AT["x"][2]


def test_every_function_takes_at_most_three_arguments_and_only_numbers_by_keyword():
    # nothing in the allow-list takes a size, a shape, a dtype, a device or an out= tensor
    assert all(f.arity[1] <= 3 and set(f.options) <= {"min", "max"} for f in FUNCTIONS.values())
