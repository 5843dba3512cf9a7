"""The app's process never imports torch: what it imports, and what it does with the workers' answers, runs without.

Every visitor's function runs in a worker process (``explorer.serve.pool``); the app
only reads the answers (``explorer.serve.plain``) and draws them. Importing torch there
would cost the app's cold start seconds and hundreds of MB for nothing, so a fresh
interpreter imports exactly what ``app.py`` imports, decodes real answers built
here, does with them what the app does, and reports whether torch came in.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from explorer.compute.build import build, further, step_view
from explorer.compute.calls import gradcheck_function
from explorer.compute.pitfall_runs import run as run_pitfall
from explorer.content.lessons import lesson
from explorer.model.state import PageState
from explorer.serve import plain

# What app.py imports, then what it does with answers that came back from a worker as JSON text on stdin.
_APP_PROCESS = """
import json, sys
sys.path.insert(0, sys.argv[1])

import explorer.serve.quota, explorer.serve.pool
from explorer import ExpressionError, GradcheckResult, parse
from explorer.model.playback import known_grads
from explorer.draw.dot import LEGEND, format_value, to_dot, to_text
from explorer.language.expression import MAX_LENGTH
from explorer.model.plot import Plot
from explorer.content.glossary import explain
from explorer.content.lessons import LESSONS, check_answer, lesson
from explorer.model.page import MAX_DRAWN_NODES, TOPICS, Further, Page, StepView
from explorer.content.pitfalls import PITFALLS, Outcome
from explorer.draw.render import has_dot
from explorer.model.state import DEFAULT_POINTS, VIEWS, PageState, from_query, to_query
from explorer.model.symbolic import Symbolic
from explorer.serve import plain
import pkgutil, importlib, panels
for module in pkgutil.iter_modules(panels.__path__):  # the page's own modules, as app.py imports them
    importlib.import_module(f"panels.{module.name}")

imported = "torch" in sys.modules
page, step, views, outcome, check = plain.loads(sys.stdin.read())
assert isinstance(page, Page) and isinstance(step, StepView) and isinstance(outcome, Outcome)
assert all(isinstance(view, Further) for view in views) and isinstance(check, GradcheckResult)
state, problems = from_query(to_query(page.state), ("cpu",))
question = lesson(page.state.lesson).question
report = {
    "torch_after_imports": imported,
    "variables": list(parse(page.state.function).variables),
    "same_state": state == page.state and problems == (),
    "dot": "PowBackward0" in to_dot(page.result.graph),
    "dot_at_step_1": to_dot(page.playback.graph, show_grads=known_grads(page.playback, 1)) == step.dot,
    "text": "PowBackward0" in to_text(page.result.graph, show_grads=True),
    "grad": format_value(page.result.grad["x"]),
    "answer": check_answer(question, "7", page.result.grad).correct,
    "node": explain(page.result.graph.nodes[0].name).local != "",
    "plots": [plot.kind for plot in page.plots if isinstance(plot, Plot)],
    "hessian": [view.hessian.matrix for view in views if view.hessian],
    "torch_at_end": "torch" in sys.modules,
}
print(json.dumps(report))
"""


@pytest.fixture(scope="module")
def answers() -> str:
    """What workers send back for a practice lesson: its page, a backward step, deeper views, a pitfall, gradcheck."""
    practice = lesson("practice-cubic")
    state = PageState(function=practice.function, points=practice.points, lesson=practice.key)
    page = build(state)
    views = tuple(further(state, topic) for topic in ("second", "hessian", "derivative-graph", "forward"))
    return plain.dumps((page, step_view(page, 1), views, run_pitfall("in-place"), gradcheck_function("SQ")))


def test_the_app_process_reads_and_draws_worker_answers_without_importing_torch(repo_root, answers):
    done = subprocess.run([sys.executable, "-I", "-c", _APP_PROCESS, str(repo_root)], input=answers,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert report["torch_after_imports"] is False, "importing the app's modules imported torch"
    assert report["torch_at_end"] is False, "reading or drawing a worker's answer imported torch"
    # and the app's work was really done on the decoded answers
    assert report["variables"] == ["x"] and report["same_state"]
    assert report["dot"] and report["dot_at_step_1"] and report["text"] and report["node"]
    assert report["grad"] == "7" and report["answer"] is True
    assert report["plots"] == ["curve"] and report["hessian"] == [[[12.0]]]
