"""The worker pool: pages computed in other processes, bounded in time and memory, replaced when they fail."""

from __future__ import annotations

import base64
import contextlib
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path

import pytest

from explorer import ExpressionError, available_devices, parse
from explorer.child import Child
from explorer.compute.build import build
from explorer.errors import Busy, CapacityError, ExplorerError, InternalError, OverLimit
from explorer.model.state import PageState
from explorer.serve.pool import Limits, Lost, Pool, close_shared, shared, start_early

# a job that takes seconds on any machine: sympy cannot differentiate sin nested 150 deep before the symbolic
# step's own 2 s limit stops it (explorer/compute/symbols.py), and the worker waits for that answer
DEEP = "x"
for _ in range(150):
    DEEP = f"sin({DEEP})"
SLOW = ("further", PageState(function=DEEP, points=(("x", "0.5"),)), "symbols")

# a job that keeps a worker's dot busy for seconds: torchviz's drawing of a 95-step chain
CHAIN = "x"
for _ in range(95):
    CHAIN = f"sin({CHAIN})*1.01 + x"
LAYOUT = ("page", PageState(function=CHAIN, points=(("x", "0.5"),), view="torchviz"), False)


@pytest.fixture(scope="module")
def pool():
    started = Pool(Limits(workers=2))
    yield started
    started.close()


def quick(x: str = "2") -> PageState:
    return PageState(function="y = x**2 + 2*x + 1", points=(("x", x),))


def without_addresses(page):
    """torchviz names its nodes by memory address, which differs from one process to another."""
    dot = page.result.torchviz_dot  # None in the explorer view, which makes none
    return replace(page, result=replace(page.result, torchviz_dot=dot and re.sub(r"\d{6,}", "N", dot)))


def test_a_page_from_a_worker_is_the_page_built_here(pool):
    state = quick("3")
    assert without_addresses(pool.run("page", state, False)) == without_addresses(build(state))


def test_a_worker_lists_the_devices_torch_sees_so_the_app_need_not_import_torch(pool):
    devices = pool.run("devices")
    assert devices == available_devices() and devices[0] == "cpu"


def test_a_refused_function_gives_the_same_message_and_column_as_parsing_here(pool):
    with pytest.raises(ExpressionError) as here:
        parse("x + __import__('os')")
    with pytest.raises(ExpressionError) as there:
        pool.run("page", PageState(function="x + __import__('os')"), False)
    assert (there.value.message, there.value.column) == (here.value.message, here.value.column)
    assert pool.run("page", quick(), False).result.grad == {"x": 6.0}, "the worker goes on serving"


def test_two_visitors_are_served_at_once(pool):
    answers = {}

    def visit(x: str) -> None:
        answers[x] = pool.run("page", quick(x), False).result.grad["x"]

    visitors = [threading.Thread(target=visit, args=(x,)) for x in ("1", "5")]
    for visitor in visitors:
        visitor.start()
    for visitor in visitors:
        visitor.join(60)
    assert answers == {"1": 4.0, "5": 12.0}


def test_the_backward_player_and_deeper_views_run_in_workers_too(pool):
    state = quick()
    assert pool.run("step", state, False, 1).running
    assert pool.run("further", state, "forward").forward[0].derivative == 6.0


def test_the_downloads_are_made_by_a_worker(pool):
    page = pool.run("page", quick(), False)
    assert base64.b64decode(pool.run("png", page.dot)).startswith(b"\x89PNG\r\n\x1a\n")
    html = pool.run("plot_html", page.plots)
    assert html.count('class="plotly-graph-div"') == len(page.plots) == 1
    with pytest.raises(InternalError, match="PNG could not be made"):  # our DOT broken: the explorer's fault
        pool.run("png", "digraph { a -> }")


def test_each_worker_limits_the_memory_it_allocates():
    pool = Pool(Limits(workers=1, memory_mb=2500))
    try:
        pool.run("page", quick(), False)
        (worker,) = pool._all
        limits = Path(f"/proc/{worker.process.pid}/limits").read_text()
        assert f"Max data size             {2500 << 20}" in limits
        assert worker.process.pid != os.getpid()
    finally:
        pool.close()


def test_a_job_past_its_time_is_stopped_and_its_worker_replaced():
    pool = Pool(Limits(workers=1, job_seconds=0.5))
    try:
        assert pool.ready(120)
        started = time.monotonic()
        with pytest.raises(OverLimit, match="longer than the 0.5 s") as caught:
            pool.run(*SLOW)
        assert isinstance(caught.value, CapacityError) and not isinstance(caught.value, ExpressionError)
        assert time.monotonic() - started < 5, "stopped at its limit, not when it finished"
        assert wait_for(lambda: pool.replaced == 1, 5)
    finally:
        pool.close()


