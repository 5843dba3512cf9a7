"""Derivatives beyond the first: f'' against closed forms, the Hessian, the graph of a derivative, forward mode."""

from __future__ import annotations

import math
import operator
import pickle

import pytest
import torch
import torch.autograd.forward_ad as fwAD
from hypothesis import assume, given, reject, settings
from hypothesis import strategies as st

from explorer import SQ, ExpressionError, Range, SQFixed, explore
from explorer.compute.differentiation import derivative_graph, forward_mode, hessian, second_derivative_plot

WINDOW = Range(-3.0, 3.0, 61)
XS = torch.linspace(-3.0, 3.0, 61, dtype=torch.float64)


def _traces(plot) -> dict[str, list]:
    """Each curve's values at every point of the window: its hover-and-click points (its line is thinned)."""
    return {trace["name"]: trace["y"] for trace in plot.figure["data"] if trace["mode"] == "markers"}


def _lines(plot) -> list[dict]:
    return [trace for trace in plot.figure["data"] if trace["mode"] == "lines"]


# -- f'' ---------------------------------------------------------------------------------------------

# (as typed, f' in closed form, f'' in closed form)
CURVES = [
    ("x**3", lambda x: 3 * x**2, lambda x: 6 * x),
    ("sin(x)", torch.cos, lambda x: -torch.sin(x)),
    ("exp(x)", torch.exp, torch.exp),
    ("x**2 + 2*x + 1", lambda x: 2 * x + 2, lambda x: torch.full_like(x, 2.0)),
    ("3*x + 1", lambda x: torch.full_like(x, 3.0), torch.zeros_like),
    ("torch.relu(x)", lambda x: (x > 0).double(), torch.zeros_like),
]


@pytest.mark.parametrize(("text", "first", "second"), CURVES, ids=[case[0] for case in CURVES])
def test_f_prime_and_f_double_prime_match_their_closed_forms_over_the_window(text, first, second):
    plot = second_derivative_plot(text, {"x": 1.0}, "x", WINDOW, dtype="float64")
    traces = _traces(plot)
    assert list(traces) == [f"y = {text}", "dy/dx", "d²y/dx²"]
    # sent to the browser to 7 significant digits
    assert traces["dy/dx"] == pytest.approx(first(XS).tolist(), rel=1e-6, abs=1e-12)
    assert traces["d²y/dx²"] == pytest.approx(second(XS).tolist(), rel=1e-6, abs=1e-12)
    for line, exact in zip(_lines(plot)[1:], (first, second), strict=True):  # each drawn point is exact too
        assert line["y"] == pytest.approx(exact(torch.tensor(line["x"], dtype=torch.float64)).tolist(), rel=1e-6,
                                          abs=1e-12)


def test_the_three_curves_are_solid_dashed_and_dotted_over_the_windows_points():
    plot = second_derivative_plot("x**3", {"x": 1.0}, "x", WINDOW)
    lines = _lines(plot)
    assert [trace["line"]["dash"] for trace in lines] == ["solid", "dash", "dot"]
    assert all(trace["x"][0] == -3.0 and trace["x"][-1] == 3.0 for trace in lines)
    hovered = [trace for trace in plot.figure["data"] if trace["mode"] == "markers"]
    assert [trace["name"] for trace in hovered] == [trace["name"] for trace in lines]
    assert all(trace["x"] == pytest.approx(XS.tolist(), abs=1e-6) for trace in hovered)
    assert plot.variables == ("x",)


def test_a_straight_derivative_is_drawn_with_its_two_ends():
    plot = second_derivative_plot("x**2 + 2*x + 1", {"x": 1.0}, "x", Range(-3.0, 3.0, 10_000))
    _, first, second = _lines(plot)
    assert (first["x"], first["y"]) == ([-3.0, 3.0], [pytest.approx(-4.0), pytest.approx(8.0)])
    assert second["y"] == [2.0, 2.0]


