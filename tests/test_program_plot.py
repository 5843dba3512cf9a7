"""The lab's plt calls as Plotly figures: what the notebook's plot shows."""

from __future__ import annotations

from explorer import run_program
from explorer.content.lab_cells import lab_program
from explorer.draw.program_plot import figures
from explorer.model.program_run import PlotCall


def test_the_labs_relu_cell_draws_relu_and_its_derivative_against_x():
    run = run_program(lab_program("relu"))
    (figure,) = figures(run.plots)
    function, derivative = figure["data"]
    assert (function["name"], derivative["name"]) == ("function", "derivative")
    assert len(function["x"]) == 1000 and function["y"][0] == 0 and function["y"][-1] == 10
    assert derivative["y"][0] == 0 and derivative["y"][-1] == 1
    assert figure["layout"]["xaxis"]["title"]["text"] == "x" and figure["layout"]["showlegend"]


def test_each_show_ends_a_figure_and_a_bare_show_draws_nothing():
    calls = [PlotCall(1, "plot", ([1, 2, 3],), ()), PlotCall(2, "show", (), ()), PlotCall(3, "show", (), ()),
             PlotCall(4, "scatter", ([0, 1], [1, 0]), ()), PlotCall(5, "title", ("two",), ())]
    first, second = figures(calls)
    assert first["data"][0]["x"] == [0, 1, 2] and first["data"][0]["y"] == [1, 2, 3]  # y alone: x is its index
    assert second["data"][0]["mode"] == "markers" and second["layout"]["title"]["text"] == "two"
    assert not first["layout"]["showlegend"]  # no legend asked for, none drawn


def test_nan_and_inf_are_gaps_as_matplotlib_draws_them():
    (figure,) = figures([PlotCall(1, "plot", ([0, 1, 2], [1.0, float("nan"), float("inf")]), (("color", "red"),))])
    assert figure["data"][0]["y"] == [1.0, None, None] and figure["data"][0]["line"]["color"] == "red"
