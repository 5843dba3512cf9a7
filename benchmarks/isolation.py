"""One visitor hammers the server with the costliest job of each kind; does another visitor notice? (issue #6)

Run from the repository root:

    python benchmarks/isolation.py                 # about 6 minutes: 30 s alone, then 35 s beside each kind
    python benchmarks/isolation.py --duration 20 --kinds page "further: symbols"

What it does, all on loopback, bounded in time, and printed as one table:

1. The costliest job of each kind a visitor can ask for: the page (explorer and torchviz views), the backward
   player's step, each deeper view ("Go further"), and the two downloads made on request (the graph's PNG, the
   plot's HTML). For each kind, candidates at the caps (explorer/language/expression.py,
   explorer/language/points.py, explorer/model/exploration.py) are run once here as a worker runs them
   (``explorer.compute.build``, one torch thread), and the slowest is that kind's heavy input. The search is printed.
2. A fresh app of this checkout (its worker pool as configured: ``EXPLORER_WORKERS`` etc.).
3. Alone: a student (a websocket client speaking Streamlit's protocol, benchmarks/load.py) types a new lab
   function every ``--think`` seconds for ``--duration`` seconds (half before the heavy visitors, half after
   them: the baseline is the same machine's at both ends); the latency of each change is timed.
4. Beside each kind in turn: the same student again, while ``--heavy`` other sessions (each in a process of
   its own, as another browser would be) each ask for that kind's
   costliest job as fast as the server answers them (a new constant in the function each time, and for a
   download a new point, so no cache helps), with no pause at all: a deeper view through the "Go further"
   choice, a step through the player's slider (at a new point each time), a download through Streamlit's
   deferred-file request, exactly as a browser sends them. (A visitor opening a new session for each request
   is many visitors: the per-session shares do not see it, the proxy's per-address limits do, SECURITY.md.)
5. The table: per kind, the heavy input and its cost here, the student's median and p95 beside it and their
   ratio to the student alone (the promise: p95 at most 2x), and how the heavy jobs ended (served, stopped at
   the time limit, refused by the quota or the pool).

Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import multiprocessing
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, replace
from multiprocessing.synchronize import Event
from pathlib import Path
from urllib.parse import urlencode

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (benchmarks/load.py: the visitor's protocol)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402

from explorer.compute.build import (  # noqa: E402
    build,  # noqa: E402
    further,
    step_view,
)
from explorer.draw.figure import html  # noqa: E402
from explorer.draw.render import RenderError, png  # noqa: E402
from explorer.errors import ExpressionError  # noqa: E402
from explorer.model.page import TOPICS  # noqa: E402
from explorer.model.state import PageState, to_query  # noqa: E402

RANGE = "-10:10:10000"  # the most points one range may have


def _terms(count: int, variable: str = "x") -> str:
    return f"torch.sin({variable}) * torch.exp(-{variable}**2) + " * count


def _chain(steps: int) -> str:
    chain = "x"
    for _ in range(steps):
        chain = f"torch.sin({chain}) * 1.01 + x"
    return chain


def candidates() -> dict[str, PageState]:
    """Inputs at the caps: the longest typed function, the deepest, the widest range with the most work."""
    many_terms = _terms(30) + "x"  # ~180 tensors: the most the recorded-value cap allows at one point
    at_cap = "torch.sin(x) * x + x"  # 4 tensors at 10,000 points: near the page's cap of 50,000 recorded values
    return {
        "50-step chain at one point, plot over 10,000 points": PageState(
            function=_chain(50), points=(("x", "0.5"),), window=RANGE),
        "a function over 10,000 points, at the page's cap": PageState(function=at_cap, points=(("x", RANGE),),
                                                                      window=RANGE),
        "two ranges, a 100 x 100 grid": PageState(function="u*v + u**2", points=(("u", "-1:1:100"),
                                                                                 ("v", "-1:1:100"))),
        "30 terms at one point, plot over 10,000 points": PageState(
            function=many_terms, points=(("x", "0.5"),), window=RANGE),
        "seven ranges, a 40,000-point grid": PageState(
            function="x*y*z*u*v*w*t", points=tuple((v, "-1:1:4" if v != "x" else "-1:1:9") for v in "xyzuvwt")),
        "two variables, contour and 10,000-point plots": PageState(
            function=_terms(10, "u") + _terms(10, "v") + "u*v", points=(("u", "0.5"), ("v", "1")),
            window=RANGE),
        "80-step chain at one point (near the 1,000-part cap)": PageState(function=_chain(80), points=(("x", "0.5"),)),
    }


@dataclass(frozen=True)
class Kind:
    """One kind of job a visitor can ask for: how it is timed here, and how a visitor asks for it."""

    name: str
    cost: Callable[[PageState], object]  # the job as a worker runs it
    view: str = "explorer"  # the page's view in the link
    topic: str = ""  # a deeper view: the "Go further" choice to send
    step: bool = False  # the player: a fresh link with step= each time
    download: str = ""  # a download button's label: its deferred file is asked for


_built = functools.lru_cache(maxsize=16)(build)  # the page a step or a download is made from, built once


def _last_step(state: PageState) -> object:
    page = _built(state)
    return step_view(page, len(page.playback.steps)) if page.playback.steps else None


KINDS = (
    Kind("page", build),
    Kind("page, torchviz view", lambda state: build(replace(state, view="torchviz")), view="torchviz"),
    Kind("the player's step", _last_step, step=True),
    *(Kind(f"further: {topic}", lambda state, topic=topic: further(state, topic), topic=topic) for topic in TOPICS),
    Kind("download: Graph PNG", lambda state: png(_built(state).dot), download="Graph PNG"),
    Kind("download: Plot HTML", lambda state: html(_built(state).plots), download="Plot HTML"),
)


def costliest(kind: Kind) -> tuple[str, PageState, float] | None:
    """The kind's slowest candidate, timed here as a worker runs it (the page a step or a download is made from
    is built first, untimed: a visitor's page is in the cache by then)."""
    torch.set_num_threads(1)  # as a worker runs
    with contextlib.suppress(ExpressionError, RenderError):  # first-call costs, paid before any timing
        kind.cost(PageState(function="torch.sin(x) * x", points=(("x", "0.5"),)))
    timed = {}
    for name, state in candidates().items():
        try:
            _built(state)
        except ExpressionError as err:
            print(f"  {kind.name}: refused, left out: {name}: {err}", file=sys.stderr)
            continue
        started = time.perf_counter()
        try:
            kind.cost(state)
            ended = ""
        except ExpressionError as err:
            print(f"  {kind.name}: refused, left out: {name}: {err}", file=sys.stderr)
            continue
        except RenderError as err:  # dot stopped at its limit: the job costs that much, and is bounded there
            ended = f" ({err})"
        timed[name] = time.perf_counter() - started
        print(f"  {kind.name}: {name}: {timed[name]:.2f} s here{ended}", file=sys.stderr)
    if not timed:
        return None
    name = max(timed, key=timed.get)
    return name, candidates()[name], timed[name]
