"""Program mode through Streamlit's AppTest: the mode and its link, a program's output, its error, a refused
program, stepping line by line, the lab's cells, and the session's keys."""

from __future__ import annotations

import json
import random
import re

import numpy as np
import pytest
import torch
from streamlit.testing.v1 import AppTest
from test_app import _undeclared_keys, cells, run_app, summary

from explorer.content.lab_cells import lab_program
from explorer.language.program_link import decode, encode

TWICE = """import torch
x = torch.tensor(3.0, requires_grad=True)
y = x * x
y.backward()
print("first:", x.grad)
y.backward()
print("never printed")
"""


def sent(app: AppTest, name: str) -> list[dict]:
    """What each of our components named ``name`` was sent (its one data item, panels/components.py)."""
    found = [json.loads(e.proto.json) for e in app.get("bidi_component")
             if e.proto.component_name == f"autograd_{name}"]
    return [data for (data,) in found]


def printed(app: AppTest) -> str:
    boxes = [d["text"] for d in sent(app, "copy") if d["label"] == "what the program printed"]
    return boxes[0] if boxes else ""


def editor(app: AppTest) -> dict:
    (data,) = sent(app, "editor")
    return data


def run_program_app(source: str, **query: str) -> AppTest:
    return run_app({"mode": "program", "code": encode(source), **query})


def test_program_mode_opens_from_its_link_with_the_labs_first_cells_run():
    app = run_app({"mode": "program"})
    assert editor(app)["doc"] == lab_program("derivative")
    assert editor(app)["bundle"] == "app/static/codemirror-6.0.2.min.js"
    assert "The dervative at x = 2:  tensor(4.)" in printed(app)
    assert app.query_params["mode"] == "program"
    assert decode(app.query_params["code"]) == lab_program("derivative")


def test_the_mode_switch_leaves_function_mode_as_it_was():
    app = run_app({"mode": "program"})
    app.segmented_control(key="mode_switch").set_value("function").run()
    assert summary(app) == "`y = x ** 2` → value `4`, x.grad `4`"
    assert "mode" not in app.query_params and not sent(app, "editor")
    app.segmented_control(key="mode_switch").set_value("program").run()
    assert app.query_params["mode"] == "program" and sent(app, "editor")


def test_a_program_error_shows_as_a_notebook_shows_it_with_the_output_before_it():
    app = run_program_app(TWICE)
    (error,) = [e.value for e in app.error]
    assert error.startswith("Line 6: RuntimeError: Trying to backward through the graph a second time")
    assert printed(app) == "first: tensor(6.)"
    assert editor(app)["error"] == 6


def test_a_refused_program_says_line_and_column_and_runs_nothing():
    app = run_program_app("import torch\nx = torch.ones(2)\nprint('hi')\nimport os\n")
    (error,) = [e.value for e in app.error]
    assert error.startswith("Line 4, column 1: ") and "os" in error
    assert "^" in app.text[0].value and "import os" in app.text[0].value
    assert printed(app) == "" and editor(app)["error"] == 4


def test_stepping_marks_each_line_and_shows_the_names_and_the_graph_as_it_grows():
    app = run_program_app("import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 2\nz = y + 2 * x\n"
                          "z.backward()\nprint(x.grad)\n")
    app.button(key="pstep_first").click().run()
    assert editor(app)["line"] == 1
    app.button(key="pstep_next").click().run()
    app.button(key="pstep_next").click().run()
    assert editor(app)["line"] == 3 and app.query_params["pstep"] == "3"
    names = next(m.value for m in app.markdown if m.value.startswith("| name | value |"))
    assert ["y", "tensor(4., grad_fn=<PowBackward0>)"] in [cells(line) for line in names.splitlines()[2:]]
    (graph,) = sent(app, "graph")
    assert "PowBackward0" in graph["svg"] and "MulBackward0" not in graph["svg"]
    app.button(key="pstep_next").click().run()
    (graph,) = sent(app, "graph")
    assert "PowBackward0" in graph["svg"] and "MulBackward0" in graph["svg"]  # the graph grew
    app.button(key="pstep_next").click().run()  # z.backward(): its graph, with the backward player
    assert any("Watch backward run" in m.value for m in app.markdown)
    app.button(key="step_last").click().run()
    assert any("Now x\\.grad = 6" in m.value for m in app.markdown)  # the story, markdown-escaped
    app.button(key="pstep_last").click().run()
    assert editor(app)["line"] == 6 and printed(app) == "tensor(6.)"


