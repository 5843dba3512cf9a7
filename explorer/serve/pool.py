"""Worker processes that run visitors' functions under a time and a memory bound.

Everything whose cost depends on what a visitor typed (recording the graph,
backward, the plots' ranges, the layout, the deeper views) runs in a small pool
of pre-started processes, not in the app's own process. A job that runs over
its time is stopped by killing its process, a job that runs out of memory
fails inside its process, and in both cases a fresh worker takes the place of
the old one while the other workers go on serving other visitors.

>>> from explorer.model.state import PageState
>>> pool = Pool(Limits(workers=1))
>>> pool.run("page", PageState(function="x**2", points=(("x", "3"),)), False).result.grad
{'x': 6.0}
>>> pool.close()

NOTE [why processes, and what crosses]
A thread cannot stop a running torch kernel or a big-integer power, and
signals do not reach Streamlit's script threads, so the only bound a job
cannot escape is a process that can be killed. Workers are started with
``subprocess`` (``python -I explorer/serve/page_worker.py``) and speak one JSON line
per job each way (``explorer.serve.plain``): the task's name from ``TASKS`` and its
arguments in, the result or the refusal out. Nothing is pickled, so a worker
cannot hand the app an object that runs code when it is loaded. Each worker
limits the memory it allocates (``RLIMIT_DATA``) and uses one torch thread, so
``workers`` jobs at once use at most ``workers`` cores. The pool's size is the
bound on concurrent work: a job waits at most ``wait_seconds`` for a free
worker, then the visitor is asked to try again (``Busy``).

NOTE [why our own pool, not pebble or loky]
pebble's ``ProcessPool`` and loky's reusable executor both time out, kill and
replace workers, and were weighed against this module (pebble 5.2, loky 3.7).
This pool is kept for what neither does:
- nothing is unpickled: both send arguments and results with pickle, so a
  worker that misbehaved could hand the app's process an object that runs code
  as it is loaded; here only JSON crosses (``explorer.serve.plain``);
- a worker's children die with it: both kill the worker's own process only
  (pebble: SIGTERM then SIGKILL to its pid; loky kills the tree only on
  shutdown), which left ``dot`` and sympy running, orphaned; here each worker
  leads a process group that is killed whole (``explorer.child``);
- one worker's death costs one job: loky marks the whole executor broken and
  fails every job in flight when any worker dies (the OOM killer, a crash);
  pebble does not, but queues jobs without bound where this pool makes a job
  wait at most ``wait_seconds`` and says ``Busy``;
- ``python -I`` workers that import torch and pay the first page's costs once,
  with ``RLIMIT_DATA`` and one torch thread set before the first job, and a
  ``dot`` kept running between jobs: multiprocessing's spawn would import the
  app's ``__main__`` in each worker, and fork would copy Streamlit's threads.
What they would have given (a deadline per job, kill, replace, a watcher per
worker) is the hundred lines of ``Pool`` below.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import queue
import signal
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.child import Child
from explorer.errors import Busy, ExplorerError, ExpressionError, InternalError, OverLimit, OverQuota
from explorer.serve import plain

__all__ = ["Limits", "Pool", "Lost", "TASKS", "MAX_ANSWER_BYTES", "shared", "start_early", "close_shared"]

_WORKER = Path(__file__).with_name("page_worker.py")

# The app's process reads every answer and keeps it in its cache, on behalf of every visitor at once: a page
# bigger than this is refused in the worker instead (page.MAX_PAGE_VALUES keeps pages near 9 MB at most).
MAX_ANSWER_BYTES = 16_000_000

# what a worker can be asked to do: the app's expensive calls, by name (see page_worker.TASKS), the downloads
# whose cost follows the page's ("png", "plot_html"), and what only torch can say ("devices": this machine's, as
# explorer.available_devices lists them)
TASKS = ("page", "step", "further", "pitfall", "gradcheck", "devices", "png", "plot_html", "program", "program_view",
         "deck_notebook")


class Lost(InternalError):
    """The worker that took a job was killed from outside, or crashed, before it answered."""


# the refusals a worker may send back, by class name: the app raises the same kind of error the job raised
_REFUSALS: dict[str, type[ExplorerError]] = {cls.__name__: cls for cls in (ExpressionError, OverLimit, OverQuota,
                                                                           Busy, InternalError)}


@dataclass(frozen=True)
class Limits:
    """How much work the pool does at once and how much one job may cost.

    Every field can be set from the environment of the app's process, for a host
    with more cores or more memory: ``EXPLORER_WORKERS``, ``EXPLORER_JOB_SECONDS``,
    ``EXPLORER_WORKER_MB``, ``EXPLORER_WAIT_SECONDS``, ``EXPLORER_WORKER_NICE``.
    """

    workers: int = 2  # jobs at once; one core each
    job_seconds: float = 10.0  # a job's time, from the moment a worker takes it
    memory_mb: int = 3072  # what a worker may allocate (torch and a first page take about 220 MB)
    wait_seconds: float = 8.0  # how long a job waits for a free worker
    start_seconds: float = 90.0  # how long a new worker may take to import torch
    # NOTE [workers yield to page runs]
    # The app's one process runs every visitor's page and speaks every websocket; a worker runs one visitor's
    # job, which may take seconds. Workers (and the dot and sympy processes they start, which inherit it) run
    # at a lower scheduling priority, so a job holding a core gives way whenever another visitor's page run
    # needs one (the pages are short, so the job itself loses little). 0 keeps the app's priority; a process
    # may lower its own priority but not raise it back.
    nice: int = 10

    @classmethod
    def from_environment(cls) -> Limits:
        read = {"workers": ("EXPLORER_WORKERS", int), "job_seconds": ("EXPLORER_JOB_SECONDS", float),
                "memory_mb": ("EXPLORER_WORKER_MB", int), "wait_seconds": ("EXPLORER_WAIT_SECONDS", float),
                "nice": ("EXPLORER_WORKER_NICE", int)}
        return cls(**{name: kind(os.environ[key]) for name, (key, kind) in read.items() if os.environ.get(key)})


# what the host set to choose and find its GPUs: a worker sees the devices the app's process sees
_DEVICE_VARIABLES = ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")


def _environment() -> dict[str, str]:
    """A worker needs dot on its PATH (as the app sees it now), the host's GPU settings, and nothing else."""
    chosen = {name: os.environ[name] for name in _DEVICE_VARIABLES if name in os.environ}
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1", "LC_ALL": "C.UTF-8", **chosen}


