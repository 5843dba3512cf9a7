"""The exploration: the lab's answers, gradients against finite differences, devices, dtypes, nan and inf."""

from __future__ import annotations

import math
import operator
import pickle

import pytest
import torch
import torch.nn.functional as F
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from explorer import DTYPES, ExpressionError, available_devices, explore

# The lab's examples: (as typed, where, the lab's value, the lab's derivatives, the same function in PyTorch)
LAB = [
    ("y = x ** 2", {"x": 2.0}, 4.0, {"x": 4.0}, lambda x: x**2),
    ("y = x**2 + 2*x + 1", {"x": 2.0}, 9.0, {"x": 6.0}, lambda x: x**2 + 2 * x + 1),
    ("2*x**3 + x", {"x": 1.0}, 3.0, {"x": 7.0}, lambda x: 2 * x**3 + x),  # the first practice
    ("SQ(x)", {"x": 2.0}, 4.0, {"x": 4.0}, lambda x: x**2),
    ("u * v + u ** 2", {"u": 1.0, "v": 2.0}, 3.0, {"u": 4.0, "v": 1.0}, lambda u, v: u * v + u**2),
    ("u*v + (u*v)**2", {"u": 2.0, "v": 1.0}, 6.0, {"u": 5.0, "v": 10.0}, lambda u, v: u * v + (u * v) ** 2),
]


@pytest.mark.parametrize(("text", "at", "value", "grads", "reference"), LAB, ids=[case[0] for case in LAB])
def test_every_lab_example_gives_the_labs_answer(text, at, value, grads, reference, torch_grads):
    result = explore(text, at)
    oracle_value, oracle_grads = torch_grads(reference, **at)
    assert result.value == value == pytest.approx(oracle_value.item())
    assert result.grad == grads
    assert grads == pytest.approx({name: grad.item() for name, grad in oracle_grads.items()})
    assert result.reduced is False


def test_the_labs_attribute_printouts_for_x_and_y():
    graph = explore("y = x ** 2", {"x": 2.0}).graph
    tensors = {t.label: t for t in graph.tensors}
    x, y = tensors["x"], tensors["y"]
    assert (x.data, x.grad_fn, x.grad, x.is_leaf, x.requires_grad) == (2.0, None, 4.0, True, True)
    assert (y.data, y.grad_fn, y.is_leaf, y.requires_grad) == (4.0, "PowBackward0", False, True)
    # the lab's y.grad prints None: y is not a leaf; the explorer keeps it (retain_grad), and dy/dy = 1
    assert (y.retains_grad, y.grad) == (True, 1.0)


def test_the_labs_sq_is_named_sqbackward():
    graph = explore("SQ(x)", {"x": 2}).graph
    assert graph.tensor(graph.output).grad_fn == "SQBackward"
    assert graph.node(graph.root).name == "SQBackward"


def test_the_labs_sq_gives_the_wrong_derivative_inside_3_times_and_sqfixed_the_right_one(torch_grads):
    _, truth = torch_grads(lambda x: 3 * x**2, x=2.0)
    assert truth["x"].item() == 12.0
    assert explore("3*SQ(x)", {"x": 2}).grad == {"x": 4.0}  # backward drops grad_output = 3
    assert explore("3*SQFixed(x)", {"x": 2}).grad == {"x": 12.0}


def test_sum_trick_over_a_range_gives_2x_without_a_reduction_note():
    result = explore("torch.sum(x ** 2)", {"x": (-10, 10, 10)})
    assert result.reduced is False
    assert not any("sum trick" in note for note in result.notes)
    assert torch.equal(torch.tensor(result.grad["x"]), 2 * torch.linspace(-10, 10, 10))