def test_a_link_opens_the_program_at_its_step():
    app = run_program_app("import torch\nx = torch.ones(3, requires_grad=True)\nprint(x.sum())\n", pstep="2")
    assert editor(app)["line"] == 2 and printed(app) == ""


@pytest.mark.parametrize("code", ["!!!", "eJwLycgsVgCi4pLMvHQFTwA", "A" * 7000])
def test_a_damaged_or_hostile_link_says_so_and_opens_the_lab(code):
    app = run_app({"mode": "program", "code": code})
    assert any("the link's program was ignored" in w.value for w in app.warning)
    assert editor(app)["doc"] == lab_program("derivative")


def test_lessons_open_as_the_labs_own_cells_with_the_notebooks_plot():
    app = run_app({"mode": "program"})
    app.button(key="lesson_relu").click().run()
    assert editor(app)["doc"] == lab_program("relu")
    (plot,) = sent(app, "plot")
    assert [t["name"] for t in plot["figure"]["data"]] == ["function", "derivative"]


def test_every_session_key_program_mode_leaves_is_named_in_panels_session():
    app = run_program_app(TWICE)
    app.button(key="pstep_first").click().run()
    app.button(key="pstep_last").click().run()
    app.button(key="lesson_polynomial").click().run()
    app.segmented_control(key="mode_switch").set_value("function").run()
    assert not app.exception
    assert _undeclared_keys(app) == []


def test_pytorchs_warning_shows_under_the_output_as_a_notebook_shows_it():
    app = run_app({"mode": "program"})
    app.button(key="lesson_attributes").click().run()
    (warning,) = [w.value for w in app.warning]
    line = lab_program("attributes").splitlines().index("print('grad:',y.grad)") + 1
    assert warning.startswith(f"Line {line}: UserWarning: The \\.grad attribute of a Tensor that is not a leaf Tensor")
    assert "grad: None" in printed(app)


def test_a_long_loop_stays_steppable_with_its_middle_iterations_summarised():
    app = run_program_app("import torch\nw = torch.tensor(1.0, requires_grad=True)\nfor i in range(500):\n"
                          "    loss = (w * 2 - 1) ** 2\n    loss.backward()\n    w.grad = None\nprint(i)\n")
    assert printed(app) == "499"
    steps = next(m.value for m in app.markdown if m.value.startswith("**Step through it"))
    count = int(re.search(r"\*\*: (\d+) steps", steps).group(1))
    assert count < 40  # 500 iterations, a handful of them kept
    words = []
    for _ in range(count):
        app.button(key="pstep_next").click().run()
        words += [m.value for m in app.markdown if m.value.startswith("**Step ")]
    assert any("iterations of the loop on this line are left out" in w for w in words)


def test_a_node_clicked_in_a_programs_graph_is_inspected_with_its_values_whole():
    app = run_program_app("import torch\nx = torch.linspace(-1, 1, 9, requires_grad=True)\ny = (x ** 2).sum()\n"
                          "y.backward()\n")
    app.session_state["node"] = "t0"  # what a click on x sends (panels.session.pick_program_node)
    app.run()
    values = next(d["text"] for d in sent(app, "copy") if d["label"] == "the values of x")
    data, grad = values.splitlines()[:2]
    x = torch.linspace(-1, 1, 9)
    assert [float(v) for v in data.removeprefix("data = [").removesuffix("]").split(", ")] == x.tolist()
    assert [float(v) for v in grad.removeprefix("grad = [").removesuffix("]").split(", ")] == (2 * x).tolist()
    app.session_state["node"] = "n1"
    app.run()
    assert any("PowBackward0" in m.value and "saved tensor" in m.value for m in app.markdown)