class Pool:
    """Pre-started workers; ``run`` hands one job to a free one and waits for its answer.

    The pool heals itself: every worker has a watcher thread that waits for its end, whatever ends it (a job
    past its time, a crash, a kill from outside, idle or busy), kills its process group and starts another,
    so the pool always has ``workers`` workers running or starting. A worker that fails to start is started
    again, a little later each time.
    """

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._idle: queue.Queue[Child] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[Child] = set()  # ready: idle or busy
        self._busy: set[Child] = set()
        self._starting: set[Child] = set()
        self._closed = False
        self._started_once = threading.Event()
        self.replaced = 0  # workers that ended and were replaced: overruns, crashes, kills, for the host's eyes
        self._start_in_background(self.limits.workers)

    def run(self, task: str, *args: Any, charge: Callable[[float], None] | None = None) -> Any:
        """The result of ``task(*args)`` computed in a worker.

        Raises the task's own refusal (``ExpressionError``: the input must change),
        ``OverLimit`` past the job's time or memory, ``InternalError`` for a bug (an
        exception, or a crash of its worker), ``Busy`` when no worker came free in
        time, and ``Lost`` when two workers in a row were killed from outside before
        they answered (a job whose worker is killed from outside runs once more, on
        another; one that crashes its worker does not). ``charge`` is told the
        seconds each try held a worker, whatever it came to (a visitor's quota).
        """
        if task not in TASKS:
            raise KeyError(f"no task {task!r}")
        request = plain.dumps({"task": task, "args": args}).encode() + b"\n"
        try:
            return self._ask(request, charge)
        except Lost:
            return self._ask(request, charge)

    def _ask(self, request: bytes, charge: Callable[[float], None] | None) -> Any:
        worker = self._take()
        taken = time.monotonic()
        try:
            return self._answer(worker, request, taken + self.limits.job_seconds)
        finally:
            if charge is not None:
                charge(time.monotonic() - taken)

    def _answer(self, worker: Child, request: bytes, deadline: float) -> Any:
        line = worker.read_line(deadline) if worker.send(request) else None
        if line is None:
            if time.monotonic() >= deadline:
                self._retire(worker)
                raise OverLimit(f"This took longer than the {self.limits.job_seconds:g} s one function may take "
                                "here, so it was stopped. Try fewer points, or a shorter function.")
            how, from_outside = self._ended(worker)
            if from_outside:
                raise Lost(f"The process computing this stopped before it answered ({how}), so it was replaced. "
                           "Try again.")
            raise InternalError(f"The process computing this crashed ({how}), so it was replaced. This is a bug; the "
                         "page's link reproduces it in a report.")
        try:
            answer = plain.loads(line)
        except ValueError:
            self._retire(worker)
            raise Lost("The process computing this answered something unreadable, so it was replaced. "
                       "Try again.") from None
        if "failed" in answer and answer["failed"] == "MemoryError":
            self._retire(worker)  # an allocation can fail anywhere, half-way through an update: not trusted again
            raise OverLimit("This function needed more memory than one visitor may use here, so it was stopped. "
                            "Try fewer points, or a shorter function.")
        self._give_back(worker)  # a refusal or an exception unwinds the job and leaves the worker as it was
        if "refused" in answer:
            message, column, kind = answer["refused"]
            refusal = _REFUSALS.get(kind, InternalError)
            raise ExpressionError(message, column) if refusal is ExpressionError else refusal(message)
        if "failed" in answer:
            raise InternalError(f"The explorer could not compute this: it hit an internal error ({answer['failed']}). "
                         "This is a bug; the page's link reproduces it in a report.")
        return answer["result"]

    def ready(self, timeout: float) -> bool:
        """Wait until a worker has started (torch imported, first call paid); False if none did in time."""
        return self._started_once.wait(timeout)

    def size(self) -> int:
        """Workers started and running now, idle or busy (``workers`` but for moments after one ended)."""
        with self._lock:
            return sum(worker.alive() for worker in self._all)

    def pids(self) -> set[int]:
        """The process ids of the workers, ready or starting (each leads a process group of that id)."""
        with self._lock:
            return {worker.process.pid for worker in self._all | self._starting}

    def close(self) -> None:
        """Stop every worker, started or starting; ``run`` is not called afterwards."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all | self._starting), set()
        for worker in workers:
            worker.stop()

    def _take(self) -> Child:
        wait = self.limits.wait_seconds if self._started_once.is_set() else self.limits.start_seconds
        deadline = time.monotonic() + wait
        while True:
            try:
                worker = self._idle.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise Busy("The explorer is busy with other visitors' functions right now. "
                           "Try again in a few seconds.") from None
            with self._lock:
                if worker in self._all and worker.alive():  # one that died while idle is left to its watcher
                    self._busy.add(worker)
                    return worker

    def _give_back(self, worker: Child) -> None:
        with self._lock:
            self._busy.discard(worker)
        self._idle.put(worker)

    def _retire(self, worker: Child) -> None:
        """Kill a worker the pool no longer trusts; its watcher replaces it."""
        worker.stop()

    @staticmethod
    def _ended(worker: Child) -> tuple[str, bool]:
        """How a worker that stopped answering ended, in words, and whether something outside ended it (SIGKILL,
        SIGTERM: the OOM killer, an operator) rather than the job itself (a crash: SIGSEGV, SIGABRT, an exit).
        It is stopped now, if it was not."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            worker.process.wait(1.0)  # its pipe closed as it died: let it finish dying, to read why
        worker.stop()
        code = worker.process.returncode
        if code >= 0:
            return f"it exited with status {code}", False
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"killed by {name}", -code in (signal.SIGKILL, signal.SIGTERM)

    def _watch(self, worker: Child) -> None:
        """Wait for the worker's end, whatever ends it; then kill its group and start another."""
        worker.ended()
        worker.stop()
        with self._lock:
            self._all.discard(worker)
            self._busy.discard(worker)
            if self._closed:
                return
            self.replaced += 1
        self._start_in_background()

    def _start_in_background(self, count: int = 1) -> None:
        # one after another: the first page waits for one worker's torch import, not for several sharing the cores
        threading.Thread(target=self._start_several, args=(count,), daemon=True, name="explorer-worker-start").start()

    def _start_several(self, count: int) -> None:
        for _ in range(count):
            self._start()

    def _start(self) -> None:
        """Start one worker, again and again until one is ready (a little later each time) or the pool closes."""
        pause = 0.5
        while True:
            with self._lock:
                if self._closed:
                    return
                worker = Child(_WORKER, str(self.limits.memory_mb), str(self.limits.nice), env=_environment(),
                               group=True)
                self._starting.add(worker)
            ready = worker.started(self.limits.start_seconds)
            with self._lock:
                self._starting.discard(worker)
                if ready and not self._closed:
                    self._all.add(worker)
                    self._idle.put(worker)
                    self._started_once.set()
                    threading.Thread(target=self._watch, args=(worker,), daemon=True,
                                     name="explorer-worker-watch").start()
                    return
            worker.stop()
            time.sleep(pause)
            pause = min(2 * pause, 30.0)


