"""The plots: f against the derivative autograd returns, the tangent at the chosen point, kinks said in words."""

from __future__ import annotations

import json
import math

import pytest
import torch
import torch.nn.functional as F

from explorer.figure import Plot, contour, curve, plots
from explorer.points import Range

WINDOW = Range(-10, 10, 401)  # the app's default plot range


def _trace(plot: Plot, starts: str) -> dict:
    (found,) = [trace for trace in plot.figure["data"] if str(trace.get("name", "")).startswith(starts)]
    return found


def _names(plot: Plot) -> list[str]:
    return [str(trace.get("name", "")) for trace in plot.figure["data"]]


# (as typed, the derivative in closed form)
SMOOTH = [
    ("x**2", lambda x: 2 * x),
    ("x**3", lambda x: 3 * x**2),
    ("sin(x)", math.cos),
    ("exp(x)", math.exp),
    ("tanh(x)", lambda x: 1 - math.tanh(x) ** 2),
    ("1/(1 + x**2)", lambda x: -2 * x / (1 + x**2) ** 2),
]


@pytest.mark.parametrize(("text", "derivative"), SMOOTH, ids=[case[0] for case in SMOOTH])
def test_the_derivative_trace_is_the_closed_form_derivative_at_every_plotted_point(text, derivative):
    (plot,) = plots(text, {"x": 1.0}, WINDOW)
    trace = _trace(plot, "dy/dx")
    assert len(trace["x"]) == WINDOW.count
    assert trace["x"][0] == WINDOW.start and trace["x"][-1] == WINDOW.stop
    expected = [derivative(x) for x in trace["x"]]
    assert trace["y"] == pytest.approx(expected, rel=1e-4, abs=1e-4)


# steep but smooth: a fast change of slope is not a corner
@pytest.mark.parametrize("text", [text for text, _ in SMOOTH] + ["tanh(5*x)", "sigmoid(10*x)", "exp(-10*x**2)"])
def test_a_smooth_function_gets_no_kink_or_broken_curve_note(text):
    (plot,) = plots(text, {"x": 1.0}, WINDOW)
    assert plot.notes == ()


def test_trace_names_say_the_function_and_that_the_derivative_is_autograds():
    (plot,) = plots("x**2", {"x": 2.0}, WINDOW)
    function, derivative = _names(plot)[:2]
    assert "x**2" in function
    assert derivative == "dy/dx (autograd)"
    assert (plot.kind, plot.variables) == ("curve", ("x",))


@pytest.mark.parametrize(("text", "reference", "at"), [
    ("x**2", lambda x: x**2, 2.0),
    ("sin(x)", torch.sin, 1.0),
    ("softplus(x)", F.softplus, -0.5),
])
def test_the_chosen_point_is_marked_on_f_and_its_tangent_has_the_gradient_as_slope(text, reference, at, torch_grads):
    value, grads = torch_grads(reference, x=at)
    (plot,) = plots(text, {"x": at}, WINDOW)
    marker, tangent = _trace(plot, "x = "), _trace(plot, "tangent")
    assert (marker["x"][0], marker["y"][0]) == pytest.approx((at, value.item()), rel=1e-6)
    (x0, x1), (y0, y1) = tangent["x"], tangent["y"]
    assert (y1 - y0) / (x1 - x0) == pytest.approx(grads["x"].item(), rel=1e-5, abs=1e-6)
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((at, value.item()), rel=1e-5, abs=1e-6)  # touches f at x


# (as typed, the same function in PyTorch, where the corner is)
KINKS = [
    ("torch.relu(x)", torch.relu, 0.0),
    ("abs(x)", torch.abs, 0.0),
    ("clamp(x, min=0)", lambda x: torch.clamp(x, min=0), 0.0),
    ("where(x > 0, x, 0)", lambda x: torch.where(x > 0, x, 0.0), 0.0),
    ("max(x, 1)", lambda x: torch.maximum(x, torch.tensor(1.0, dtype=x.dtype)), 1.0),
]


@pytest.mark.parametrize(("text", "reference", "corner"), KINKS, ids=[case[0] for case in KINKS])
def test_a_kink_is_found_at_its_corner_and_says_what_pytorch_returns_there(text, reference, corner, torch_grads):
    (plot,) = plots(text, {"x": 2.0}, WINDOW)
    left, right, exactly = (torch_grads(reference, x=corner + step)[1]["x"].item() for step in (-1.0, 1.0, 0.0))
    (note,) = plot.notes
    assert note.startswith(f"kink at x = {corner:g}:")
    assert f"jumps from {left:g} to {right:g}" in note
    assert f"PyTorch returns {exactly:g} by convention" in note


def test_relu_over_the_labs_range_says_pytorch_returns_0_at_the_kink():
    (plot,) = plots("torch.relu(x)", {"x": Range(-10, 10, 401)}, WINDOW)
    (note,) = plot.notes
    assert "kink at x = 0" in note and "PyTorch returns 0 by convention" in note


def test_sqrt_over_negatives_says_the_slope_is_undefined_and_leaves_gaps_in_both_curves():
    (plot,) = plots("sqrt(x)", {"x": 2.0}, WINDOW)
    f, df = _trace(plot, "y = sqrt(x)"), _trace(plot, "dy/dx")
    (note,) = plot.notes
    assert "nan" in note and "undefined" in note
    for trace in (f, df):
        assert all(y is None for x, y in zip(trace["x"], trace["y"], strict=True) if x < 0)
    positive = [(x, y) for x, y in zip(df["x"], df["y"], strict=True) if x > 0]
    assert [y for _, y in positive] == pytest.approx([0.5 / math.sqrt(x) for x, _ in positive], rel=1e-4)
    json.dumps(plot.figure, allow_nan=False)  # no NaN reaches the browser's JSON