def test_a_busy_worker_killed_from_outside_is_replaced_and_its_job_runs_again_elsewhere():
    pool = Pool(Limits(workers=1, wait_seconds=120))
    try:
        pool.run("page", quick(), False)
        (worker,) = pool._all
        threading.Timer(0.3, worker.process.kill).start()  # killed while it works on the slow page
        answer = pool.run(*SLOW)
        assert answer.symbolic is not None, "the visitor got the answer, from the worker that replaced it"
        assert pool.run("page", quick("4"), False).result.grad == {"x": 10.0}
        assert not worker.alive() and worker not in pool._all
    finally:
        pool.close()


def test_a_job_that_crashes_its_worker_is_said_as_a_bug_and_not_run_again():
    pool = Pool(Limits(workers=1, wait_seconds=120, job_seconds=60))  # a crash, not the time limit, ends it
    try:
        pool.run("page", quick(), False)
        (worker,) = pool._all
        threading.Timer(0.3, os.kill, (worker.process.pid, signal.SIGSEGV)).start()  # as a crash in torch would
        with pytest.raises(InternalError, match=r"crashed \(killed by SIGSEGV\)"):
            pool.run(*SLOW)
        assert wait_for(lambda: pool.size() == 1 and worker.process.pid not in pool.pids(), 120)
        assert pool.replaced == 1, "run once: a crash is the job's own, and would crash the next worker too"
    finally:
        pool.close()


def test_a_job_whose_workers_keep_being_killed_says_what_happened_not_that_it_needed_more_memory():
    pool = Pool(Limits(workers=1, wait_seconds=120))
    stop = threading.Event()

    def kill_whoever_works() -> None:  # every worker is killed a moment after it takes a job
        while not stop.is_set():
            for worker in list(pool._all):
                if worker.alive() and worker.process.pid not in killed and worker in pool._busy:
                    time.sleep(0.3)
                    killed.add(worker.process.pid)
                    worker.process.kill()
            time.sleep(0.05)

    killed: set[int] = set()
    try:
        assert pool.ready(120)
        threading.Thread(target=kill_whoever_works, daemon=True).start()
        with pytest.raises(Lost) as lost:
            pool.run(*SLOW)
        assert "memory" not in lost.value.message
        assert "stopped before it answered (killed by SIGKILL)" in lost.value.message
    finally:
        stop.set()
        pool.close()


def test_when_every_worker_is_busy_the_visitor_is_asked_to_try_again():
    pool = Pool(Limits(workers=1, wait_seconds=0.2))
    try:
        pool.run("page", quick(), False)
        slow = threading.Thread(target=lambda: pool.run(*SLOW))
        slow.start()
        time.sleep(0.1)
        with pytest.raises(Busy, match="Try again"):  # a CapacityError: the page must not blame the function
            pool.run("page", quick("7"), False)
        slow.join(120)
    finally:
        pool.close()


def test_only_the_pools_own_tasks_can_be_asked_for(pool):
    with pytest.raises(KeyError):
        pool.run("exec", "print(1)")


def test_the_server_has_one_pool_started_before_it_and_used_by_every_page(monkeypatch):
    # `python app.py` starts the workers before Streamlit; every page of every visitor uses that pool
    monkeypatch.setenv("EXPLORER_WORKERS", "1")
    close_shared()
    try:
        start_early()
        early = shared()
        assert shared() is early and early.limits.workers == 1
        assert early.run("page", quick(), False).result.grad == {"x": 6.0}
    finally:
        close_shared()


def test_closing_the_pool_leaves_no_process():
    pool = Pool(Limits(workers=2))
    pool.run("page", quick(), False)
    processes = [w.process for w in pool._all]
    pool.close()
    assert all(p.poll() is not None for p in processes)


