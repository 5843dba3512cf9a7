"""One page of the app, built from its state: every panel's data, hidden grads for practice, and caching."""

from __future__ import annotations

import ast
import dataclasses
import json
import pickle

import pytest
from hypothesis import given, reject, settings
from hypothesis import strategies as st

from explorer import ExpressionError
from explorer.compute.build import build, further, step_view
from explorer.content.lessons import LESSONS, lesson
from explorer.language.functions import FUNCTIONS
from explorer.language.points import Range
from explorer.model.page import TOPICS
from explorer.model.state import PageState

LAB = PageState(function="y = x ** 2", points=(("x", "2"),))
_PRINTOUT = ("tensor", "data", "grad", "grad_fn", "is_leaf", "requires_grad")  # what the lab prints per tensor


def _rows(page) -> dict[str, dict]:
    return {row["tensor"]: row for row in page.rows}


def _trace_names(page) -> list[str]:
    return [str(trace.get("name", "")) for plot in page.plots for trace in plot.figure["data"]]


def _lesson_state(key: str) -> PageState:
    chosen = lesson(key)
    state = PageState(function=chosen.function, lesson=key)
    for variable, typed in chosen.points:
        state = state.with_point(variable, typed)
    return state


@pytest.fixture(scope="module")
def lab_page():
    return build(LAB)


def test_the_labs_page_has_its_gradient_and_pow_backward_in_the_graph(lab_page, torch_grads):
    _, truth = torch_grads(lambda x: x**2, x=2.0)
    assert lab_page.result.grad == {"x": truth["x"].item()} == {"x": 4.0}
    assert "PowBackward0" in lab_page.dot and "grad 4" in lab_page.dot


def test_the_labs_page_draws_both_graph_views_as_svg(lab_page, dot_program, svg_ids):
    assert lab_page.render_problem == ""
    assert {t.id for t in lab_page.result.graph.tensors} <= svg_ids(lab_page.svg)
    assert lab_page.torchviz_svg is None and lab_page.result.torchviz_dot is None  # made only when that view is open
    torchviz_page = build(dataclasses.replace(LAB, view="torchviz"))
    assert "<svg" in torchviz_page.torchviz_svg and "PowBackward0" in torchviz_page.torchviz_svg


def test_the_labs_page_table_has_the_labs_printout_for_x_and_y(lab_page):
    rows = _rows(lab_page)
    assert all(set(_PRINTOUT) <= set(row) for row in lab_page.rows)
    assert {k: rows["x"][k] for k in _PRINTOUT} == {"tensor": "x", "data": "2", "grad": "4", "grad_fn": "None",
                                                    "is_leaf": True, "requires_grad": True}
    assert {k: rows["y"][k] for k in _PRINTOUT[1:]} == {"data": "4", "grad": "1", "grad_fn": "PowBackward0",
                                                       "is_leaf": False, "requires_grad": True}


def test_the_labs_page_has_a_plot_a_runnable_script_and_the_graph_in_words(lab_page):
    (plot,) = lab_page.plots
    assert plot.kind == "curve" and "dy/dx (autograd)" in _trace_names(lab_page)
    ast.parse(lab_page.script)
    assert "\ny = x ** 2\n" in lab_page.script and "y.backward()" in lab_page.script
    assert "PowBackward0" in lab_page.text and "tensor x: data 2, grad 4" in lab_page.text
    assert lab_page.comparisons == ()


def test_a_two_variable_page_has_both_partials_and_a_contour():
    page = build(_lesson_state("partial"))
    assert page.result.grad == {"u": 4.0, "v": 1.0}
    assert [plot.kind for plot in page.plots] == ["curve", "curve", "contour"]


@pytest.mark.parametrize("state", [
    PageState(function="y = 2 * x ** 3 + x", points=(("x", "1"),)),
    PageState(function="f = u * v + (u * v) ** 2", points=(("u", "2"), ("v", "1"))),
    PageState(function="Y = torch.relu(x)", points=(("x", "-10:10:1000"),)),
], ids=["cubic", "partial", "relu over a range"])
def test_hidden_grads_show_question_marks_everywhere_a_grad_would_show(state):
    shown, hidden = build(state), build(state, hide_grads=True)
    assert hidden.result.grad == shown.result.grad  # still there, for checking the answer
    for row in hidden.rows:
        assert row["grad"] == ("?" if row["requires_grad"] else "None")
    assert "grad ?" in hidden.dot and "grad ?" in hidden.text
    for row in shown.rows:
        if row["requires_grad"]:
            assert f"grad {row['grad']}" not in hidden.dot and f"grad {row['grad']}," not in hidden.text
    assert hidden.plots and not any("autograd" in name or "tangent" in name or "gradient" in name
                                    for name in _trace_names(hidden))
    assert all(plot.notes == () for plot in hidden.plots)


