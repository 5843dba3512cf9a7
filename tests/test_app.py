"""The app's panels through Streamlit's AppTest: lessons, errors, practice questions, links."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import threading
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import streamlit as st
import torch
from streamlit.testing.v1 import AppTest

from explorer.content.lessons import LESSONS
from explorer.serve.pool import close_shared
from panels import jobs, session

APP = str(Path(__file__).resolve().parent.parent / "app.py")


def run_app(query: dict[str, str] | None = None) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=120)  # the first run imports torch
    for key, value in (query or {}).items():
        app.query_params[key] = value
    app.run()
    assert not app.exception, app.exception
    return app


def summary(app: AppTest) -> str:
    """The one-line result under the inputs: '`y = x ** 2` → value `4`, x.grad `4`'."""
    return next(m.value for m in app.markdown if "→ value `" in m.value)


def table_rows(app: AppTest, column: str = "requires_grad") -> list[dict]:
    """The rows of the last markdown table with ``column`` (the tensor table by default), as the browser would
    show them."""
    tables = [m.value.splitlines() for m in app.markdown if m.value.startswith("| ")]
    header, rule, *rows = next(t for t in reversed(tables) if column in cells(t[0]))
    assert set(rule) <= set("|- ")
    return [dict(zip(cells(header), cells(row), strict=True)) for row in rows]


def cells(line: str) -> list[str]:
    """A markdown table row's cells, unescaped: the text each cell shows (a no-break space as a space)."""
    return [re.sub(r"\\(.)", r"\1", c.strip()).replace("\u00a0", " ") for c in re.split(r"(?<!\\)\|", line)[1:-1]]


def test_default_page_shows_the_labs_first_derivative():
    app = run_app()
    assert summary(app) == "`y = x ** 2` → value `4`, x.grad `4`"


@pytest.mark.parametrize(
    ("key", "expected"),
    [
        ("derivative", "x.grad `4`"),
        ("attributes", "x.grad `4`"),
        ("polynomial", "x.grad `6`"),
        ("custom-function", "x.grad `4`"),
        ("partial", "u.grad `4`, v.grad `1`"),
        ("sum-trick", "x.grad `[-20 ... 20] (10)`"),
        ("relu", "x.grad `[0 ... 1] (1,000)`"),
    ],
)
def test_each_lesson_opens_with_one_click_and_shows_the_labs_gradient(key, expected):
    app = run_app()
    app.button(key=f"lesson_{key}").click().run()
    assert not app.exception
    chosen = next(lesson for lesson in LESSONS if lesson.key == key)
    assert app.text_input(key="function").value == chosen.function
    assert summary(app).endswith(expected)
    assert any(chosen.title in s.value for s in app.subheader)


def test_attribute_lesson_table_is_the_labs_printout():
    app = run_app()
    app.button(key="lesson_attributes").click().run()
    rows = {row["tensor"]: row for row in table_rows(app)}
    assert rows["x"] == {**rows["x"], "data": "2", "grad": "4", "grad_fn": "None", "is_leaf": "True",
                         "requires_grad": "True"}
    assert rows["y"] == {**rows["y"], "data": "4", "grad": "1", "grad_fn": "PowBackward0", "is_leaf": "False",
                         "requires_grad": "True", "retains_grad": "True"}


@pytest.mark.parametrize(("key", "right", "variable"), [("practice-cubic", "7", "x"), ("practice-partial", "5", "u")])
def test_practice_hides_gradients_until_the_right_answer(key, right, variable):
    app = run_app()
    app.button(key=f"lesson_{key}").click().run()
    assert f"{variable}.grad `?`" in summary(app)
    assert all(row["grad"] in ("?", "None") for row in table_rows(app))
    app.text_input(key=f"answer_{key}").set_value("3.5").run()
    assert any("Not quite" in w.value and "Hint" in w.value for w in app.warning)
    assert f"{variable}.grad `?`" in summary(app)
    app.text_input(key=f"answer_{key}").set_value(right).run()
    assert any("Right" in s.value for s in app.success)
    assert f"{variable}.grad `{right}`" in summary(app)


def test_worked_answer_button_reveals_the_answer_and_the_gradients():
    app = run_app()
    app.button(key="lesson_practice-cubic").click().run()
    app.button(key="reveal_practice-cubic").click().run()
    assert any("6x²" in i.value for i in app.info)
    assert "x.grad `7`" in summary(app)