def test_a_function_over_a_range_is_summed_for_backward_and_says_so():
    result = explore("x ** 2", {"x": "-10:10:10"})
    xs = torch.linspace(-10, 10, 10)
    assert result.reduced is True
    assert any("sum trick" in note for note in result.notes)
    assert result.value == (xs**2).tolist()  # the function itself, not the sum
    assert torch.equal(torch.tensor(result.grad["x"]), 2 * xs)
    assert result.graph.node(result.graph.root).name == "SumBackward0"


def test_relu_derivative_is_0_left_of_zero_and_1_right_of_it():
    result = explore("torch.relu(x)", {"x": "-10:10:1000"})
    xs = torch.linspace(-10, 10, 1000)
    grads = torch.tensor(result.grad["x"])
    assert torch.equal(torch.tensor(result.value), torch.relu(xs))
    assert torch.all(grads[xs < 0] == 0) and torch.all(grads[xs > 0] == 1)


def test_second_practice_partial_with_respect_to_u_is_5():
    assert explore("u*v + (u*v)**2", {"u": 2, "v": 1}).grad["u"] == 5.0


# -- gradients against a finite difference, on random functions --------------------------------------------

_UNARY = {"sin": torch.sin, "cos": torch.cos, "exp": torch.exp, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
          "softplus": F.softplus}
_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}

_leaves = st.one_of(
    st.sampled_from([("var", "x"), ("var", "u")]),
    st.floats(-3, 3, allow_nan=False).map(lambda v: ("num", round(v, 2))),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.just("bin"), st.sampled_from(sorted(_BINARY)), children, children),
        st.tuples(st.just("pow"), children, st.integers(1, 3)),
        st.tuples(st.just("fn"), st.sampled_from(sorted(_UNARY)), children),
    )


_trees = st.recursive(_leaves, _extend, max_leaves=8)


def _render(tree) -> str:
    kind = tree[0]
    if kind == "var":
        return tree[1]
    if kind == "num":
        return f"({tree[1]!r})"
    if kind == "bin":
        return f"({_render(tree[2])} {tree[1]} {_render(tree[3])})"
    if kind == "pow":
        return f"({_render(tree[1])}) ** {tree[2]}"
    return f"{tree[1]}({_render(tree[2])})"


def _evaluate(tree, env: dict[str, float], denominators: list[float]) -> float:
    """The function computed directly with PyTorch in float64: the test's own oracle."""
    kind = tree[0]
    if kind == "var":
        return torch.tensor(env[tree[1]], dtype=torch.float64)
    if kind == "num":
        return torch.tensor(tree[1], dtype=torch.float64)
    if kind == "bin":
        right = _evaluate(tree[3], env, denominators)
        if tree[1] == "/":
            denominators.append(right.item())
        return _BINARY[tree[1]](_evaluate(tree[2], env, denominators), right)
    if kind == "pow":
        return _evaluate(tree[1], env, denominators) ** tree[2]
    return _UNARY[tree[1]](_evaluate(tree[2], env, denominators))


def _f(tree, env: dict[str, float]) -> float:
    denominators: list[float] = []
    value = _evaluate(tree, env, denominators).item()
    assume(all(abs(d) > 0.1 for d in denominators))  # far from a pole, a finite difference is trustworthy
    assume(math.isfinite(value) and abs(value) < 1e6)
    return value


@settings(max_examples=60, deadline=None)
@given(_trees, st.floats(-2, 2), st.floats(-2, 2))
def test_gradient_matches_a_central_finite_difference(tree, x, u):
    at = {"x": x, "u": u}
    h = 1e-5
    value = _f(tree, at)
    differences = {name: (_f(tree, {**at, name: at[name] + h}) - _f(tree, {**at, name: at[name] - h})) / (2 * h)
                   for name in ("x", "u")}
    result = explore(_render(tree), at, dtype="float64")
    assert result.value == pytest.approx(value, rel=1e-9, abs=1e-12)
    for name in result.variables:
        assert result.grad[name] == pytest.approx(differences[name], rel=1e-4, abs=1e-4 * (1 + abs(value)))


# -- devices, dtypes ---------------------------------------------------------------------------------------