# NOTE [one pool per server process]
# The pool is a module-level singleton, not an ``st.cache_resource``: any visitor can send Streamlit's
# ``clear_cache`` message (the toolbar only hides the menu item), which releases every cached resource for
# every session at once. Nothing a visitor sends reaches this one; it stops when the process exits.
_shared: Pool | None = None
_shared_lock = threading.Lock()


def shared() -> Pool:
    """This process's pool, started on the first call (``EXPLORER_*`` limits), the same one ever after."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = Pool(Limits.from_environment())
        return _shared


def start_early() -> None:
    """Start the pool before the app's server, so that its workers import torch while the server starts."""
    shared()


def close_shared() -> None:
    """Stop this process's pool; the next ``shared()`` starts a fresh one (for tests: a server never needs it)."""
    global _shared
    with _shared_lock:
        pool, _shared = _shared, None
    if pool is not None:
        pool.close()


@atexit.register
def _close_at_exit() -> None:
    close_shared()


def _answer(line: bytes, tasks: dict[str, Callable[..., object]]) -> str:
    """A worker's reply to one request line (used by ``page_worker``)."""
    try:
        request = plain.loads(line)
        result = tasks[request["task"]](*request["args"])
        answer = plain.dumps({"result": result})
        if len(answer) > MAX_ANSWER_BYTES:
            raise ExpressionError(f"this page would be {len(answer) / 1e6:.0f} MB of data, more than the "
                                  f"{MAX_ANSWER_BYTES / 1e6:.0f} MB one page may be here: use fewer points")
        return answer
    except ExplorerError as err:  # a refusal of any kind: the app raises the same kind
        return plain.dumps({"refused": (err.message, getattr(err, "column", None), type(err).__name__)})
    except Exception as err:  # every failure is an answer: a bug, or memory (the pool then retires this worker)
        memory = isinstance(err, MemoryError) or "can't allocate memory" in str(err)  # torch's CPU allocator
        return plain.dumps({"failed": "MemoryError" if memory else type(err).__name__})