def test_sq_lesson_shows_gradcheck_failing_for_the_lab_and_passing_for_the_fix():
    app = run_app()
    app.button(key="lesson_custom-function").click().run()
    texts = [m.value for m in app.markdown]
    assert any("gradcheck(SQ.apply" in t and "fails" in t for t in texts)
    assert any("gradcheck(SQFixed.apply" in t and "passes" in t for t in texts)
    assert any("`3*SQ(x)`" in t and "x.grad **4**" in t for t in texts)
    assert any("`3*SQFixed(x)`" in t and "x.grad **12**" in t for t in texts)
    app.button(key="compare_3*SQ(x)").click().run()
    assert summary(app) == "`y = 3*SQ(x)` → value `12`, x.grad `4`"


def test_bad_input_shows_the_message_with_its_column_and_keeps_the_last_good_page():
    app = run_app()
    app.text_input(key="function").set_value("x ** 2 + q").run()
    assert not app.exception
    assert any("unknown variable 'q'" in e.value and "column 10" in e.value for e in app.error)
    assert any(c.value.endswith("\n         ^") for c in app.code)  # the caret under the column
    assert summary(app) == "`y = x ** 2` → value `4`, x.grad `4`"


def test_typing_a_function_and_a_point_updates_everything():
    app = run_app()
    app.text_input(key="function").set_value("f = u*v + (u*v)**2").run()
    app.text_input(key="point_u").set_value("2").run()
    app.text_input(key="point_v").set_value("1").run()
    assert summary(app) == "`f = u*v + (u*v)**2` → value `6`, u.grad `5`, v.grad `10`"


def test_a_link_reopens_its_state():
    app = run_app({"f": "y = x**2 + 2*x + 1", "x": "3", "dtype": "float64", "view": "torchviz"})
    assert app.text_input(key="function").value == "y = x**2 + 2*x + 1"
    assert summary(app) == "`y = x**2 + 2*x + 1` → value `16`, x.grad `8`"
    assert any(c.value == "Every tensor here has shape `()`, dtype `float64`, device `cpu`." for c in app.caption)
    assert app.query_params["x"] in ("3", ["3"])


def test_a_crafted_link_gives_messages_and_a_working_page():
    app = run_app({"f": "__import__('os')", "x": "nan", "device": "tpu", "node": "<script>", "lesson": "../../etc"})
    assert not app.exception
    warnings = " ".join(w.value for w in app.warning)
    assert "value of x was ignored" in warnings and "device" in warnings and "node" in warnings
    assert "lesson" in warnings
    assert any("quotes are not part of the language" in e.value for e in app.error)


def test_torchviz_view_shows_torchviz_drawing():
    app = run_app({"f": "x**2", "view": "torchviz"})
    assert any("torchviz.make_dot" in c.value for c in app.caption)
    assert [e for e in app.main if type(e).__name__ == "Image"], "the torchviz SVG is shown as an image"


@pytest.fixture
def fresh_server():
    """Caches and worker pool dropped before and after: as if the server had just started."""

    def drop() -> None:
        st.cache_data.clear()
        st.cache_resource.clear()
        for cache in jobs.CACHES:
            cache.clear()
        close_shared()

    drop()
    yield
    drop()


def test_without_graphviz_installed_the_browser_draws_the_graph(monkeypatch, fresh_server):
    # a server without Graphviz's dot program (its workers start without it): the browser lays the graph out
    python_only = os.path.dirname(os.path.realpath(os.sys.executable))
    monkeypatch.setenv("PATH", python_only)
    app = run_app({"f": "x**2"})
    charts = app.get("graphviz_chart")
    assert charts and "PowBackward0" in charts[0].proto.spec


def test_backward_player_steps_in_the_engines_order_and_ends_at_x_grad_six():
    app = run_app({"f": "y = x**2 + 2*x + 1"})
    app.button(key="step_first").click().run()
    assert any(m.value == "**Step 1 of 5: `AddBackward0`** (n0)" for m in app.markdown)
    for _ in range(4):
        app.button(key="step_next").click().run()
    assert any(m.value == "**Step 5 of 5: `AccumulateGrad`** (n4)" for m in app.markdown)
    story = next(m.value for m in app.markdown if "AccumulateGrad writes into" in m.value)
    assert "2 \\+ 4 = 6" in story  # the two paths into x, added: escaped as markdown
    assert app.query_params["step"] in ("5", ["5"])
    app.button(key="step_done").click().run()
    assert not any("Step 5 of 5" in m.value for m in app.markdown)