async def student(url: str, duration_s: float, think_s: float, first: int) -> list[float]:
    """Lab functions, a new one every think_s seconds; each change's latency."""
    latencies: list[float] = []
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with load.connect(stream, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        await ws.send(load.rerun(urlencode({"f": load.function_for(first)})))
        reply = await load.read_run(ws, 120, "", "")
        stop_at = time.monotonic() + duration_s
        request = first
        while time.monotonic() < stop_at:
            await asyncio.sleep(think_s)
            request += 1
            started = time.monotonic()
            await ws.send(load.rerun(reply.query_string, reply.function_box, load.function_for(request)))
            reply = await load.read_run(ws, 120, reply.function_box, reply.query_string)
            latencies.append(time.monotonic() - started)
            if reply.errors or "→ value" not in reply.value_line:
                raise RuntimeError(f"the student's page went wrong: {reply.errors or 'no value line'}")
    return latencies


async def _read(ws, timeout_s: float) -> dict:
    """One script run's ForwardMsgs until it finishes: what the heavy visitor needs of the page."""
    seen = {"errors": [], "box": "", "inputs": {}, "slider": None, "query": "", "further": "", "downloads": {},
            "session": ""}
    deadline = time.monotonic() + timeout_s
    while True:
        message = ForwardMsg()
        message.ParseFromString(await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic())))
        kind = message.WhichOneof("type")
        if kind == "new_session":
            seen["session"] = message.new_session.initialize.session_id
        elif kind == "page_info_changed":
            seen["query"] = message.page_info_changed.query_string
        elif kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            shown = element.WhichOneof("type")
            if shown == "text_input" and element.text_input.label == load.FUNCTION_LABEL:
                seen["box"] = element.text_input.id
            elif shown == "slider" and element.slider.label == "Step":
                seen["slider"] = (element.slider.id, int(element.slider.max))
            elif shown == "text_input":
                seen["inputs"][element.text_input.label] = element.text_input.id
            elif shown == "button_group" and element.button_group.label == "Go further":
                seen["further"] = element.button_group.id
            elif shown == "download_button" and element.download_button.deferred_file_id:
                seen["downloads"][element.download_button.label] = element.download_button.deferred_file_id
            elif shown == "exception" or (shown == "alert" and element.alert.format in load._COUNTED_BOXES):
                seen["errors"].append(element.alert.body if shown == "alert" else element.exception.type)
        elif kind == "script_finished" and message.script_finished in load._FINISHED:
            return seen