def test_relu_double_prime_is_zero_and_the_kink_is_explained():
    plot = second_derivative_plot("torch.relu(x)", {"x": 1.0}, "x", WINDOW)
    assert set(_traces(plot)["d²y/dx²"]) == {0.0}
    assert any("kink" in note for note in plot.notes)


def test_a_partial_second_derivative_holds_the_other_variable_at_its_point():
    plot = second_derivative_plot("u * x**3", {"u": 2.0, "x": 0.0}, "x", WINDOW, dtype="float64")
    traces = _traces(plot)
    assert list(traces)[1:] == ["∂f/∂x", "∂²f/∂x²"]
    assert traces["∂²f/∂x²"] == pytest.approx((12 * XS).tolist())


def test_where_f_double_prime_is_undefined_the_curve_has_a_gap():
    plot = second_derivative_plot("sqrt(x)", {"x": 1.0}, "x", Range(-1.0, 1.0, 5))
    second = _traces(plot)["d²y/dx²"]
    assert second[:3] == [None, None, None]  # nan for x < 0, -inf at 0
    assert second[4] == pytest.approx(-0.25)
    assert any("gaps" in note for note in plot.notes)


def test_the_labs_torch_sum_is_drawn_term_by_term():
    plot = second_derivative_plot("torch.sum(x**3)", {"x": 1.0}, "x", WINDOW, dtype="float64")
    traces = _traces(plot)
    assert "x**3 (the terms of the sum)" in traces
    assert traces["d²y/dx²"] == pytest.approx((6 * XS).tolist())


@pytest.mark.parametrize("text", ["torch.mean(x)", "x - torch.mean(x)", "x * torch.max(x)", "torch.sum(x) * x"])
def test_a_function_whose_points_mix_is_not_drawn(text):
    assert second_derivative_plot(text, {"x": 1.0}, "x", WINDOW) is None


# -- the Hessian -------------------------------------------------------------------------------------

# (as typed, where, the Hessian in closed form)
HESSIANS = [
    ("u*v + u**2", {"u": 1.0, "v": 2.0}, [[2.0, 1.0], [1.0, 0.0]]),
    ("x**2 * y**3", {"x": 2.0, "y": 1.5}, [[2 * 1.5**3, 6 * 2 * 1.5**2], [6 * 2 * 1.5**2, 6 * 2**2 * 1.5]]),
    ("x**3", {"x": 2.0}, [[12.0]]),
    ("sin(x) * exp(u)", {"x": 0.5, "u": -1.0},
     [[-math.sin(0.5) * math.exp(-1), math.cos(0.5) * math.exp(-1)],
      [math.cos(0.5) * math.exp(-1), math.sin(0.5) * math.exp(-1)]]),
    ("3*x + 1", {"x": 5.0}, [[0.0]]),
]


@pytest.mark.parametrize(("text", "at", "closed_form"), HESSIANS, ids=[case[0] for case in HESSIANS])
def test_the_hessian_matches_its_closed_form(text, at, closed_form):
    result = hessian(text, at, dtype="float64")
    assert result.variables == tuple(at)
    assert len(result.matrix) == len(closed_form)
    for row, expected in zip(result.matrix, closed_form, strict=True):
        assert list(row) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize(("text", "at", "_"), HESSIANS, ids=[case[0] for case in HESSIANS])
def test_the_hessians_gradient_and_value_are_what_explore_gives(text, at, _):
    result, explored = hessian(text, at), explore(text, at)
    assert result.gradient == tuple(explored.grad[v] for v in result.variables)
    assert result.value == explored.value


def test_mixed_partials_agree_whichever_is_taken_first():
    matrix = hessian("sin(u*v) + u**3 * v", {"u": 0.3, "v": -1.2}, dtype="float64").matrix
    assert matrix[0][1] == pytest.approx(matrix[1][0], rel=1e-12)


def test_the_hessian_refuses_a_range():
    with pytest.raises(ExpressionError, match="one point.*not a range"):
        hessian("x**2", {"x": "-1:1:5"})


# -- the graph of a derivative -----------------------------------------------------------------------