def test_a_link_opens_the_player_at_its_step():
    app = run_app({"f": "y = x**2 + 2*x + 1", "step": "4"})
    assert any(m.value == "**Step 4 of 5: `PowBackward0`** (n2)" for m in app.markdown)


def test_practice_lessons_keep_the_player_closed_so_the_answer_stays_hidden():
    app = run_app()
    app.button(key="lesson_practice-cubic").click().run()
    assert not [b for b in app.button if b.key == "step_first"]


def choose(app: AppTest, topic: str) -> AppTest:
    app.session_state["further"] = topic
    app.run()
    assert not app.exception
    return app


def test_hessian_view_shows_the_second_partials():
    app = choose(run_app({"f": "f = u*v + u**2"}), "hessian")
    (latex,) = app.get("latex")
    assert r"H = \begin{bmatrix} 2 & 1 \\ 1 & 0 \end{bmatrix}" in latex.value


def test_forward_mode_view_gives_each_partial_in_its_own_pass():
    app = choose(run_app({"f": "f = u*v + u**2"}), "forward")
    texts = " ".join(m.value for m in app.markdown)
    assert "reverse mode gives `4`" in texts and "reverse mode gives `1`" in texts
    assert "tangent of the output: `4`" in texts and "tangent of the output: `1`" in texts


def test_derivative_graph_view_draws_the_graph_of_dy_dx():
    app = choose(run_app({"f": "y = x**2"}), "derivative-graph")
    assert any("create_graph=True" in m.value and "`dy/dx` = `4`" in m.value for m in app.markdown)
    assert [e for e in app.main if type(e).__name__ == "Image"]


def test_pitfall_view_shows_pytorchs_own_message():
    app = choose(run_app(), "pitfalls")
    assert any("grad can be implicitly created only for scalar outputs" in c.value for c in app.code)


def test_deeper_views_wait_for_the_practice_answer():
    app = run_app()
    app.button(key="lesson_practice-cubic").click().run()
    app = choose(app, "hessian")
    assert not app.get("latex")
    assert any("Answer the practice question first" in c.value for c in app.caption)


def test_symbols_view_shows_the_formula_beside_autograd_and_a_finite_difference():
    app = choose(run_app({"f": "y = x**2 + 2*x + 1"}), "symbols")
    latex = [item.value for item in app.get("latex")]
    assert any(r"\frac{dy}{dx} = 2 x + 2" in text for text in latex)
    (row,) = table_rows(app, "formula at the point")
    assert row["formula at the point"] == row["autograd (float32)"] == "6"


def test_symbols_view_names_pytorchs_convention_at_a_kink():
    app = choose(run_app({"f": "y = torch.relu(x)", "x": "0"}), "symbols")
    assert any("relu'(0) = 0" in i.value.replace("\\", "") for i in app.info)  # shown with markdown escaped


def test_a_crafted_link_cannot_put_a_link_or_an_image_on_the_page():
    app = run_app({"device": "[Log in](//evil.example)", "plot": "![](//evil.example/p.png)",
                   "x": "[Sign in again](//evil.example/login)"})
    warnings = [w.value for w in app.warning]
    assert len(warnings) == 3
    for text in warnings:
        assert "](" not in text and "\\[" in text  # brackets escaped: markdown shows them as text


def test_moving_off_a_practice_point_ends_the_lesson():
    app = run_app()
    app.button(key="lesson_practice-cubic").click().run()
    app.text_input(key="point_x").set_value("3").run()
    assert not any("Practice" in s.value for s in app.subheader)
    assert summary(app).endswith("x.grad `55`")  # 6x² + 1 at 3, shown now that the question is gone


def test_a_new_function_closes_the_player_and_the_link_follows():
    app = run_app({"f": "y = x**2 + 2*x + 1", "step": "3"})
    assert any("Step 3 of 5" in m.value for m in app.markdown)
    app.text_input(key="function").set_value("y = sin(x)").run()
    assert not any("Step 3 of" in m.value for m in app.markdown)
    assert "step" not in app.query_params