def _rerun(query: str, widgets: dict[str, str | list[str] | list[float]]) -> bytes:
    message = BackMsg()
    message.rerun_script.query_string = query
    message.rerun_script.page_script_hash = ""
    for widget, value in widgets.items():
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget
        if isinstance(value, list) and value and isinstance(value[0], float):  # a slider's value
            state.double_array_value.data.extend(value)
        elif isinstance(value, list):
            state.string_array_value.data.extend(value)
        else:
            state.string_value = value
    return message.SerializeToString()


async def _download(ws, session: str, file_id: str, timeout_s: float) -> str:
    """Ask for a deferred download as the browser does when its button is pressed; "" or the error said."""
    message = BackMsg()
    request = message.backend_operation_request
    request.request_id, request.session_id, request.deferred_file.file_id = str(uuid.uuid4()), session, file_id
    await ws.send(message.SerializeToString())
    deadline = time.monotonic() + timeout_s
    while True:
        answer = ForwardMsg()
        answer.ParseFromString(await asyncio.wait_for(ws.recv(), max(0.0, deadline - time.monotonic())))
        if answer.WhichOneof("type") == "backend_operation_response" and \
                answer.backend_operation_response.request_id == request.request_id:
            return answer.backend_operation_response.error_msg


async def heavy(url: str, kind: Kind, state: PageState, stop: Event, ready: Event, outcomes: Counter,
                number: int) -> None:
    """The kind's costliest job again and again, a new constant each time, with no pause, until ``stop``;
    ``ready`` once the first answer is in."""
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    link = to_query(replace(state, view=kind.view))
    k = 0
    if kind.step:  # the player, opened at a link's step=, then moved along its slider, at a new point each time
        async with load.connect(stream, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
            await ws.send(_rerun(urlencode({**link, "step": "1"}), {}))
            seen = await _read(ws, 120)
            ready.set()
            while not stop.is_set() and seen["slider"]:
                k += 1
                slider, last = seen["slider"]
                await ws.send(_rerun(seen["query"], {**_new_point(state, seen, k), slider: [float(1 + k % last)]}))
                run = await _read(ws, 120)
                for key in ("slider", "inputs", "query"):
                    seen[key] = run[key] or seen[key]
                outcomes[_outcome(next(iter(run["errors"]), "served"))] += 1
        return
    async with load.connect(stream, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        await ws.send(_rerun(urlencode(link), {}))
        seen = await _read(ws, 120)
        ready.set()
        while not stop.is_set():
            k += 1
            widgets: dict[str, str | list[str]] = {seen["box"]: f"{state.function} + {number + 1}{k}"}
            if kind.download:  # a file is kept by what it shows: a constant added changes no tensor of the graph
                widgets.update(_new_point(state, seen, k))
            if kind.topic:  # the "Go further" choice, sent with the new function, as a browser keeps it
                widgets[seen["further"]] = [TOPICS[kind.topic]]
            await ws.send(_rerun(seen["query"], widgets))
            run = await _read(ws, 120)
            for key in ("box", "inputs", "query", "further", "session"):
                seen[key] = run[key] or seen[key]
            shown = next(iter(run["errors"]), "")
            if kind.download and not shown:  # no button: that run showed no plot (cut short)
                button = run["downloads"].get(kind.download)
                shown = await _download(ws, seen["session"], button, 120) if button else "no download button"
            outcomes[_outcome(shown or "served")] += 1


def _new_point(state: PageState, seen: dict, k: int) -> dict[str, str]:
    """The first variable's point box set to a point no earlier request used (by more than the graph's rounding),
    so every tensor of the page is new; nothing where that point is a range."""
    variable, point = state.points[0]
    box = seen["inputs"].get(f"{variable} =")
    return {box: f"{float(point) + k / 100:g}"} if box and ":" not in point else {}


def _outcome(shown: str) -> str:
    words = {"longer than": "stopped at the time limit", "faster than": "refused by the quota",
             "busy": "refused: workers busy", "memory": "stopped at the memory limit",
             # Streamlit's only words for a download whose job was refused (here: dot stopped at its 5 s)
             "Failed to generate file": "download refused or stopped"}
    return next((said for key, said in words.items() if key in shown), shown[:60])


def _heavy_visitor(url: str, kind_name: str, state: PageState, stop: Event, ready: Event, number: int,
                   answers: multiprocessing.Queue) -> None:
    """One heavy visitor in a process of its own, as another browser is: reading its big pages here would
    delay the student's timer in this process's event loop, and the delay would be counted as the server's."""
    kind = next(k for k in KINDS if k.name == kind_name)
    outcomes: Counter = Counter()
    try:
        asyncio.run(heavy(url, kind, state, stop, ready, outcomes, number))
    finally:
        ready.set()
        answers.put(dict(outcomes))


def measure(url: str, heavy_jobs: list[tuple[Kind, str, PageState, float]], duration_s: float,
            think_s: float, heavies: int) -> tuple[list[float], dict[str, tuple[list[float], Counter]]]:
    alone = asyncio.run(student(url, duration_s / 2, think_s, first=0))
    beside = {}
    spawn = multiprocessing.get_context("spawn")
    for n, (kind, _, state, _) in enumerate(heavy_jobs, start=1):
        stop, answers = spawn.Event(), spawn.Queue()
        visitors = [(spawn.Process(target=_heavy_visitor, args=(url, kind.name, state, stop, ready,
                                                                1000 * n + h, answers)), ready)
                    for h, ready in enumerate(spawn.Event() for _ in range(heavies))]
        for process, _ in visitors:
            process.start()
        for _, ready in visitors:
            ready.wait(300)
        time.sleep(5)  # the heavy visitors are at full speed before the student starts
        latencies = asyncio.run(student(url, duration_s, think_s, first=10_000 * n))
        stop.set()
        outcomes: Counter = Counter()
        for _ in visitors:
            outcomes.update(answers.get(timeout=300))
        for process, _ in visitors:
            process.join(60)
        beside[kind.name] = (latencies, outcomes)
    # alone again at the end: the baseline is the same machine before and after, whatever else it did between
    alone += asyncio.run(student(url, duration_s / 2, think_s, first=500_000))  # functions not asked before
    return alone, beside


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of each phase (default 30)")
    parser.add_argument("--think", type=float, default=0.5,
                        help="the student's pause between changes (default 0.5 s: enough changes for a p95)")
    parser.add_argument("--heavy", type=int, default=1, help="sessions sending the costliest job (default 1)")
    parser.add_argument("--kinds", nargs="*", help="only these kinds (default: all)")
    parser.add_argument("--url", help="a running app on loopback instead of a fresh one")
    args = parser.parse_args(argv)
    print("Finding the costliest job of each kind at the caps:", file=sys.stderr)
    heavy_jobs = []
    for kind in KINDS:
        if args.kinds and kind.name not in args.kinds:
            continue
        if found := costliest(kind):
            heavy_jobs.append((kind, *found))
    with load.app_under_test(args.url) as url:
        alone, beside = measure(url, heavy_jobs, args.duration, args.think, args.heavy)
    print(f"\nThe student alone: {len(alone)} changes, median {1000 * statistics.median(alone):.0f} ms, "
          f"p95 {1000 * p95(alone):.0f} ms. Heavy sessions: {args.heavy} at a time, no pause.")
    print("\n| kind | costliest input | s here | student median ms | p95 ms | p95 ratio | the heavy jobs |")
    print("|---|---|---:|---:|---:|---:|---|")
    for kind, name, _, seconds in heavy_jobs:
        latencies, outcomes = beside[kind.name]
        print(f"| {kind.name} | {name} | {seconds:.2f} | {1000 * statistics.median(latencies):.0f} | "
              f"{1000 * p95(latencies):.0f} | {p95(latencies) / p95(alone):.2f} | "
              + (", ".join(f"{n} {what}" for what, n in outcomes.most_common()) or "none") + " |")
    print("\nThe promise: another visitor's p95 at most 2x alone, beside the worst of them.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
