"""The plots: f against the derivative autograd returns, the tangent at the chosen point, kinks said in words,
and what reaches the browser (thinned lines that stay within the tolerance, a bounded payload)."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import plotly.io
import pytest
import torch
import torch.nn.functional as F
from hypothesis import example, given, settings
from hypothesis import strategies as st

from explorer.compute.curves import contour, curve, plots
from explorer.compute.differentiation import second_derivative_plot
from explorer.compute.explore import explore, run_live
from explorer.draw.figure import PLOTLY_BUNDLE, STATIC, TOLERANCE, derivative_name, html
from explorer.language.points import MAX_POINTS, Range
from explorer.model.plot import Plot

WINDOW = Range(-10, 10, 401)  # the app's default plot range
MOST = Range(-10, 10, MAX_POINTS)  # the finest range a visitor can ask for


def _is_hover(trace: dict) -> bool:
    """The invisible points of a curve that answer hover and click (they share the curve's name)."""
    return trace.get("mode") == "markers" and trace.get("showlegend") is False and "legendgroup" in trace


def _trace(plot: Plot, starts: str) -> dict:
    """The one drawn trace (a curve's line, a marker, an arrow) whose name starts so."""
    (found,) = [trace for trace in plot.figure["data"]
                if str(trace.get("name", "")).startswith(starts) and not _is_hover(trace)]
    return found


def _points(plot: Plot, starts: str) -> dict:
    """The hover-and-click points of the curve whose name starts so."""
    (found,) = [trace for trace in plot.figure["data"] if str(trace["name"]).startswith(starts) and _is_hover(trace)]
    return found


def _names(plot: Plot) -> list[str]:
    return [str(trace.get("name", "")) for trace in plot.figure["data"] if not _is_hover(trace)]


def _sent(plot: Plot) -> str:
    return plotly.io.to_json(plot.figure, validate=False)  # what st.plotly_chart sends to the browser


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
    line, points = _trace(plot, "dy/dx"), _points(plot, "dy/dx")
    # hover and click answer every tenth along the default range, evenly
    assert np.diff(points["x"]) == pytest.approx(np.full(len(points["x"]) - 1, 0.1), rel=1e-4)  # 7 digits sent
    assert points["x"][0] == line["x"][0] == WINDOW.start and points["x"][-1] == line["x"][-1] == WINDOW.stop
    for trace in (line, points):
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


@pytest.mark.parametrize(("output", "variable", "several", "order", "written"), [
    ("y", "x", False, 1, "dy/dx"),
    ("f", "u", True, 1, "∂f/∂u"),
    ("y", "x", False, 2, "d²y/dx²"),
    ("f", "v", True, 2, "∂²f/∂v²"),
])
def test_a_derivative_is_written_with_d_for_one_variable_and_a_partial_sign_for_several(output, variable, several,
                                                                                        order, written):
    assert derivative_name(output, variable, several, order) == written


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
    line = _trace(plot, f"y = {text}")
    assert (at, pytest.approx(value.item(), rel=1e-6)) in zip(line["x"], line["y"], strict=True)  # f passes there


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


@pytest.mark.parametrize(("text", "reference", "corner"), KINKS, ids=[case[0] for case in KINKS])
def test_at_the_finest_range_the_line_keeps_the_corner_exactly_and_the_derivatives_jump(text, reference, corner,
                                                                                         torch_grads):
    (plot,) = plots(text, {"x": 2.0}, MOST)
    value, grads = torch_grads(reference, x=corner)
    f, df = _trace(plot, "y = "), _trace(plot, "dy/dx")
    assert (corner, value.item()) in zip(f["x"], f["y"], strict=True)  # the corner itself, not a cut across it
    # f' steps from its left value to its right value within one point of the range, through PyTorch's value there
    assert (corner, grads["x"].item()) in zip(df["x"], df["y"], strict=True)
    left, right = (torch_grads(reference, x=corner + step)[1]["x"].item() for step in (-1.0, 1.0))
    step = (MOST.stop - MOST.start) / (MOST.count - 1)
    near = {y for x, y in zip(df["x"], df["y"], strict=True) if abs(x - corner) <= step}
    assert {left, right} <= near


def test_relu_over_the_labs_range_says_pytorch_returns_0_at_the_kink():
    (plot,) = plots("torch.relu(x)", {"x": Range(-10, 10, 401)}, WINDOW)
    (note,) = plot.notes
    assert "kink at x = 0" in note and "PyTorch returns 0 by convention" in note


def test_sqrt_over_negatives_says_the_slope_is_undefined_and_leaves_gaps_in_both_curves():
    (plot,) = plots("sqrt(x)", {"x": 2.0}, WINDOW)
    (note,) = plot.notes
    assert "nan" in note and "undefined" in note
    for starts in ("y = sqrt(x)", "dy/dx"):
        for trace in (_trace(plot, starts), _points(plot, starts)):
            assert all(y is None for x, y in zip(trace["x"], trace["y"], strict=True) if x < 0)
            assert any(y is None for y in trace["y"])  # the line breaks: nothing is drawn over the negatives
    points = _points(plot, "dy/dx")
    positive = [(x, y) for x, y in zip(points["x"], points["y"], strict=True) if x > 0]
    assert [y for _, y in positive] == pytest.approx([0.5 / math.sqrt(x) for x, _ in positive], rel=1e-4)
    json.dumps(plot.figure, allow_nan=False)  # no NaN reaches the browser's JSON


def test_sqrts_undefined_slope_is_reported_on_the_grid_not_at_float32s_linspace_artefact():
    grid = torch.linspace(WINDOW.start, WINDOW.stop, WINDOW.count)  # float32, as the page computes
    x = grid.clone().requires_grad_(True)
    torch.sqrt(x).sum().backward()
    undefined = grid[~torch.isfinite(x.grad)]
    assert undefined[-1].item() != 0  # float32's linspace holds -1.49e-07 where the grid means 0
    (plot,) = plots("sqrt(x)", {"x": 2.0}, WINDOW)
    (note,) = plot.notes
    assert f"nan at {undefined.numel()} points from x = {undefined[0].item():g} to 0:" in note
    assert "e-0" not in note


def test_a_short_range_marks_its_points_on_the_function_and_on_its_derivative():
    (plot,) = plots("x ** 2", {"x": Range(-10, 10, 10)}, WINDOW)
    marked = [trace for trace in plot.figure["data"] if trace["mode"] == "markers" and trace["marker"].get("size")
              and trace["marker"].get("opacity", 1) > 0]
    assert len(marked) == 2
    xs = torch.linspace(-10, 10, 10).tolist()
    for trace in marked:
        assert trace["x"] == pytest.approx(xs, abs=1e-5)


def test_sum_trick_over_a_range_plots_the_terms_against_2x_as_the_lab_does():
    (plot,) = plots("torch.sum(x ** 2)", {"x": Range(-10, 10, 10)}, WINDOW)
    f, df = _points(plot, "x ** 2"), _points(plot, "dy/dx")
    assert "the terms of the sum" in f["name"]
    xs = torch.linspace(-10, 10, 10, dtype=torch.float64).tolist()
    assert f["x"] == pytest.approx(xs) and df["x"] == pytest.approx(xs)
    assert f["y"] == pytest.approx([x**2 for x in xs], rel=1e-5)
    assert df["y"] == pytest.approx([2 * x for x in xs], rel=1e-5)
    assert df["marker"].get("opacity", 1) > 0  # ten points: each is shown, as the lab's plot shows them


@pytest.mark.parametrize("text", ["torch.mean(x**2)", "max(x)", "min(x ** 2)", "torch.sum(x) * x", "x - mean(x)"])
def test_a_function_that_mixes_the_points_into_one_value_gives_no_curve(text):
    assert plots(text, {"x": 2.0}, WINDOW) == ()
    assert curve(text, {"x": 2.0}, "x", WINDOW) is None


@pytest.mark.parametrize("text", ["x**2", "torch.sum(x**2)", "torch.sum(x) * x", "x * torch.max(x)", "x - mean(x)",
                                  "torch.relu(x)", "SQ(x)", "u * x", "torch.sum(u * x)", "u * mean(x)"])
def test_the_main_plot_and_the_second_derivative_plot_agree_on_what_is_a_curve(text):
    points = {"x": 1.0, "u": 2.0} if "u" in text else {"x": 1.0}
    assert (curve(text, points, "x", WINDOW) is None) == (second_derivative_plot(text, points, "x", WINDOW) is None)


def test_a_function_that_mixes_the_grids_points_gives_no_contour():
    found = plots("u*v + torch.mean(u)", {"u": 1.0, "v": 2.0}, WINDOW)
    assert [(p.kind, p.variables) for p in found] == [("curve", ("v",))]  # u's curve and the grid mix; v's does not


def test_two_variables_give_a_curve_each_and_one_contour_with_the_partials_as_tangent_slopes(torch_grads):
    _, grads = torch_grads(lambda u, v: u * v + u**2, u=1.0, v=2.0)
    found = plots("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    assert [(p.kind, p.variables) for p in found] == [("curve", ("u",)), ("curve", ("v",)), ("contour", ("u", "v"))]
    for plot in found[:2]:
        (variable,) = plot.variables
        assert _names(plot)[1] == f"∂f/∂{variable} (autograd)"
        (x0, x1), (y0, y1) = _trace(plot, "tangent")["x"], _trace(plot, "tangent")["y"]
        assert (y1 - y0) / (x1 - x0) == pytest.approx(grads[variable].item())


def test_the_plots_of_two_variables_run_pytorch_once_at_the_chosen_point(monkeypatch):
    # both tangents and the contour's red arrow need f and its partials there: one run gives them all
    runs = []
    monkeypatch.setattr("explorer.compute.curves.run_live",
                        lambda text, at, *rest: runs.append(at) or run_live(text, at, *rest))
    assert len(plots("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)) == 3
    at_the_point = [at for at in runs if not any(isinstance(p, Range) for p in at.values())]
    assert at_the_point == [{"u": 1.0, "v": 2.0}]
    assert len(runs) == 4  # and one over each curve's range and one over the contour's grid


@pytest.mark.parametrize(("text", "at"), [
    ("u*v + (u*v)**2", {"u": 2.0, "v": 1.0}),
    ("abs(u) * sin(v)", {"u": 0.5, "v": 0.0}),  # a kink
    ("sqrt(u) + 1/v", {"u": 1.0, "v": 2.0}),  # gaps
])
@pytest.mark.parametrize("show_derivative", [True, False])
def test_the_curves_of_several_variables_are_drawn_as_each_alone(text, at, show_derivative):
    # plots thins all the curves' lines in one pass: the same lines as one curve at a time
    found = plots(text, at, WINDOW, show_derivative=show_derivative)
    for variable, plot in zip(at, found, strict=False):
        alone = curve(text, at, variable, WINDOW, show_derivative=show_derivative)
        assert plot.figure == alone.figure and plot.notes == alone.notes


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
    assert abs(du * gv - dv * gu) <= 1e-5 * math.hypot(du, dv) * math.hypot(gu, gv)  # parallel
    assert du * gu + dv * gv > 0  # and the same way, uphill
    assert _trace(plot, "(u, v) = (1, 2)")["x"] == [1.0]


def test_the_contour_shows_f_on_the_grid_with_u_across_and_v_up():
    plot = contour("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    surface = plot.figure["data"][0]
    axis = surface["x"]
    assert surface["y"] == axis and axis[0] == WINDOW.start and axis[-1] == WINDOW.stop
    for row, v in zip(surface["z"], axis, strict=True):  # z is indexed [v][u]
        assert row == pytest.approx([u * v + u**2 for u in axis], rel=1e-5, abs=1e-4)
    # light where f is low, dark where it is high, as Plotly's Python names "Blues"
    assert surface["colorscale"][0] == [0.0, "rgb(247,251,255)"] and surface["colorscale"][-1] == [1.0, "rgb(8,48,107)"]


def test_every_gradient_arrow_of_the_contour_points_along_the_closed_form_gradient():
    plot = contour("u*v + u**2", {"u": 1.0, "v": 2.0}, WINDOW)
    (arrows,) = [trace for trace in plot.figure["data"] if trace.get("name") == "gradient"]
    xs, ys = arrows["x"], arrows["y"]
    assert len(xs) >= 3 * 9 * 9 - 3 * 9  # about a 9 x 9 field of arrows
    for i in range(0, len(xs), 3):  # tail, head, gap: each arrow is centred on the point of its gradient
        u, v, du, dv = (xs[i] + xs[i + 1]) / 2, (ys[i] + ys[i + 1]) / 2, xs[i + 1] - xs[i], ys[i + 1] - ys[i]
        gu, gv = v + 2 * u, u
        assert abs(du * gv - dv * gu) <= 1e-5 * math.hypot(du, dv) * math.hypot(gu, gv)  # parallel, to 1e-5 rad
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
        names = " ".join(str(trace.get("name", "")) for trace in plot.figure["data"])
        assert "autograd" not in names and "tangent" not in names and "gradient" not in names
        assert plot.notes == ()


# -- what reaches the browser --------------------------------------------------------------------


@pytest.mark.parametrize(("text", "at"), [
    ("x**2", {"x": 2.0}),
    ("torch.relu(x)", {"x": 2.0}),
    ("u*v + u**2", {"u": 1.0, "v": 2.0}),
])
def test_the_figures_of_a_401_point_window_stay_a_modest_payload(text, at):
    found = plots(text, at, WINDOW)
    total = sum(len(_sent(plot)) for plot in found)
    assert 0 < total < 150_000


@pytest.mark.parametrize(("text", "at"), [
    ("x**2", {"x": 2.0}),
    ("torch.relu(x)", {"x": 2.0}),
    ("torch.relu(x)", {"x": MOST}),  # the lab's relu cell, over the finest range
    ("torch.sin(x)*x", {"x": 2.0}),
    ("1/x", {"x": 2.0}),
    ("log(x)", {"x": 2.0}),
])
def test_the_f_and_f_prime_figure_at_the_most_points_is_at_most_300_kb(text, at):
    (plot,) = plots(text, at, MOST)
    assert len(_sent(plot)) <= 300_000


@pytest.mark.parametrize(("text", "window", "pole"), [
    ("1/x", Range(-8, 8, 8_193), 0.0),  # a step of 2**-9: x = 0 is a point, inf there, finite on both sides
    ("log(x)", MOST, None),  # nan for x < 0, -inf at 0 if it is a point
    ("sqrt(1 - x**2)", MOST, None),  # nan outside [-1, 1]: a gap on each side
])
def test_nan_and_inf_stay_gaps_and_the_points_beside_them_are_drawn_exactly(text, window, pole):
    (plot,) = plots(text, {"x": 0.5}, window)
    oracle = explore(text, {"x": window})
    xs, f = np.array(oracle.graph.tensors[0].data), np.array(oracle.value)
    line = _trace(plot, "y = ")
    drawn = dict(zip(line["x"], line["y"], strict=True))
    finite = np.isfinite(f)
    edges = np.flatnonzero(finite[1:] != finite[:-1])
    assert edges.size
    for i in edges:  # the finite point on each side of a gap is drawn at its exact value, and a None breaks the line
        inside, outside = (i, i + 1) if finite[i] else (i + 1, i)
        x_in = float(np.float32(xs[inside]))
        assert any(abs(x - x_in) < 1e-6 and y == pytest.approx(f[inside], rel=1e-6) for x, y in drawn.items())
    assert None in line["y"]
    assert all(y is None for x, y in drawn.items() if not np.isfinite(f[np.abs(xs - x).argmin()]))
    if pole is not None:
        assert drawn[pole] is None


def test_a_straight_line_is_sent_as_a_handful_of_points_yet_answers_a_click_anywhere():
    (plot,) = plots("2*x + 1", {"x": 2.0}, MOST)
    for starts in ("y = 2*x + 1", "dy/dx"):
        line = _trace(plot, starts)
        assert len(line["x"]) <= 4  # the two ends and the chosen point
        assert line["y"] == pytest.approx([2 * x + 1 if starts.startswith("y") else 2 for x in line["x"]])
    points = _points(plot, "y = 2*x + 1")
    assert np.diff(points["x"]).max() <= 1.01 * (MOST.stop - MOST.start) / 200  # every tenth along the window
    assert points["x"][0] == MOST.start and points["x"][-1] == MOST.stop
    assert points["y"] == pytest.approx([2 * x + 1 for x in points["x"]], rel=1e-6, abs=1e-5)


@pytest.mark.parametrize(("text", "at"), [("x**2", {"x": 2.0}), ("u*v + u**2", {"u": 1.0, "v": 2.0})])
def test_invisible_points_that_answer_hover_and_click_are_not_drawn_one_by_one(text, at):
    # Plotly answers hover and click from a trace's data; every drawn marker is an SVG element redrawn on each
    # change, so the invisible ones ask for one drawn marker however many points they hold
    for plot in plots(text, at, MOST):
        invisible = [t for t in plot.figure["data"] if t.get("mode") == "markers" and t["marker"].get("opacity") == 0]
        assert invisible and all(len(t["x"]) > 100 for t in invisible)
        assert all(t["marker"]["maxdisplayed"] == 1 for t in invisible)


# functions with straight pieces, corners, poles, gaps and fast wiggles; the window and count drawn by hypothesis
SHAPES = ["{a}*x**2 + {b}", "sin({a}*x)", "exp(x/{a})", "torch.relu(x - {b})", "abs(x - {b}) * {a}", "1/(x - {b})",
          "sqrt(x - {b})", "log(x*x + {a})", "x**3 - {a}*x", "where(x > {b}, {a}, x)", "tanh({a}*x) + {b}*x"]


def _drawn(line: dict) -> tuple[np.ndarray, np.ndarray]:
    return np.array(line["x"], dtype=float), np.array([math.nan if y is None else y for y in line["y"]], dtype=float)


def _assert_within_tolerance(xs: np.ndarray, ys: np.ndarray, line: dict, width: float) -> None:
    """Every computed point lies within TOLERANCE of the drawn line, in shares of the plot's width and of the curve's
    height (the axis spans at least that height); every nan or inf lies in a gap of the line."""
    lx, ly = _drawn(line)
    finite = np.isfinite(ys)
    height = np.ptp(ys[finite]) if finite.any() else 0.0
    height = height or (float(np.abs(ys[finite]).max()) if finite.any() else 0.0) or 1.0
    # a drawn x is rounded by far less than a tenth of TOLERANCE: a nan just past a gap's first vertex is in the gap
    k = np.clip(np.searchsorted(lx, xs + TOLERANCE * width / 10, side="right") - 1, 0, lx.size - 1)
    assert (~np.isfinite(ly[k]) | ~np.isfinite(ly[np.minimum(k + 1, lx.size - 1)]))[~finite].all(), \
        "a nan or inf point is drawn over"
    # each finite point's distance to the line: the nearest of the drawn segments and vertices around it
    px, py, vx, vy = (xs - xs[0]) / width, ys / height, (lx - xs[0]) / width, ly / height
    k = np.searchsorted(lx, xs)
    distance = np.full(xs.size, np.inf)
    for j in (k - 2, k - 1, k, k + 1):  # segment j runs from vertex j to vertex j + 1; a lone vertex is drawn too
        a, b = np.clip(j, 0, lx.size - 1), np.clip(j + 1, 0, lx.size - 1)
        dx, dy = vx[b] - vx[a], vy[b] - vy[a]
        with np.errstate(invalid="ignore", divide="ignore"):
            t = np.clip(((px - vx[a]) * dx + (py - vy[a]) * dy) / np.where(dx * dx + dy * dy > 0, dx * dx + dy * dy, 1),
                        0, 1)
            near = np.hypot(px - vx[a] - t * dx, py - vy[a] - t * dy)
        distance = np.fmin(distance, np.where(np.isfinite(near), near, np.inf))
    assert np.isfinite(distance[finite]).all(), "a computed point is left in a gap"
    # plus the rounding of the 7 significant digits sent, which a nearly flat curve far from 0 can show
    rounding = 1e-6 * float(np.abs(ys[finite]).max(initial=0.0)) / height
    assert distance[finite].max(initial=0.0) <= TOLERANCE + rounding


@settings(max_examples=40, deadline=None, derandomize=True)  # the same cases on every run, in CI too
@example(shape="tanh({a}*x) + {b}*x", a=3.0, b=-2.5, start=-6, length=1, count=2, dtype="float64")  # f' nearly flat
@example(shape="1/(x - {b})", a=1.0, b=-2.5, start=-3, length=8, count=193, dtype="float32")  # inf at one point
@example(shape="sqrt(x - {b})", a=1.0, b=0.3, start=-2, length=4, count=MAX_POINTS, dtype="float64")
@example(shape="abs(x - {b}) * {a}", a=0.5, b=0.0, start=-1, length=2, count=223, dtype="float32")
@given(shape=st.sampled_from(SHAPES), a=st.sampled_from([0.5, 1.0, 3.0, 20.0]),
       b=st.sampled_from([-2.5, 0.0, 0.3, 1.0]), start=st.integers(-20, 0), length=st.integers(1, 30),
       count=st.integers(2, MAX_POINTS), dtype=st.sampled_from(["float32", "float64"]))
def test_every_computed_point_lies_within_the_tolerance_of_the_thinned_line(shape, a, b, start, length, count, dtype):
    text = shape.format(a=a, b=b)
    window = Range(float(start), float(start + length), count)
    plot = curve(text, {"x": float(start) + length / 3}, "x", window, dtype=dtype)
    oracle = explore(text, {"x": window}, dtype=dtype)  # the undecimated autograd data
    xs = np.array(oracle.graph.tensors[0].data, dtype=float)
    f, df = np.array(oracle.value, dtype=float), np.array(oracle.grad["x"], dtype=float)
    _assert_within_tolerance(xs, f, _trace(plot, "y = "), length)
    _assert_within_tolerance(xs, df, _trace(plot, "dy/dx"), length)
    assert len(_sent(plot)) <= 300_000 or count > 4_000  # only a fast wiggle over thousands of points is larger


def test_the_plot_html_download_carries_plotly_js_inline_once_and_loads_nothing_from_outside():
    # a classroom without internet, or a file saved for later: the download must draw with no network (the
    # browser test tests/test_share_browser.py opens it offline); three plots share one copy of the bundle
    built = plots("f = u * v + u ** 2", {"u": 1.0, "v": 2.0}, WINDOW)
    page = html(built)
    bundle = (STATIC / PLOTLY_BUNDLE).read_text(encoding="utf-8")
    assert len(built) == 3 and page.count('class="plotly-graph-div"') == 3
    assert page.count(bundle[:200]) == 1
    assert not re.search(r"<script[^>]*\bsrc=|https?://", page.replace(bundle, "")), "nothing fetched"
    assert len(page.encode()) < len(bundle.encode()) + 500_000, "the bundle and the figures, nothing more"


@pytest.mark.parametrize("at", [{"u": 1.0, "v": 2.0}, {"u": 10.0, "v": 10.0}, {"u": -10.0, "v": 9.5}])
def test_every_gradient_arrow_stays_on_the_contour(at):
    plot = contour("u*v + u**2", at, WINDOW)
    field = [trace for trace in plot.figure["data"] if trace.get("name") == "gradient"]
    chosen = [trace for trace in plot.figure["data"] if str(trace.get("name", "")).startswith("gradient at ")]
    assert len(field) == len(chosen) == 1
    for name, arrows in (("the field", field[0]), ("the chosen point's arrow", chosen[0])):
        reach = [c for c in arrows["x"] + arrows["y"] if c is not None]
        assert WINDOW.start <= min(reach) and max(reach) <= WINDOW.stop, f"{name} leaves the coloured area"