def test_sum_trick_over_a_range_plots_the_terms_against_2x_as_the_lab_does():
    (plot,) = plots("torch.sum(x ** 2)", {"x": Range(-10, 10, 10)}, WINDOW)
    f, df = _trace(plot, "x ** 2"), _trace(plot, "dy/dx")
    assert "the terms of the sum" in f["name"]
    xs = torch.linspace(-10, 10, 10, dtype=torch.float64).tolist()
    assert f["x"] == pytest.approx(xs) and df["x"] == pytest.approx(xs)
    assert f["y"] == pytest.approx([x**2 for x in xs], rel=1e-5)
    assert df["y"] == pytest.approx([2 * x for x in xs], rel=1e-5)


@pytest.mark.parametrize("text", ["torch.mean(x**2)", "max(x)", "min(x ** 2)"])
def test_a_function_that_mixes_the_points_into_one_value_gives_no_curve(text):
    assert plots(text, {"x": 2.0}, WINDOW) == ()
    assert curve(text, {"x": 2.0}, "x", WINDOW) is None


def test_two_variables_give_a_curve_each_and_one_contour_with_the_partials_as_tangent_slopes(torch_grads):
    _, grads = torch_grads(lambda u, v: u * v + u**2, u=1.0, v=2.0)
    found = plots("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    assert [(p.kind, p.variables) for p in found] == [("curve", ("u",)), ("curve", ("v",)), ("contour", ("u", "v"))]
    for plot in found[:2]:
        (variable,) = plot.variables
        assert _names(plot)[1] == f"∂f/∂{variable} (autograd)"
        (x0, x1), (y0, y1) = _trace(plot, "tangent")["x"], _trace(plot, "tangent")["y"]
        assert (y1 - y0) / (x1 - x0) == pytest.approx(grads[variable].item())


def test_the_gradient_arrow_at_the_chosen_point_points_along_the_partials(torch_grads):
    _, grads = torch_grads(lambda u, v: u * v + u**2, u=1.0, v=2.0)
    gu, gv = grads["u"].item(), grads["v"].item()
    assert (gu, gv) == (4.0, 1.0)  # the lab's partials
    plot = contour("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    arrow = _trace(plot, "gradient at (1, 2)")
    assert arrow["name"] == "gradient at (1, 2) = (4, 1)"
    (tail_u, head_u, _), (tail_v, head_v, _) = arrow["x"], arrow["y"]
    du, dv = head_u - tail_u, head_v - tail_v
    assert (tail_u, tail_v) == (1.0, 2.0)
    assert du * gv - dv * gu == pytest.approx(0, abs=1e-9)  # parallel
    assert du * gu + dv * gv > 0  # and the same way, uphill
    assert _trace(plot, "(u, v) = (1, 2)")["x"] == [1.0]


def test_the_contour_shows_f_on_the_grid_with_u_across_and_v_up():
    plot = contour("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    surface = plot.figure["data"][0]
    axis = surface["x"]
    assert surface["y"] == axis and axis[0] == WINDOW.start and axis[-1] == WINDOW.stop
    for row, v in zip(surface["z"], axis, strict=True):  # z is indexed [v][u]
        assert row == pytest.approx([u * v + u**2 for u in axis], rel=1e-5, abs=1e-4)


def test_every_gradient_arrow_of_the_contour_points_along_the_closed_form_gradient():
    plot = contour("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    (arrows,) = [trace for trace in plot.figure["data"] if trace.get("name") == "gradient"]
    xs, ys = arrows["x"], arrows["y"]
    assert len(xs) >= 3 * 9 * 9 - 3 * 9  # about a 9 x 9 field of arrows
    for i in range(0, len(xs), 3):
        u, v, du, dv = xs[i], ys[i], xs[i + 1] - xs[i], ys[i + 1] - ys[i]
        gu, gv = v + 2 * u, u
        assert du * gv - dv * gu == pytest.approx(0, abs=1e-6 * (1 + abs(gu) + abs(gv)))
        assert du * gu + dv * gv >= 0


def test_a_function_of_no_variable_has_no_plots():
    assert plots("3", {}, WINDOW) == ()


@pytest.mark.parametrize(("text", "at"), [
    ("torch.relu(x)", {"x": 2.0}),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}),
])
def test_hiding_the_derivative_leaves_out_every_derivative_trace_tangent_arrow_and_kink_note(text, at):
    found = plots(text, at, WINDOW, show_derivative=False)
    assert found
    for plot in found:
        names = " ".join(_names(plot))
        assert "autograd" not in names and "tangent" not in names and "gradient" not in names
        assert plot.notes == ()


@pytest.mark.parametrize(("text", "at"), [
    ("x**2", {"x": 2.0}),
    ("torch.relu(x)", {"x": 2.0}),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}),
])
def test_the_figures_of_a_401_point_window_stay_a_modest_payload(text, at):
    found = plots(text, at, WINDOW)
    total = sum(len(json.dumps(plot.figure)) for plot in found)
    assert 0 < total < 300_000
