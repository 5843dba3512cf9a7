"""The jobs a page asks of the worker processes, cached at the UI boundary and counted against a quota.

Every job whose cost depends on what a visitor typed runs in ``explorer.serve.pool``'s
pool (SECURITY.md); answers come back as the core's frozen dataclasses of plain
data, so the caches below hold no live tensor. Cached answers are free; new ones
take from the visitor's quota.
"""

from __future__ import annotations

import base64
import contextlib
import pickle
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Iterator
from typing import Any

import streamlit as st

from explorer.content.pitfalls import Outcome
from explorer.errors import Busy, ExplorerError, ExpressionError, OverQuota
from explorer.language.functions import GradcheckResult
from explorer.model.page import Further, Page, StepView
from explorer.model.plot import Plot
from explorer.model.program_page import ProgramPage
from explorer.model.state import PageState
from explorer.serve import plain
from explorer.serve.pool import Lost, shared
from explorer.serve.quota import Quota

from .text import escape_markdown


class Answers:
    """A bounded, expiring cache of jobs' outcomes, kept by the server process for every visitor.

    NOTE [our own cache, not st.cache_data]
    Any visitor can send Streamlit's ``clear_cache`` message, which empties ``st.cache_data`` and
    ``st.cache_resource`` for every session at once; nothing a visitor sends reaches this cache (nor the worker
    pool, ``explorer.serve.pool.shared``). An outcome is what the job itself came to: its answer, or its refusal
    (bad input, past its time or memory, a bug), so a failing job repeated costs nothing either. What says
    nothing about the job (every worker busy, its workers killed from outside, this visitor's quota spent) is
    not kept. An answer is kept pickled, as ``st.cache_data`` keeps it: each session gets its own copy, and a
    page's plain values take a sixth of the memory they take as objects (the largest page: 2.6 MB against
    15 MB). The bytes are made here, from the answer this process already decoded from a worker's JSON: nothing
    a worker sends is ever unpickled.
    """

    _NOT_KEPT = (Busy, Lost, OverQuota)

    def __init__(self, size: int, ttl: float = float("inf")) -> None:
        self.size = size
        self.ttl = ttl
        self._kept: OrderedDict[Hashable, tuple[float, bytes, ExplorerError | None]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """The outcome for ``key``: kept, or computed now by ``compute`` and kept."""
        with self._lock:
            found = self._kept.get(key)
            if found is not None and time.monotonic() - found[0] < self.ttl:
                self._kept.move_to_end(key)
                return _outcome(found)
        try:
            kept = (time.monotonic(), pickle.dumps(compute(), pickle.HIGHEST_PROTOCOL), None)
        except self._NOT_KEPT:
            raise
        except ExplorerError as err:
            kept = (time.monotonic(), b"", err)
        with self._lock:
            self._kept[key] = kept
            self._kept.move_to_end(key)
            while len(self._kept) > self.size:
                self._kept.popitem(last=False)
        return _outcome(kept)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


def _outcome(kept: tuple[float, bytes, ExplorerError | None]) -> Any:
    _, answer, refusal = kept
    if refusal is None:
        return pickle.loads(answer)  # bytes this process pickled itself, in get
    # a fresh exception each time: one raised again and again grows its traceback
    if isinstance(refusal, ExpressionError):
        raise ExpressionError(refusal.message, refusal.column)
    raise type(refusal)(refusal.message)


# bounded, and expiring: a lesson revisited or a link opened by a class hits them; nothing grows forever
_PAGES = Answers(64, ttl=3600)
_FURTHER = Answers(64, ttl=3600)
_STEPS = Answers(256, ttl=3600)
_PITFALLS = Answers(16)
_GRADCHECKS = Answers(2)
_PNGS = Answers(8, ttl=3600)  # a PNG can be a few MB: few are kept
_PLOT_HTML = Answers(8, ttl=3600)
_PROGRAMS = Answers(64, ttl=3600)  # program mode's runs, by the program's text
_PROGRAM_VIEWS = Answers(256, ttl=3600)  # its pictures step by step
_NOTEBOOKS = Answers(8, ttl=3600)  # decks as notebooks, by the deck file's text
CACHES = (_PAGES, _FURTHER, _STEPS, _PITFALLS, _GRADCHECKS, _PNGS, _PLOT_HTML, _PROGRAMS, _PROGRAM_VIEWS, _NOTEBOOKS)
_devices: tuple[str, ...] = ()


def devices() -> tuple[str, ...]:
    """The devices PyTorch can use on this server, as the workers see them (torch lives there, not here)."""
    global _devices
    if not _devices:
        try:
            _devices = tuple(shared().run("devices"))
        except ExplorerError:  # no worker came up in time: the CPU is always there (and nothing is kept)
            return ("cpu",)
    return _devices


def quota() -> Quota:
    """This visitor's share of the workers (one per browser session)."""
    return st.session_state.setdefault("quota", Quota())


# how long a job of a session past its share waits for its seconds to come back before the visitor is asked to
# wait instead: a student who asked for one of the costliest views reads the next page a little later, not a
# refusal. A session further past its share waits as long before it is refused. Sleeping holds neither a
# worker nor the app's processor.
PACE_SECONDS = 3.0


@contextlib.contextmanager
def page_run() -> Iterator[None]:
    """A page run (app.py wraps each), paid from this session's share of the app's process: it waits first while
    the session is past that share, then is charged the processor time it took (NOTE [two shares: the workers'
    and the app's] in explorer/serve/quota.py). It waits, never refuses: a refusal would be drawn by a page run
    too. A rerun sent while it waits replaces it, as Streamlit replaces any run."""
    share = st.session_state.setdefault("page_runs", Quota.page_runs())
    time.sleep(min(share.wait(), PACE_SECONDS))
    started = time.thread_time()
    try:
        yield
    finally:
        share.spend(time.thread_time() - started)


def _work(task: str, *args, spend: Quota | None = None):
    """One job for the workers, if this visitor's quota allows it; cached answers never get here.

    The pool is the server's one (``explorer.serve.pool.shared``): a visitor's function never runs in the app's
    own process (SECURITY.md); ``python app.py`` starts it before the server, ``streamlit run app.py`` when the
    first visitor comes. ``spend``: the visitor's quota, for a job made outside the page's run (a download). The
    job is charged the seconds it held a worker.
    """
    spend = spend or quota()
    if not spend.take():
        time.sleep(min(spend.wait(), PACE_SECONDS))
        if not spend.take():  # still short (or another job of this session, a download, took the seconds)
            raise OverQuota(f"You are changing things faster than the explorer computes them. Wait "
                            f"{max(spend.wait(), 1):.0f} s and try again.")
    return shared().run(task, *args, charge=lambda seconds: spend.spend(seconds - spend.least))


def page(state: PageState, hide_grads: bool) -> Page:
    return _PAGES.get((state, hide_grads), lambda: _work("page", state, hide_grads))


def gradcheck(name: str) -> GradcheckResult:
    return _GRADCHECKS.get(name, lambda: _work("gradcheck", name))


def further(state: PageState, topic: str) -> Further:
    return _FURTHER.get((state, topic), lambda: _work("further", state, topic))


def pitfall(key: str) -> Outcome:
    return _PITFALLS.get(key, lambda: _work("pitfall", key))


def step_view(state: PageState, hide_grads: bool, step: int) -> StepView:
    return _STEPS.get((state, hide_grads, step), lambda: _work("step", state, hide_grads, step))


def program_page(source: str) -> ProgramPage:
    return _PROGRAMS.get(source, lambda: _work("program", source))


def program_view(source: str, view: str, index: int, step: int) -> StepView:
    return _PROGRAM_VIEWS.get((source, view, index, step), lambda: _work("program_view", source, view, index, step))


# Downloads are made when their button is pressed, by Streamlit in a thread of its own, outside the page's run
# (so st.session_state is not there): the visitor's quota is handed in. They are jobs like the others: made in a
# worker, under its limits, and kept.

def png(dot: str, spend: Quota) -> bytes:
    """The graph as PNG, laid out by a worker's ``dot``."""
    return base64.b64decode(_PNGS.get(dot, lambda: _work("png", dot, spend=spend)))


def plot_html(plots: tuple[Plot, ...], spend: Quota) -> str:
    """The plots as one HTML fragment, written by a worker."""
    return _PLOT_HTML.get(plain.dumps(plots), lambda: _work("plot_html", plots, spend=spend))


def deck_notebook(deck_text: str, spend: Quota) -> str:
    """A deck (its file's text) as a Jupyter notebook, written by a worker: it runs each slide for its numbers."""
    return _NOTEBOOKS.get(deck_text, lambda: _work("deck_notebook", deck_text, spend=spend))


def say(err: ExplorerError) -> None:
    """Why a job gave no result, in the words for its kind; the page goes on.

    Bad input is an error to fix, capacity a warning to wait (the input was fine), and an internal failure an
    error that says it is the explorer's.
    """
    message = escape_markdown(err.message + (f" (column {err.column})" if getattr(err, "column", None) else ""))
    if err.kind == "capacity":
        st.warning(message, icon=":material/hourglass_top:")
    elif err.kind == "internal":
        st.error(message, icon=":material/bug_report:")
    else:
        st.error(message)