def test_the_program_inspector_writes_a_float32_grad_with_the_digits_float32_carries():
    app = run_program_app("import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = torch.sin(x) * x\n"
                          "y.backward()\n")
    app.session_state["node"] = "t0"
    app.run()
    values = next(d["text"] for d in sent(app, "copy") if d["label"] == "the values of x")
    x = torch.tensor(2.0, requires_grad=True)
    (torch.sin(x) * x).backward()
    assert f"grad = {str(np.float32(x.grad.item()))}" in values.splitlines()  # 0.07700372, not 0.07700371742248535
    assert str(x.grad.item()) not in values


def test_a_program_too_long_for_a_link_says_so_and_still_runs():
    rng = random.Random(0)
    program = "".join(f"# {rng.getrandbits(128):032x}\n" for _ in range(400)) + "print('still runs')\n"
    app = run_app({"mode": "program"})
    app.session_state["program"] = program  # what the editor sends (panels.session.keep_program)
    app.run()
    assert printed(app) == "still runs"
    assert any("too long for a link" in w.value for w in app.warning)
    assert "code" not in app.query_params and app.query_params["mode"] == "program"


def test_the_labs_custom_function_lesson_shows_what_its_notebook_shows():
    app = run_app({"mode": "program"})
    app.button(key="lesson_custom-function").click().run()
    shown = printed(app).splitlines()
    # the cell prints y.grad_fn, and the notebook shows its last expression, x.grad; not the y in its middle
    assert shown[0].startswith("<torch.autograd.function.SQBackward object at") and shown[1:] == ["Out: tensor(4.)"]


def test_switching_to_program_mode_opens_the_lesson_open_in_function_mode_as_the_labs_cells():
    app = run_app()
    app.button(key="lesson_partial").click().run()
    app.segmented_control(key="mode_switch").set_value("program").run()
    assert editor(app)["doc"] == lab_program("partial")
    assert "The partial derivative with respect to u:  tensor(4.)" in printed(app)


def test_a_backward_calls_graph_also_shows_as_torchviz_draws_it():
    app = run_program_app("import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 2\ny.backward()\n")
    app.segmented_control(key="pview").set_value("torchviz").run()
    assert any("torchviz.make_dot" in c.value for c in app.caption)
    assert [e for e in app.main if type(e).__name__ == "Image"], "the torchviz SVG is shown as an image"
    assert not sent(app, "graph")  # torchviz's picture instead of ours


@pytest.mark.parametrize(("pstep", "line"), [("abc", 0), ("99999", 3), ("2", 2)])
def test_a_links_step_is_a_whole_number_within_the_programs_steps(pstep, line):
    source = "import torch\nx = torch.ones(2)\nprint(x)\n"
    app = run_app({"mode": "program", "code": encode(source), "pstep": pstep})
    assert not app.exception
    assert editor(app)["line"] == line  # a refused step opens the whole run; one past the end, the last step
    assert (pstep == "abc") == any("pstep=" in w.value for w in app.warning)


def test_a_lessons_cells_are_named_until_they_are_edited():
    app = run_app({"mode": "program"})
    app.button(key="lesson_polynomial").click().run()
    assert any(m.value.startswith("**3\\. A longer function") for m in app.markdown)
    app.session_state["program"] = lab_program("polynomial") + "print(1)\n"
    app.run()
    assert not any("the lab's own cells" in m.value for m in app.markdown)


def test_full_precision_stays_on_across_a_visit_to_program_mode():
    """A choice outlives the runs that do not draw its widget (NOTE [choices outlive their widgets])."""
    app = run_app({"f": "y = sin(x) * x", "x": "2"})
    app.toggle(key="precision").set_value(True).run()
    app.segmented_control(key="mode_switch").set_value("program").run()
    app.segmented_control(key="mode_switch").set_value("function").run()
    assert app.toggle(key="precision").value is True
    assert not app.exception