def test_the_derivative_of_x_squared_is_a_graph_computing_2x():
    result = derivative_graph("x**2", {"x": 3.0}, "x")
    graph = result.graph
    names = [node.name for node in graph.nodes]
    assert names[0] == "MulBackward0" and "PowBackward0" in names and names[-1] == "AccumulateGrad"
    output = graph.tensor(graph.output)
    assert (output.label, output.data, output.role) == ("dy/dx", 6.0, "output")
    x = next(t for t in graph.tensors if t.label == "x")
    assert x.grad == 2.0  # the derivative of the derivative: d²y/dx²
    assert "create_graph=True" in result.note


def test_the_derivative_of_exp_reuses_the_forward_result_it_saved():
    graph = derivative_graph("exp(x)", {"x": 1.0}, "x").graph
    saved = [s for node in graph.nodes if node.name == "ExpBackward0" for s in node.saved]
    forward = next(t for t in graph.tensors if t.text == "exp(x)")
    assert [s.same_as for s in saved] == [forward.id]
    assert graph.tensor(graph.output).data == pytest.approx(math.e)


def test_a_partial_derivative_is_labeled_with_partials_and_names_both_inputs():
    result = derivative_graph("u*v + u**2", {"u": 1.0, "v": 2.0}, "u")
    labels = {t.label: t for t in result.graph.tensors}
    assert result.name == "∂f/∂u" and result.value == 4.0
    assert (labels["u"].grad, labels["v"].grad) == (2.0, 1.0)  # the Hessian's first row


def test_a_linear_functions_derivative_is_a_constant_with_no_graph():
    result = derivative_graph("3*x + 1", {"x": 2.0}, "x")
    assert result.graph.root is None and result.graph.nodes == ()
    assert result.value == 3.0
    assert "no grad_fn" in result.note and "constant" in result.note


def test_the_derivative_graph_refuses_a_variable_the_function_does_not_use():
    with pytest.raises(ExpressionError, match="does not use u"):
        derivative_graph("x**2", {"x": 1.0}, "u")


# -- forward mode ------------------------------------------------------------------------------------

# (as typed, where, direction, the lab's derivative, passes for every partial)
LAB = [
    ("x**2 + 2*x + 1", {"x": 2.0}, "x", 6.0, 1),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}, "u", 4.0, 2),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}, "v", 1.0, 2),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}, {"u": 1.0, "v": 1.0}, 5.0, 2),
    ("2*x**3 + x", {"x": 1.0}, "x", 7.0, 1),
]


@pytest.mark.parametrize(("text", "at", "direction", "derivative", "passes"), LAB,
                         ids=[f"{case[0]} along {case[2]}" for case in LAB])
def test_forward_mode_gives_the_labs_numbers_as_reverse_mode_does(text, at, direction, derivative, passes):
    result = forward_mode(text, at, direction)
    assert result.available and result.reason == ""
    assert result.derivative == result.reverse == derivative
    assert result.value == explore(text, at).value
    assert result.passes_needed == passes
    assert f"{passes} passes" in result.explanation or passes == 1


def test_forward_steps_run_inputs_first_and_the_function_last():
    steps = forward_mode("x**2", {"x": 3.0}, "x").steps
    assert [(s.text, s.role, s.primal, s.tangent) for s in steps] == [
        ("x", "input", 3.0, 1.0),
        ("x**2", "intermediate", 9.0, 6.0),  # the chain rule: 2x times x's tangent
    ]


def test_each_steps_tangent_is_the_chain_rule_applied_to_the_step_before():
    steps = {s.text: s for s in forward_mode("sin(x**2)", {"x": 1.5}, "x", dtype="float64").steps}
    square, sine = steps["x**2"], steps["sin(x**2)"]
    assert square.tangent == pytest.approx(2 * 1.5)
    assert sine.tangent == pytest.approx(math.cos(square.primal) * square.tangent)