def test_cpu_is_always_available():
    assert "cpu" in available_devices()


@pytest.mark.parametrize("device", available_devices())
def test_every_available_device_runs_the_lab(device):
    result = explore("x ** 2", {"x": 2}, device=device)
    assert (result.device, result.value, result.grad) == (device, 4.0, {"x": 4.0})
    assert all(t.device.startswith(device) for t in result.graph.tensors)


@pytest.mark.parametrize("device", ["cuda", "mps", "tpu", "CPU", "cuda:0", ""])
def test_a_device_that_is_absent_or_unknown_is_refused(device):
    if device in available_devices():
        pytest.skip(f"{device} is present here")
    with pytest.raises(ExpressionError) as caught:
        explore("x ** 2", {"x": 2}, device=device)
    assert "cpu" in caught.value.message  # the refusal lists what is available


@pytest.mark.parametrize("dtype", sorted(DTYPES))
def test_every_tensor_has_the_chosen_dtype(dtype):
    result = explore("u*v + sin(u)**2 / (1 + exp(v)) + SQ(u)", {"u": "0:1:3", "v": 0.5}, dtype=dtype)
    assert result.dtype == dtype
    assert {t.dtype for t in result.graph.tensors} == {dtype}


def test_float64_is_closer_to_the_truth_than_float32():
    truth = math.sin(0.1) ** 2
    f32 = explore("sin(x)**2", {"x": 0.1}, dtype="float32").value
    f64 = explore("sin(x)**2", {"x": 0.1}, dtype="float64").value
    assert f64 == pytest.approx(truth, rel=1e-15) and abs(f64 - truth) <= abs(f32 - truth)


@pytest.mark.parametrize("dtype", ["float16", "int64", "double", ""])
def test_an_unknown_dtype_is_refused(dtype):
    with pytest.raises(ExpressionError):
        explore("x ** 2", {"x": 2}, dtype=dtype)


# -- nan and inf, points -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "at", "value", "grad", "mentions"), [
    ("log(x)", {"x": -1}, "nan", None, "log"),
    ("1/x", {"x": 0}, "inf", None, "inf"),
    ("sqrt(x)", {"x": 0}, 0.0, "inf", "sqrt"),
    ("log(x)", {"x": 0}, "-inf", "inf", "log"),
])
def test_nan_and_inf_come_with_a_note_that_says_why(text, at, value, grad, mentions):
    result = explore(text, at)
    assert str(result.value) == str(float(value))
    if grad is not None:
        assert str(result.grad["x"]) == str(float(grad))
    assert any(mentions in note for note in result.notes)


def test_a_finite_function_has_no_nan_note():
    assert explore("x ** 2", {"x": 2}).notes == ()


def test_a_missing_variable_value_is_refused():
    with pytest.raises(ExpressionError) as caught:
        explore("u * v", {"u": 1})
    assert "v" in caught.value.message


def test_extra_variables_in_at_are_ignored():
    result = explore("x ** 2", {"x": 3, "u": 7, "v": "nonsense"})
    assert (result.variables, result.grad, result.points) == (("x",), {"x": 6.0}, {"x": 3.0})


def test_exploration_pickles_as_the_apps_cache_stores_it():
    result = explore("u * v + u ** 2", {"u": 1, "v": "0:1:3"})
    assert pickle.loads(pickle.dumps(result)) == result


def test_a_long_function_over_a_fine_range_is_refused_before_it_can_fill_memory():
    from explorer.model.exploration import MAX_RECORDED_VALUES

    with pytest.raises(ExpressionError, match="would record 2,420,000 values"):
        explore("x" + "*x" * 240, {"x": "-1:1:10000"})
    assert MAX_RECORDED_VALUES >= 3 * 10_000  # the lab's relu over 10,000 points still fits
    assert explore("torch.relu(x)", {"x": "-10:10:10000"}).grad["x"][-1] == 1.0