@pytest.mark.parametrize("key", [each.key for each in LESSONS if each.question])
def test_a_practice_page_with_hidden_grads_never_shows_the_answer(key):
    chosen = lesson(key)
    page = build(_lesson_state(key), hide_grads=True)
    answer = f"{page.result.grad[chosen.question.variable]:g}"
    assert answer in {"7", "5"}
    shown = [page.dot, page.text, *(row["grad"] for row in page.rows), *_trace_names(page),
             *(note for plot in page.plots for note in plot.notes)]
    assert not any(f"grad {answer}" in text or text == answer for text in shown)


@pytest.mark.parametrize("key", [each.key for each in LESSONS])
def test_every_lessons_page_builds(key):
    chosen = lesson(key)
    page = build(_lesson_state(key), hide_grads=chosen.question is not None)
    assert page.result.expression == chosen.function
    assert page.plots and page.script and page.rows


@pytest.mark.parametrize(("x", "grads"), [("2", ["4", "4", "12"]), ("3", ["6", "6", "18"])])
def test_the_sq_lesson_compares_sq_with_the_chain_rule_broken_and_fixed_at_the_chosen_x(x, grads, torch_grads):
    page = build(_lesson_state("custom-function").with_point("x", x))
    truth = [torch_grads(fn, x=float(x))[1]["x"].item() for fn in (lambda x: x**2, lambda x: 3 * x**2)]
    assert [c.function for c in page.comparisons] == list(lesson("custom-function").compare)
    assert [c.grad for c in page.comparisons] == grads
    assert [float(g) for g in grads] == [truth[0], truth[0], truth[1]]  # 3*SQ(x) keeps SQ's own 2x: wrong
    assert [c.value for c in page.comparisons] == [f"{float(x) ** 2:g}", f"{3 * float(x) ** 2:g}",
                                                   f"{3 * float(x) ** 2:g}"]


@pytest.mark.parametrize("window", ["5", "a:b:c", "-1:1:0", "1:2", "-10:10:99999"])
def test_a_bad_plot_range_is_refused_with_an_expression_error(window):
    with pytest.raises(ExpressionError):
        build(PageState(window=window))


@pytest.mark.parametrize("function", ["x +* 2", "import os", "__import__('os').system('true')", "q ** 2", ""])
def test_a_bad_function_is_refused_with_an_expression_error(function):
    with pytest.raises(ExpressionError):
        build(PageState(function=function))


def test_an_absent_device_is_refused_with_an_expression_error():
    with pytest.raises(ExpressionError):
        build(PageState(device="tpu"))


def test_a_page_pickles_as_the_apps_cache_stores_it(lab_page):
    assert pickle.loads(pickle.dumps(lab_page)) == lab_page
    hidden = build(_lesson_state("practice-partial"), hide_grads=True)
    assert pickle.loads(pickle.dumps(hidden)) == hidden


def test_a_page_with_nan_values_pickles_and_its_plots_are_json():
    page = build(PageState(function="sqrt(x)"))
    again = pickle.loads(pickle.dumps(page))
    assert (again.dot, again.rows, again.script) == (page.dot, page.rows, page.script)
    for plot in page.plots:
        json.dumps(plot.figure, allow_nan=False)


def test_a_long_typed_graph_is_drawn_folded_and_whole_as_text(dot_program):
    page = build(PageState(function="x" + "*x" * 240, points=(("x", "2"),)))
    assert page.svg is not None and page.render_problem == ""
    assert "more steps of MulBackward0" in page.svg and "more steps of MulBackward0" in page.folding.note
    assert sum(len(f.nodes) for f in page.folding.folds) > 200, "the note counts what the box stands for"
    node_lines = [line.split()[1].rstrip(";") for line in page.text.splitlines() if line.startswith("n")]
    assert node_lines.count("MulBackward0") == 240


def test_a_long_function_plots_on_fewer_points_instead_of_failing():
    page = build(PageState(function="x" + "*x" * 240, points=(("x", "2"),), window="-1:1:10000"))
    (curve,) = page.plots
    assert 2 <= len(curve.figure["data"][0]["x"]) < 10_000