def test_a_term_that_does_not_depend_on_the_inputs_carries_tangent_zero():
    steps = {s.text: s for s in forward_mode("where(x > 0, x**2, 0)", {"x": 2.0}, "x").steps}
    assert (steps["x > 0"].role, steps["x > 0"].tangent) == ("constant", 0.0)
    assert steps["where(x > 0, x**2, 0)"].tangent == 4.0


def _jvp_refusal(function) -> str:
    """PyTorch's own words for a custom Function without jvp under forward mode: the oracle."""
    with fwAD.dual_level(), pytest.raises(NotImplementedError) as caught:
        function.apply(fwAD.make_dual(torch.tensor(2.0), torch.tensor(1.0)))
    return str(caught.value)


@pytest.mark.parametrize(("text", "function"), [("SQ(x)", SQ), ("3*SQFixed(x)", SQFixed)])
def test_a_custom_function_without_jvp_is_reported_unavailable_in_pytorchs_words(text, function):
    result = forward_mode(text, {"x": 2.0}, "x")
    assert not result.available
    assert result.reason == _jvp_refusal(function)
    assert "jvp" in result.reason
    assert (result.steps, result.derivative) == ((), None)
    assert result.reverse == explore(text, {"x": 2.0}).grad["x"]  # reverse mode still answers


@pytest.mark.parametrize(("at", "direction", "message"), [
    ({"x": "0:1:3"}, "x", "not a range"),
    ({"x": 1.0}, "u", "not a variable"),
    ({"x": 1.0}, {"x": math.inf}, "finite"),
    ({"x": 1.0}, {"x": "up"}, "finite"),
])
def test_forward_mode_refuses_ranges_and_bad_directions(at, direction, message):
    with pytest.raises(ExpressionError, match=message):
        forward_mode("x**2", at, direction)


_BINARY = {"+": operator.add, "-": operator.sub, "*": operator.mul, "/": operator.truediv}
_UNARY = ("sin", "cos", "exp", "tanh", "sigmoid")
_leaves = st.one_of(st.sampled_from(["x", "u"]), st.floats(-3, 3).map(lambda v: f"({round(v, 2)!r})"))


def _extend(children):
    return st.one_of(
        st.builds(lambda op, a, b: f"({a} {op} {b})", st.sampled_from(sorted(_BINARY)), children, children),
        st.builds(lambda a, n: f"({a}) ** {n}", children, st.integers(1, 3)),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(_UNARY), children),
    )


@settings(max_examples=30, deadline=None)
@given(st.recursive(_leaves, _extend, max_leaves=6), st.floats(-2, 2), st.floats(-2, 2), st.floats(-2, 2),
       st.floats(-2, 2))
def test_forward_mode_matches_reverse_modes_gradient_along_any_direction(text, x, u, dx, du):
    at, direction = {"x": x, "u": u}, {"x": dx, "u": du}
    try:
        reverse = explore(text, at, dtype="float64")
    except ExpressionError:  # numbers alone folded to nan or inf (0/0): the parser refuses them, rightly
        reject()
    grads = [reverse.grad[v] for v in reverse.variables]
    assume(math.isfinite(reverse.value) and all(math.isfinite(g) for g in grads))
    expected = sum(g * direction[v] for v, g in zip(reverse.variables, grads, strict=True))
    result = forward_mode(text, at, direction, dtype="float64")
    assert result.value == pytest.approx(reverse.value, rel=1e-12, abs=1e-12)
    assert result.derivative == pytest.approx(expected, rel=1e-9, abs=1e-9 * (1 + max(map(abs, grads), default=0)))


# -- plain data --------------------------------------------------------------------------------------


def test_every_result_pickles_as_the_apps_cache_stores_it():
    results = [
        second_derivative_plot("x**3", {"x": 1.0}, "x", WINDOW),
        hessian("u*v", {"u": 1.0, "v": 2.0}),
        derivative_graph("x**2", {"x": 3.0}, "x"),
        forward_mode("x**2", {"x": 3.0}, "x"),
    ]
    for result in results:
        assert pickle.loads(pickle.dumps(result)) == result