def test_a_visitor_past_the_quota_is_asked_to_wait_without_blaming_the_function_and_keeps_the_last_page(
        monkeypatch):
    from explorer.serve.quota import Quota

    monkeypatch.setattr(jobs, "PACE_SECONDS", 0.01)  # a refusal waits that long first
    app = AppTest.from_file(APP, default_timeout=120)
    app.session_state["quota"] = Quota(rate=0.001, burst=1, least=1)  # one new job, then (nearly) none
    app.query_params["f"] = "x**2 + 11*x"
    app.run()
    assert summary(app).startswith("`y = x**2 + 11*x` → value")
    app.text_input(key="function").set_value("x**2 + 12*x").run()
    assert not app.exception
    # capacity, not input: a warning to wait, and no word that the function was wrong
    assert any("faster than the explorer computes them" in w.value for w in app.warning)
    assert not app.error
    assert not any("last function that worked" in c.value for c in app.caption)
    assert any("the page shown before" in c.value for c in app.caption)
    assert summary(app).startswith("`y = x**2 + 11*x` → value"), "the last good page stays on screen"


def test_a_visitor_past_its_share_of_the_apps_process_waits_for_it_then_sees_the_page_never_a_refusal():
    from explorer.serve.quota import Quota

    app = run_app({"f": "x**2 + 13*x"})
    share = Quota(rate=1.0, burst=1.0, least=0.0)
    share.spend(2.5)  # a second and a half past its share (a script that reran a big page without a pause)
    app.session_state["page_runs"] = share
    started = time.monotonic()
    app.text_input(key="function").set_value("x**2 + 14*x").run()
    assert time.monotonic() - started >= 1.4, "the run waited for the share to come back"
    assert not app.exception and not app.warning
    assert summary(app).startswith("`y = x**2 + 14*x` → value")
    assert app.session_state["page_runs"] is share and share.wait() < 0.5, "and was charged what it took"


def plots(app: AppTest) -> list[dict]:
    """What each plot sends its browser component: the figure as Plotly JSON, the bundle, the label."""
    sent = [json.loads(e.proto.json) for e in app.get("bidi_component") if e.proto.component_name == "autograd_plot"]
    return [data for (data,) in sent]  # one item each (panels/components.py)


def test_the_plots_send_their_figures_to_the_explorers_own_component():
    app = run_app({"f": "f = u * v + u ** 2"})
    assert not app.get("plotly_chart"), "st.plotly_chart would load Streamlit's 4.7 MB Plotly chunk"
    u_curve, v_curve, contour = plots(app)
    names = [trace["name"] for trace in u_curve["figure"]["data"]]
    assert "f = u * v + u ** 2" in names and "∂f/∂u (autograd)" in names and "u = 1" in names
    assert u_curve["label"].startswith("plot of f = u * v + u ** 2, ∂f/∂u (autograd)")
    assert contour["label"].startswith("contour plot of f(u, v) with its gradient")
    assert {trace["type"] for plot in (u_curve, v_curve, contour) for trace in plot["figure"]["data"]} <= {
        "scatter", "contour"}, "the cartesian bundle draws these"
    assert {plot["bundle"] for plot in (u_curve, v_curve, contour)} == {"app/static/plotly-cartesian-4.1.1.min.js"}
    assert u_curve["figure"]["layout"]["height"] == 420 and u_curve["figure"]["layout"]["font"]["size"] == 14


def test_presentation_mode_sends_larger_plots():
    (plot,) = plots(run_app({"f": "y = x ** 2", "present": "1"}))
    assert plot["figure"]["layout"]["height"] == 520 and plot["figure"]["layout"]["font"]["size"] == 20


class _State(dict):
    __getattr__ = dict.__getitem__
    __setattr__ = dict.__setitem__


