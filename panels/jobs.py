"""The jobs a page asks of the worker processes, cached at the UI boundary and counted against a quota.

Every job whose cost depends on what a visitor typed runs in ``explorer.serve.pool``'s
pool (SECURITY.md); answers come back as the core's frozen dataclasses of plain
data, so the caches below hold no live tensor. Cached answers are free; new ones
take from the visitor's quota.
"""

from __future__ import annotations

import streamlit as st

from explorer.content.pitfalls import Outcome
from explorer.errors import ExplorerError, OverQuota
from explorer.language.functions import GradcheckResult
from explorer.model.page import Further, Page, StepView
from explorer.model.program_page import ProgramPage
from explorer.model.state import PageState
from explorer.serve.pool import Limits, Pool, take_early
from explorer.serve.quota import Quota

from .text import escape_markdown


@st.cache_resource(on_release=Pool.close)
def pool() -> Pool:
    # pre-started worker processes: a visitor's function never runs in the app's own process (SECURITY.md);
    # `python app.py` starts them before the server, `streamlit run app.py` when the first visitor comes
    return take_early() or Pool(Limits.from_environment())


def devices() -> tuple[str, ...]:
    """The devices PyTorch can use on this server, as the workers see them (torch lives there, not here)."""
    try:
        return _devices()
    except ExplorerError:  # no worker came up in time: the CPU is always there (and nothing is cached)
        return ("cpu",)


@st.cache_resource(show_spinner=False)
def _devices() -> tuple[str, ...]:
    return tuple(pool().run("devices"))


def _work(task: str, *args):
    """One job for the workers, if this visitor's quota allows it; cached answers never get here."""
    quota = st.session_state.setdefault("quota", Quota())
    if not quota.take():
        raise OverQuota(f"You are changing things faster than the explorer computes them. Wait "
                        f"{max(quota.wait(), 1):.0f} s and try again.")
    return pool().run(task, *args)


# bounded, and expiring: a lesson revisited or a link opened by a class hits it; nothing grows forever
@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def page(state: PageState, hide_grads: bool) -> Page:
    return _work("page", state, hide_grads)


@st.cache_data(max_entries=2, show_spinner=False)
def gradcheck(name: str) -> GradcheckResult:
    return _work("gradcheck", name)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def further(state: PageState, topic: str) -> Further:
    return _work("further", state, topic)


@st.cache_data(max_entries=16, show_spinner=False)
def pitfall(key: str) -> Outcome:
    return _work("pitfall", key)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def step_view(state: PageState, hide_grads: bool, step: int) -> StepView:
    return _work("step", state, hide_grads, step)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def program_page(source: str) -> ProgramPage:
    return _work("program", source)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def program_view(source: str, view: str, index: int, step: int) -> StepView:
    return _work("program_view", source, view, index, step)


def say(err: ExplorerError) -> None:
    """Why a job gave no result, in the words for its kind; the page goes on.

    Bad input is an error to fix, capacity a warning to wait (the input was fine), and an internal failure an
    error that says so.
    """
    message = escape_markdown(err.message + (f" (column {err.column})" if getattr(err, "column", None) else ""))
    if err.kind == "capacity":
        st.warning(message, icon=":material/hourglass_top:")
    elif err.kind == "internal":
        st.error(message + " The explorer failed here, not your function.", icon=":material/bug_report:")
    else:
        st.error(message)
