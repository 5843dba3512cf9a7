"""The page's jobs and their cache: outcomes kept for every visitor, out of reach of Streamlit's clear_cache."""

from __future__ import annotations

import ast
import base64
import time
from pathlib import Path

import pytest
import streamlit as st

from explorer.errors import Busy, ExpressionError, InternalError, OverLimit, OverQuota
from explorer.model.plot import Plot
from explorer.serve.pool import Lost
from explorer.serve.quota import Quota
from panels import jobs
from panels.jobs import Answers

ROOT = Path(__file__).resolve().parent.parent


class Counted:
    """A job that counts its runs and answers (or raises) what it is given."""

    def __init__(self, outcome: object) -> None:
        self.outcome = outcome
        self.runs = 0

    def __call__(self) -> object:
        self.runs += 1
        if isinstance(self.outcome, Exception):
            raise self.outcome
        return self.outcome


def test_an_answer_is_computed_once_and_kept():
    answers, job = Answers(4), Counted("page")
    assert [answers.get("f", job) for _ in range(3)] == ["page"] * 3
    assert job.runs == 1


def test_each_visitor_gets_a_copy_so_no_session_can_change_anothers_answer():
    answers = Answers(4)
    mine = answers.get("f", Counted({"grad": [6.0]}))
    mine["grad"].append(0.0)
    assert answers.get("f", Counted(None)) == {"grad": [6.0]}


@pytest.mark.parametrize("refusal", [ExpressionError("unknown name 'q'", 5), OverLimit("took longer than 10 s"),
                                     InternalError("an internal error (RuntimeError)")])
def test_a_refused_or_failed_job_is_kept_like_an_answer_so_repeating_it_costs_nothing(refusal):
    answers, job = Answers(4), Counted(refusal)
    for _ in range(3):
        with pytest.raises(type(refusal)) as raised:
            answers.get("f", job)
        assert (raised.value.message, getattr(raised.value, "column", None)) == (refusal.message,
                                                                                   getattr(refusal, "column", None))
    assert job.runs == 1


@pytest.mark.parametrize("transient", [Busy("busy"), Lost("killed"), OverQuota("slow down")])
def test_busy_workers_and_a_spent_quota_say_nothing_about_the_job_and_are_not_kept(transient):
    answers, job = Answers(4), Counted(transient)
    for _ in range(2):
        with pytest.raises(type(transient)):
            answers.get("f", job)
    assert job.runs == 2


def test_the_cache_is_bounded_and_forgets_the_least_recently_used():
    answers = Answers(2)
    jobs = {key: Counted(key) for key in "abc"}
    for key in "abac":  # "a" used again, so "b" is the one forgotten
        answers.get(key, jobs[key])
    answers.get("a", jobs["a"])
    answers.get("b", jobs["b"])
    assert {key: job.runs for key, job in jobs.items()} == {"a": 1, "b": 2, "c": 1}


def test_answers_expire():
    answers, job = Answers(4, ttl=0.0), Counted("page")
    answers.get("f", job)
    answers.get("f", job)
    assert job.runs == 2


def test_streamlits_clear_cache_which_any_visitor_can_send_leaves_the_kept_answers():
    answers, job = Answers(4), Counted("page")
    answers.get("f", job)
    st.cache_data.clear()  # what Streamlit does on a visitor's clear_cache message
    st.cache_resource.clear()
    answers.get("f", job)
    assert job.runs == 1


# -- downloads: jobs for the workers, under the visitor's quota -----------------------------------------------

class FakePool:
    def __init__(self) -> None:
        self.asked: list[tuple] = []

    def run(self, task: str, *args, charge=None):
        self.asked.append((task, *args))
        if charge is not None:
            charge(1.0)  # each job held its worker a second
        return base64.b64encode(b"\x89PNG fake").decode() if task == "png" else "<div>plot</div>"


def test_the_graphs_png_and_the_plots_html_are_made_by_a_worker_on_the_visitors_quota(monkeypatch):
    pool = FakePool()
    monkeypatch.setattr(jobs, "shared", lambda: pool)
    monkeypatch.setattr(jobs, "PACE_SECONDS", 0.01)  # a refusal waits that long first
    for cache in jobs.CACHES:
        cache.clear()
    spend = Quota(rate=1e-9, burst=2)
    assert jobs.png("digraph { a }", spend) == b"\x89PNG fake"
    assert jobs.png("digraph { a }", spend) == b"\x89PNG fake", "pressed again: kept, and free"
    plot = Plot("curve", ("x",), {"data": [], "layout": {}}, ())
    assert jobs.plot_html((plot,), spend) == "<div>plot</div>"
    assert pool.asked == [("png", "digraph { a }"), ("plot_html", (plot,))]
    with pytest.raises(OverQuota):
        jobs.png("digraph { b }", spend)


def test_the_page_never_lays_out_a_graph_or_writes_plot_html_in_the_apps_process():
    # the panels hand downloads to panels.jobs; neither Graphviz nor plotly.py runs in the app's threads
    imported = set()
    for path in (ROOT / "panels").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module:
                imported |= {f"{node.module}.{alias.name}" for alias in node.names} | {node.module}
            elif isinstance(node, ast.Import):
                imported |= {alias.name for alias in node.names}
    assert not {"explorer.draw.render.png", "explorer.draw.render.svg", "plotly"} & imported
    assert not {name for name in imported if name.startswith("plotly.")}


def test_a_session_far_past_its_share_is_refused_only_after_a_pause_so_rerunning_at_once_cannot_flood(monkeypatch):
    # a refused run still draws the page shown before in the app's process: a script that reruns as soon as it is
    # refused must not get those runs back to back
    pool = FakePool()
    monkeypatch.setattr(jobs, "shared", lambda: pool)
    monkeypatch.setattr(jobs, "PACE_SECONDS", 0.3)
    for cache in jobs.CACHES:
        cache.clear()
    spend = Quota(rate=1e-9, burst=1)
    jobs.png("digraph { a }", spend)  # its second puts this session far past its share
    started = time.monotonic()
    with pytest.raises(OverQuota):
        jobs.png("digraph { b }", spend)
    assert time.monotonic() - started >= 0.3