@pytest.mark.parametrize(("variables", "picked", "points"), [
    (("x",), {"x": 5, "y": 25}, {"x": "5"}),
    (("x",), {"x": 4.98765, "y": None}, {"x": "4.988"}),
    (("u", "v"), {"x": -3.5, "y": 4}, {"u": "-3.5", "v": "4"}),
    (("u", "v"), {"x": -3.5, "y": None}, {}),  # a contour's click needs both
    (("x",), None, {}),
    (("x",), {"x": "5"}, {}),  # numbers only: what the browser sends is not trusted
    (("x",), {"x": True}, {}),
    (("x",), {"x": float("nan")}, {}),
    (("x",), {"x": float("inf")}, {}),
    (("x",), {"x": 10 ** 400}, {}),
    (("x",), ["x", 5], {}),
])
def test_a_click_on_a_plot_moves_the_point_to_numbers_only(monkeypatch, variables, picked, points):
    state = _State(points={}, plot=SimpleNamespace(picked=picked))
    monkeypatch.setattr(session, "st", SimpleNamespace(session_state=state))
    session.pick_point("plot", variables)
    assert state["points"] == points
    assert {k: v for k, v in state.items() if k.startswith("point_")} == {f"point_{k}": v for k, v in points.items()}


# a first page, then the views with tables, in a fresh interpreter: what they imported
_FIRST_PAGES = """
import json, sys
from streamlit.testing.v1 import AppTest
app = AppTest.from_file(sys.argv[1], default_timeout=120)
app.run()
tables = [m.value for m in app.markdown if m.value.startswith("| ")]
for topic in ("symbols", "forward"):
    app.session_state["further"] = topic
    app.run()
    tables += [m.value for m in app.markdown if m.value.startswith("| ")]
assert not app.exception, app.exception
print(json.dumps({"pandas": "pandas" in sys.modules, "tables": [t.splitlines()[0] for t in tables]}))
"""


def test_no_page_imports_pandas():
    # Streamlit imports pandas (0.7 s or more) on the first st.table, or the first component given a dict: the
    # first visitor after a start would wait for it. Tables are markdown, components get their data in a list.
    done = subprocess.run([sys.executable, "-c", _FIRST_PAGES, APP], capture_output=True, text=True, timeout=300,
                          check=False, cwd=Path(APP).parent)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["pandas"] is False
    # the tensor table, the glossary, the symbols view's partials, the forward passes' steps were all drawn
    headers = set(report["tables"])
    assert any("requires_grad" in h for h in headers) and any("backward (local derivative)" in h for h in headers)
    assert any("formula at the point" in h for h in headers) and any("tangent" in h for h in headers)


def _undeclared_keys(app: AppTest) -> list[str]:
    from panels.session import PER_ITEM, STATE, WIDGETS

    return [key for key in app.session_state
            if key not in STATE and key not in WIDGETS and not key.startswith(PER_ITEM)]


def test_every_session_key_a_visit_leaves_is_named_in_panels_session():
    """Lessons, a practice answer, the player, a deeper view and a two-variable page touch every panel's state."""
    app = run_app({"f": "u*v + u**2"})
    app.button(key="lesson_practice-cubic").click().run()
    app.text_input(key="answer_practice-cubic").set_value("1").run()
    app.button(key="lesson_polynomial").click().run()
    app.button(key="step_first").click().run()
    app.button(key="step_next").click().run()
    choose(app, "pitfalls")
    assert not app.exception
    assert _undeclared_keys(app) == []


def test_the_key_check_catches_a_key_named_nowhere():
    app = run_app()
    app.session_state["stray"] = 1
    assert _undeclared_keys(app) == ["stray"]


def test_a_busy_explorer_asks_to_try_again_and_never_says_the_function_was_wrong(monkeypatch, fresh_server):
    """Capacity is not bad input: with the one worker held by another visitor's long job, the page waits, then
    says it is busy, as a warning, and keeps the page it showed."""
    from explorer.model.state import PageState
    from explorer.serve.pool import shared

    monkeypatch.setenv("EXPLORER_WORKERS", "1")
    monkeypatch.setenv("EXPLORER_WAIT_SECONDS", "0.5")
    app = run_app({"f": "x**2 + 21*x"})
    assert summary(app).startswith("`y = x**2 + 21*x` → value")
    deep = "x"
    for _ in range(150):  # sympy works on this for its whole time limit: the one worker stays busy for seconds
        deep = f"sin({deep})"
    held = threading.Thread(target=shared().run, args=("further", PageState(function=deep), "symbols"))
    held.start()
    try:
        time.sleep(0.5)
        app.text_input(key="function").set_value("x**2 + 22*x").run()
    finally:
        held.join()
    assert not app.exception and not app.error
    assert any("busy" in w.value and "Try again" in w.value for w in app.warning)
    assert not any("last function that worked" in c.value for c in app.caption)
    assert summary(app).startswith("`y = x**2 + 21*x` → value"), "the page shown before stays"