def running() -> dict[int, tuple[str, int, float]]:
    """Every process on the machine that has not ended (zombies left out): pid -> (program name, parent's pid,
    CPU seconds used)."""
    found = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text() if entry.name.isdigit() else ""
            if stat:
                fields = stat[stat.rindex(")") + 2:].split()
                if fields[0] not in ("Z", "X"):
                    cpu = (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
                    found[int(entry.name)] = (stat[stat.index("(") + 1:stat.rindex(")")], int(fields[1]), cpu)
    return found


def wait_for(condition, seconds: float):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if found := condition():
            return found
        time.sleep(0.05)
    return condition()


def answer_or_refusal(pool: Pool, *job):
    try:
        return pool.run(*job)
    except ExplorerError as err:
        return err


def laying_out(pool: Pool) -> tuple[Child, threading.Thread, list[int]]:
    """A one-worker pool's worker, busy laying out LAYOUT's graph: the worker, the job's thread, its dot's pids."""
    assert pool.ready(120)
    (worker,) = pool._all
    job = threading.Thread(target=answer_or_refusal, args=(pool, *LAYOUT))
    job.start()
    dots = wait_for(lambda: [pid for pid, (name, parent, cpu) in running().items()
                             if name == "dot" and parent == worker.process.pid and cpu > 0.2], 30)
    assert dots, "the worker's dot is laying the graph out"
    return worker, job, dots


@pytest.mark.parametrize("killed_by", ["the pool, past its time", "something outside, as the OOM killer would"])
def test_a_worker_killed_mid_layout_leaves_no_dot_running(killed_by):
    outside = killed_by.startswith("something outside")
    # past its time: 4 s, while dot (stopped by its worker at 5 s) still lays the graph out on a busy machine
    pool = Pool(Limits(workers=1, job_seconds=30 if outside else 4.0))
    try:
        worker, job, dots = laying_out(pool)
        if outside:
            os.kill(worker.process.pid, signal.SIGKILL)
        job.join(60)
        assert wait_for(lambda: not set(dots) & set(running()), 1), "the worker's dot ended with it"
    finally:
        pool.close()


def test_a_worker_and_the_dot_it_starts_give_way_to_the_apps_page_runs():
    # a visitor's long job must not hold a core another visitor's page run needs (NOTE [workers yield to page
    # runs]): the worker and its dot run at a lower priority than the app's process that started them
    pool = Pool(Limits(workers=1, nice=7))
    try:
        worker, job, dots = laying_out(pool)
        apps = os.getpriority(os.PRIO_PROCESS, 0)
        assert os.getpriority(os.PRIO_PROCESS, worker.process.pid) == min(19, apps + 7)
        assert os.getpriority(os.PRIO_PROCESS, dots[0]) == min(19, apps + 7)
    finally:
        pool.close()
    job.join(60)


def page_workers_of(pool: Pool) -> set[int]:
    """The pool's worker processes that are running now, ready or starting."""
    return {pid for pid, (name, parent, _) in running().items() if parent == os.getpid()
            and b"page_worker.py" in Path(f"/proc/{pid}/cmdline").read_bytes()} & pool.pids()


def test_a_worker_that_dies_while_idle_is_replaced_before_anyone_needs_it():
    pool = Pool(Limits(workers=2))
    try:
        assert wait_for(lambda: pool.size() == 2, 180)
        first = pool.pids()
        os.kill(min(first), signal.SIGKILL)
        assert wait_for(lambda: pool.size() == 2 and len(page_workers_of(pool)) == 2 and pool.pids() != first, 180)
        assert pool.run("page", quick(), False).result.grad == {"x": 6.0}
    finally:
        pool.close()


def test_the_pool_keeps_its_size_whatever_dies_and_whenever():
    # workers killed at random moments: idle, busy, or still importing torch; the pool ends as large as it began
    pool, rng = Pool(Limits(workers=2, wait_seconds=120)), random.Random(15)
    answered, unexpected, stop = [], [], threading.Event()

    def visitor() -> None:
        while not stop.is_set():
            try:
                answered.append(pool.run("page", quick(str(rng.randint(1, 9))), False).result.grad["x"])
            except (Busy, Lost):  # what a visitor may read while everything dies around them
                pass
            except Exception as err:  # anything else is a failure of the pool
                unexpected.append(err)

    try:
        assert pool.ready(180)
        threading.Thread(target=visitor, daemon=True).start()
        for _ in range(6):
            time.sleep(rng.uniform(0, 2))
            if victims := sorted(pool.pids()):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(rng.choice(victims), signal.SIGKILL)
        assert wait_for(lambda: pool.size() == 2 and len(page_workers_of(pool)) == 2, 240), "back to its size"
        stop.set()
        assert not unexpected, unexpected
        assert [pool.run("page", quick(x), False).result.grad["x"] for x in ("1", "2")] == [4.0, 6.0]
        last = pool.pids()
    finally:
        stop.set()
        pool.close()
    assert wait_for(lambda: not last & set(running()), 5), "closing the pool leaves none of its workers"


_APP = """
import sys, time
sys.path.insert(0, sys.argv[1])
from explorer.model.state import PageState
from explorer.serve.pool import Limits, Pool
chain = "x"
for _ in range(95):
    chain = f"sin({chain})*1.01 + x"
pool = Pool(Limits(workers=1, job_seconds=60))
assert pool.ready(120)
print(*pool.pids(), flush=True)
pool.run("page", PageState(function=chain, points=(("x", "0.5"),), view="torchviz"), False)
"""


def test_when_the_apps_process_is_killed_its_workers_and_their_children_end_too(repo_root):
    app = subprocess.Popen([sys.executable, "-c", _APP, str(repo_root)], stdout=subprocess.PIPE, text=True)
    try:
        (worker,) = map(int, app.stdout.readline().split())
        dots = wait_for(lambda: [pid for pid, (name, parent, cpu) in running().items()
                                 if name == "dot" and parent == worker and cpu > 0.5], 60)
        assert dots, "the worker's dot is laying the graph out"
        app.kill()  # as the OOM killer would: the pool has no chance to stop anything
        assert wait_for(lambda: not {worker, *dots} & set(running()), 2), "nothing of the worker is left"
    finally:
        app.kill()
        app.wait()
        app.stdout.close()
