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
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from explorer.child import Child
from explorer.errors import Busy, ExpressionError, InternalError, OverLimit
from explorer.serve import plain

__all__ = ["Limits", "Pool", "TASKS", "MAX_ANSWER_BYTES", "start_early", "take_early"]

_WORKER = Path(__file__).with_name("page_worker.py")

# The app's process reads every answer and keeps it in its cache, on behalf of every visitor at once: a page
# bigger than this is refused in the worker instead (page.MAX_PAGE_VALUES keeps pages near 9 MB at most).
MAX_ANSWER_BYTES = 16_000_000

# what a worker can be asked to do: the app's expensive calls, by name (see page_worker.TASKS), and what only
# torch can say ("devices": this machine's, as explorer.available_devices lists them)
TASKS = ("page", "step", "further", "pitfall", "gradcheck", "devices")


@dataclass(frozen=True)
class Limits:
    """How much work the pool does at once and how much one job may cost.

    Every field can be set from the environment of the app's process, for a host
    with more cores or more memory: ``EXPLORER_WORKERS``, ``EXPLORER_JOB_SECONDS``,
    ``EXPLORER_WORKER_MB``, ``EXPLORER_WAIT_SECONDS``.
    """

    workers: int = 2  # jobs at once; one core each
    job_seconds: float = 10.0  # a job's time, from the moment a worker takes it
    memory_mb: int = 3072  # what a worker may allocate (torch and a first page take about 220 MB)
    wait_seconds: float = 8.0  # how long a job waits for a free worker
    start_seconds: float = 90.0  # how long a new worker may take to import torch

    @classmethod
    def from_environment(cls) -> Limits:
        read = {"workers": ("EXPLORER_WORKERS", int), "job_seconds": ("EXPLORER_JOB_SECONDS", float),
                "memory_mb": ("EXPLORER_WORKER_MB", int), "wait_seconds": ("EXPLORER_WAIT_SECONDS", float)}
        return cls(**{name: kind(os.environ[key]) for name, (key, kind) in read.items() if os.environ.get(key)})


# what the host set to choose and find its GPUs: a worker sees the devices the app's process sees
_DEVICE_VARIABLES = ("CUDA_VISIBLE_DEVICES", "LD_LIBRARY_PATH")


def _environment() -> dict[str, str]:
    """A worker needs dot on its PATH (as the app sees it now), the host's GPU settings, and nothing else."""
    chosen = {name: os.environ[name] for name in _DEVICE_VARIABLES if name in os.environ}
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "OMP_NUM_THREADS": "1", "LC_ALL": "C.UTF-8", **chosen}


class Pool:
    """Pre-started workers; ``run`` hands one job to a free one and waits for its answer."""

    def __init__(self, limits: Limits | None = None) -> None:
        self.limits = limits or Limits()
        self._idle: queue.Queue[Child] = queue.Queue()
        self._lock = threading.Lock()
        self._all: set[Child] = set()
        self._closed = False
        self._started_once = threading.Event()
        self.replaced = 0  # workers killed and replaced: overruns and crashes, for the host's eyes
        self._start_in_background(self.limits.workers)

    def run(self, task: str, *args: Any) -> Any:
        """The result of ``task(*args)`` computed in a worker.

        Raises ``ExpressionError`` as the task raised it (the input must change),
        ``OverLimit`` past the job's time or memory, ``Busy`` when no worker came
        free in time, and ``InternalError`` when the worker failed or stopped.
        """
        if task not in TASKS:
            raise KeyError(f"no task {task!r}")
        request = plain.dumps({"task": task, "args": args}).encode() + b"\n"
        worker = self._take()
        deadline = time.monotonic() + self.limits.job_seconds
        line = worker.read_line(deadline) if worker.send(request) else None
        if line is None:
            ran_out = time.monotonic() >= deadline
            self._replace(worker)
            if ran_out:
                raise OverLimit(f"This took longer than the {self.limits.job_seconds:g} s one function may take "
                                "here, so it was stopped. Try fewer points, or a shorter function.")
            raise InternalError("The worker computing this stopped before it answered; a new one has taken its "
                                "place. Try again.")
        try:
            answer = plain.loads(line)
        except ValueError:
            self._replace(worker)
            raise InternalError("The worker answered something unreadable, so it was replaced. Try again.") from None
        if "refused" in answer:
            self._idle.put(worker)  # a refused input leaves the worker as it was
            message, column = answer["refused"]
            raise ExpressionError(message, column)
        if "failed" in answer:
            self._replace(worker)  # a worker that failed once (memory, a bug) is not trusted again
            if answer["failed"] == "MemoryError":
                raise OverLimit("This needed more memory than one job may use here, so it was stopped. Try fewer "
                                "points, or a shorter function.")
            raise InternalError(f"The explorer failed to compute this ({answer['failed']}); the worker was "
                                "replaced. This is the explorer's fault, not your function's.")
        self._idle.put(worker)
        return answer["result"]

    def ready(self, timeout: float) -> bool:
        """Wait until a worker has started (torch imported, first call paid); False if none did in time."""
        return self._started_once.wait(timeout)

    def close(self) -> None:
        """Stop every worker; ``run`` is not called afterwards."""
        with self._lock:
            self._closed = True
            workers, self._all = list(self._all), set()
        for worker in workers:
            worker.stop()

    def _take(self) -> Child:
        wait = self.limits.wait_seconds if self._started_once.is_set() else self.limits.start_seconds
        try:
            return self._idle.get(timeout=wait)
        except queue.Empty:
            raise Busy("The explorer is busy with other visitors' functions right now. "
                       "Try again in a few seconds.") from None

    def _replace(self, worker: Child) -> None:
        with self._lock:
            self._all.discard(worker)
            self.replaced += 1
        worker.stop()
        self._start_in_background()

    def _start_in_background(self, count: int = 1) -> None:
        # one after another: the first page waits for one worker's torch import, not for several sharing the cores
        threading.Thread(target=self._start_several, args=(count,), daemon=True, name="explorer-worker-start").start()

    def _start_several(self, count: int) -> None:
        for _ in range(count):
            self._start()

    def _start(self) -> None:
        worker = Child(_WORKER, str(self.limits.memory_mb), env=_environment())
        ready = worker.started(self.limits.start_seconds)
        with self._lock:
            if ready and not self._closed:
                self._all.add(worker)
                self._idle.put(worker)
                self._started_once.set()
                return
        worker.stop()


_early: Pool | None = None


def start_early(limits: Limits | None = None) -> None:
    """Start the pool before the app's server, so that its workers import torch while the server starts."""
    global _early
    _early = Pool(limits or Limits.from_environment())


def take_early() -> Pool | None:
    """The pool ``start_early`` started, once; None if there is none."""
    global _early
    pool, _early = _early, None
    return pool


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
    except ExpressionError as err:
        return plain.dumps({"refused": (err.message, err.column)})
    except Exception as err:  # every failure is an answer; the pool then retires this worker
        return plain.dumps({"failed": type(err).__name__})