def test_the_inspector_says_which_tensor_a_grad_fn_made_without_repeating_its_name():
    app = run_app({"f": "y = x ** 2 + 2 * x + 1", "node": "n2"})  # PowBackward0
    details = next(m.value for m in app.markdown if m.value.startswith("**`PowBackward0`**"))
    square = (torch.tensor(2.0) ** 2).item()
    assert f"made tensor `x ** 2`, data `{square:g}`" in details
    assert "`x ** 2` = `x ** 2`" not in details
    output = run_app({"f": "y = x ** 2 + 2 * x + 1", "node": "n0"})
    assert any("made tensor `y` = `x ** 2 + 2 * x + 1`" in m.value for m in output.markdown)


def test_lesson_9s_table_numbers_the_two_multiplications_it_computes():
    app = run_app({"lesson": "practice-partial", "f": "f = u * v + (u * v) ** 2", "u": "2", "v": "1"})
    rows = table_rows(app)
    u, v = torch.tensor(2.0, requires_grad=True), torch.tensor(1.0, requires_grad=True)
    f = u * v + (u * v) ** 2
    stack, seen = [f.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is not None and fn not in seen:
            seen.add(fn)
            stack.extend(nxt for nxt, _ in fn.next_functions)
    assert sum(type(fn).__name__ == "MulBackward0" for fn in seen) == 2  # PyTorch's graph: two multiplications
    assert [r["tensor"] for r in rows if r["tensor"].startswith("u * v")] == ["u * v (1 of 2)", "u * v (2 of 2)"]
    assert len({r["tensor"] for r in rows}) == len(rows)


def test_lesson_9s_contour_caption_describes_only_what_is_drawn():
    app = run_app({"lesson": "practice-partial", "f": "f = u * v + (u * v) ** 2", "u": "2", "v": "1"})
    captions = [m.value for m in app.markdown if "contour" in m.value.lower() or "arrow" in m.value.lower()]
    assert not any("Each arrow is the gradient" in c for c in captions)
    assert any("once you answer the question" in c for c in captions)
    contour = plots(app)[-1]
    assert contour["label"].startswith("contour plot of f(u, v),")  # not "with its gradient": none is drawn
    assert not any(trace["name"].startswith("gradient") for trace in contour["figure"]["data"])
    app.button(key="reveal_practice-partial").click().run()
    assert any("Each arrow is the gradient" in m.value for m in app.markdown)


def test_the_player_mid_way_shows_grad_question_marks_wherever_the_graph_does():
    app = run_app({"f": "y = x ** 2 + 2 * x + 1", "step": "2"})
    assert summary(app).endswith("x.grad `?`")
    grads = {r["tensor"]: r["grad"] for r in table_rows(app)}
    assert grads["x"] == "?" and grads["y"] != "?"
    (curve,) = plots(app)  # the plot's tangent has x.grad as its slope: not yet
    assert [t["name"] for t in curve["figure"]["data"] if "autograd" in t["name"] or "tangent" in t["name"]] == []
    finished = run_app({"f": "y = x ** 2 + 2 * x + 1"})
    x = torch.tensor(2.0, requires_grad=True)
    (x ** 2 + 2 * x + 1).backward()
    assert summary(finished).endswith(f"x.grad `{x.grad.item():g}`")


def test_a_deeper_view_waits_for_the_player_to_reach_every_tensor():
    """The Hessian shows what backward computes: mid-way through the player it would give the answer away."""
    app = choose(run_app({"f": "f = u*v + u**2", "step": "2"}), "hessian")
    assert not app.get("latex")
    assert any("open at the player's last step" in c.value for c in app.caption)
    app.button(key="step_last").click().run()
    (latex,) = app.get("latex")
    truth = torch.autograd.functional.hessian(lambda t: t[0] * t[1] + t[0] ** 2, torch.tensor([1.0, 2.0]))
    assert " \\\\ ".join(" & ".join(f"{v:g}" for v in row) for row in truth.tolist()) in latex.value
