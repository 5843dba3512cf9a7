"""A worker process of ``explorer.serve.pool``: it answers one JSON line per job until stdin closes.

Started as ``python -I explorer/serve/page_worker.py MEMORY_MB NICE`` by the pool, never
by hand. It imports the explorer from the checkout it lives in (``-I`` ignores
PYTHONPATH and the current folder), limits the memory it may allocate, uses one
torch thread, says ``ready``, and then reads requests. It never reads anything
but the pool's pipe, and its answers are plain JSON (``explorer.serve.plain``).
"""

from __future__ import annotations

import base64
import functools
import os
import resource
import signal
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # this checkout's explorer, not another

from explorer.compute.build import build, further, step_view  # noqa: E402
from explorer.compute.calls import gradcheck_function  # noqa: E402
from explorer.compute.deck_notebook import deck_notebook  # noqa: E402
from explorer.compute.explore import available_devices, use_threads  # noqa: E402
from explorer.compute.pitfall_runs import run as run_pitfall  # noqa: E402
from explorer.compute.program_build import build_program, program_view  # noqa: E402
from explorer.content.decks import read_deck  # noqa: E402
from explorer.draw.figure import html  # noqa: E402
from explorer.draw.render import RenderError, png  # noqa: E402
from explorer.errors import InternalError, OverLimit  # noqa: E402
from explorer.model.page import Page, StepView  # noqa: E402
from explorer.model.program_page import ProgramPage  # noqa: E402
from explorer.model.state import PageState  # noqa: E402
from explorer.serve.pool import TASKS, _answer  # noqa: E402


@functools.lru_cache(maxsize=8)  # the player asks for one page's steps one after another
def _page(state: PageState, hide_grads: bool) -> Page:
    return build(state, hide_grads)


def _step(state: PageState, hide_grads: bool, step: int) -> StepView:
    return step_view(_page(state, hide_grads), step)


def _png(dot: str) -> str:
    """The page's graph as PNG (the download), base64: JSON carries text."""
    try:
        return base64.b64encode(png(dot)).decode("ascii")
    except RenderError as err:
        # past dot's time limit the graph is too big for a picture; anything else is a fault in our DOT
        kind = OverLimit if "took longer" in str(err) else InternalError
        raise kind(f"The graph's PNG could not be made: {err}.") from None


@functools.lru_cache(maxsize=8)  # the line-by-line view asks for one program's steps one after another
def _program(source: str) -> ProgramPage:
    return build_program(source)


def _program_view(source: str, view: str, index: int, step: int) -> StepView:
    return program_view(_program(source), view, index, step)


_TASKS: dict[str, Callable[..., object]] = {
    "page": _page, "step": _step, "further": further, "pitfall": run_pitfall, "gradcheck": gradcheck_function,
    "devices": available_devices, "png": _png, "plot_html": html, "program": _program,
    "program_view": _program_view, "deck_notebook": lambda text: deck_notebook(read_deck(text.encode("utf-8")))}
assert set(_TASKS) == set(TASKS), "the pool and its workers must agree on the tasks"


def _die_with_the_app(app: int) -> None:
    """Kill this worker's whole process group (itself, its dot, its sympy process) once the app's process is
    gone, however it ended: the pool that would have stopped it went with it. (Not PR_SET_PDEATHSIG: that
    fires when the thread that started the worker ends, and the pool starts workers from short-lived threads.)"""
    while os.getppid() == app:
        time.sleep(0.5)
    if os.getpgrp() == os.getpid():  # the group is this worker's own (the pool starts it so)
        os.killpg(0, signal.SIGKILL)
    os.kill(os.getpid(), signal.SIGKILL)


def main() -> None:
    threading.Thread(target=_die_with_the_app, args=(os.getppid(),), daemon=True, name="explorer-app-watch").start()
    memory = int(sys.argv[1]) << 20
    os.nice(max(0, int(sys.argv[2])))  # NOTE [workers yield to page runs] in explorer/serve/pool.py
    # the data size (what the process allocates: malloc, torch's CPU tensors), not the address space: CUDA
    # reserves tens of GB of address space it never fills, and under an address-space limit the GPU is not seen
    resource.setrlimit(resource.RLIMIT_DATA, (memory, memory))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    use_threads(1)  # one core per worker: the pool's size is the bound on cores in use
    # first-call costs paid before any visitor waits, on the page a visitor opening the bare link asks for
    _page(PageState(), False)
    sys.stdout.buffer.write(b"ready\n")
    sys.stdout.buffer.flush()
    for line in sys.stdin.buffer:  # ends when the pool closes the pipe or goes away
        sys.stdout.buffer.write(_answer(line, _TASKS).encode() + b"\n")
        sys.stdout.buffer.flush()


if __name__ == "__main__":
    main()