def _count_runs(monkeypatch) -> dict[str, list]:
    """Every backward PyTorch runs (Tensor.backward, autograd.grad) and every forward run of the typed function."""
    import torch

    import explorer.compute.curves
    import explorer.compute.explore

    runs: dict[str, list] = {"backward": [], "grad": [], "forward": []}
    backward, grad, run_live = torch.autograd.backward, torch.autograd.grad, explorer.compute.explore.run_live
    monkeypatch.setattr(torch.autograd, "backward", lambda *a, **k: runs["backward"].append(1) or backward(*a, **k))
    monkeypatch.setattr(torch.autograd, "grad", lambda *a, **k: runs["grad"].append(1) or grad(*a, **k))

    def counted(expression, at, *rest):
        runs["forward"].append(dict(at))
        return run_live(expression, at, *rest)

    monkeypatch.setattr(explorer.compute.explore, "run_live", counted)
    monkeypatch.setattr(explorer.compute.curves, "run_live", counted)
    return runs


@pytest.mark.parametrize(("function", "points", "curves"), [
    ("x**2 + 2*x + 1", (("x", "2"),), 1),
    ("u*v + u**2", (("u", "1"), ("v", "2")), 3),  # a curve along u, one along v, the contour's grid
])
def test_a_page_runs_its_function_through_pytorch_once_at_the_point_and_once_per_plot(monkeypatch, function,
                                                                                      points, curves):
    """The graph, the values, the grads and the player's steps all come from one backward; plots run on their window."""
    runs = _count_runs(monkeypatch)
    page = build(PageState(function=function, points=points))
    assert page.playback.steps and page.result.grad
    at_the_point = [at for at in runs["forward"] if not any(isinstance(p, Range) for p in at.values())]
    assert len(at_the_point) == 1, runs["forward"]
    assert len(runs["backward"]) == 1  # the exploration and the player share it
    assert len(runs["forward"]) == 1 + curves
    assert len(runs["grad"]) == curves


# -- every function the language accepts, every deeper view, both dtypes: answers or refusals, nothing else ------

_FUZZ_LEAVES = st.one_of(st.sampled_from(["x", "x", "u", "pi", "0", "1", "2", "-1", "0.5"]))
_FUZZ_UNARY = sorted(name for name, f in FUNCTIONS.items() if f.arity[0] == 1)


def _fuzz_extend(children):
    return st.one_of(
        st.builds(lambda op, a, b: f"({a} {op} {b})", st.sampled_from(["+", "-", "*", "/", "**"]), children, children),
        st.builds(lambda f, a: f"{f}({a})", st.sampled_from(_FUZZ_UNARY), children),
        st.builds(lambda f, a, b: f"{f}({a}, {b})", st.sampled_from(["pow", "max", "min"]), children, children),
        st.builds(lambda a, lo: f"clamp({a}, min={lo})", children, st.sampled_from(["0", "-1", "0.5"])),
        st.builds(lambda rel, a, b, c: f"where({a} {rel} 0, {b}, {c})", st.sampled_from([">", "<", ">=", "<="]),
                  children, children, children),
    )


@settings(max_examples=80, deadline=None)
@given(function=st.recursive(_FUZZ_LEAVES, _fuzz_extend, max_leaves=5),
       x=st.sampled_from(["0", "1", "-1", "0.5", "-2:2:5"]), u=st.sampled_from(["0", "2", "-0.5"]),
       dtype=st.sampled_from(["float32", "float64"]))
def test_every_view_of_any_accepted_function_answers_or_refuses(function, x, u, dtype):
    # a zero or undefined derivative (a ZeroTensor, a grad never allocated) is a real answer: zero
    state = PageState(function=function, points=(("u", u), ("x", x)), dtype=dtype)
    try:
        page = build(state)
    except ExpressionError:
        reject()
    if page.playback.steps:
        step_view(page, len(page.playback.steps))
    for topic in TOPICS:
        try:
            further(state, topic)
        except ExpressionError:
            pass


@pytest.mark.parametrize(("function", "dtype", "topic"), [
    ("abs(x)", "float32", "derivative-graph"),  # d2/dx2 |x| is never allocated: tolist() on unallocated storage
    ("abs(x)", "float64", "second"),  # f'' of |x| is a ZeroTensor in float64
    ("relu(x)", "float64", "second"),
])
def test_a_zero_second_derivative_is_shown_as_zero(function, dtype, topic):
    view = further(PageState(function=function, dtype=dtype), topic)
    if view.derivative is not None:
        assert view.derivative.graph.nodes
    else:
        second = view.plot.figure["data"][2]["y"]
        assert set(second) == {0}
