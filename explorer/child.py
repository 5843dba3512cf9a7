"""A child process that answers each job on its pipes: started, read with a deadline, killed.

The explorer's two kinds of worker (the page workers of ``explorer.serve.pool`` and
the sympy worker of ``explorer.compute.symbols``) are both ``python -I <script>``
processes that print ``ready`` once they have imported what they need and then
answer one line per line they read; ``explorer.draw.render`` keeps Graphviz's ``dot``
running the same way, one SVG per graph. This is the part they share: reading a
whole answer with a deadline (``selectors`` on the pipe, so a stuck child never
blocks its caller), and stopping a child so that no process and no zombie is left.
POSIX only.

NOTE [a worker and everything it starts, killed as one]
A page worker starts programs of its own (its ``dot``, its sympy worker), and
killing the worker alone would leave them running, re-parented to init, for as
long as their job takes. So a worker is started as the leader of its own process
group (``group=True``: ``start_new_session``), everything it starts stays in that
group, and ``stop`` kills the whole group (``os.killpg``) before it reaps the
leader: whatever killed the worker first, nothing of it is left afterwards.

NOTE [a reader sees its child's end at once]
A reader waits on two things: the child's stdout and the child's own end (a
pidfd, opened as it starts, before anything can reap it). The pipe alone is not
enough: its end-of-file comes only once every process holding its write end has
ended, and whatever the child started before it was killed may still hold it.
And a child is stopped from other threads too (the pool's watcher, as soon as a
worker dies): closing its pipes under a reader blocked on them would remove them
from the reader's epoll set without waking it, so that reader would notice the
death only at its deadline (a kill read as "took too long"). So ``stop`` closes
the pipes only when no thread is reading them; otherwise the last reader closes
them as it returns.
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

__all__ = ["Child", "READY"]

READY = b"ready\n"


class Child:
    """``python -I script *args`` with pipes for stdin and stdout; stderr is dropped.

    ``group=True`` makes it the leader of a process group of its own, which ``stop`` kills whole.
    """

    def __init__(self, script: Path, *args: str, env: dict[str, str] | None = None, group: bool = False) -> None:
        self.group = group
        self._begin(_start([sys.executable, "-I", str(script), *args], env, group))

    @classmethod
    def program(cls, command: Sequence[str]) -> Child:
        """Any other program on the same pipes (Graphviz's ``dot``), with its stderr dropped too; it stays in
        its caller's process group."""
        child = cls.__new__(cls)
        child.group = False
        child._begin(_start(list(command), None, False))
        return child

    def _begin(self, process: subprocess.Popen[bytes]) -> None:
        self.process = process
        # not reaped yet: it is this child's, whatever happens next (Linux; elsewhere the pipe alone is watched)
        self._pidfd = os.pidfd_open(process.pid) if hasattr(os, "pidfd_open") else None
        self._guard = threading.Lock()  # over the three below
        self._readers = 0
        self._stopped = False
        self._closed = False

    def started(self, seconds: float) -> bool:
        """Whether the child said ``ready`` within ``seconds``."""
        return self.read_line(time.monotonic() + seconds) == READY

    def send(self, line: bytes) -> bool:
        """Write one line; False if the child has gone."""
        try:
            self._stdin.write(line)
            self._stdin.flush()
            return True
        except (BrokenPipeError, ValueError):
            return False

    def read_line(self, deadline: float) -> bytes | None:
        """One whole line, or None if it is not complete by ``deadline`` or the child ended."""
        return self.read_until(lambda received: received.endswith(b"\n"), deadline)

    def read_until(self, complete: Callable[[bytearray], bool], deadline: float) -> bytes | None:
        """What the child writes until ``complete(what came so far)``, or None past ``deadline`` or at its end
        (seen as soon as the child ends, even while something it started holds its pipe open)."""
        with self._guard:
            if self._stopped:
                return None
            self._readers += 1
        try:
            return self._read(complete, deadline)
        finally:
            with self._guard:
                self._readers -= 1
                close = self._stopped and not self._readers
            if close:
                self._close()

    def _read(self, complete: Callable[[bytearray], bool], deadline: float) -> bytes | None:
        received, ended = bytearray(), False
        stdout = self._stdout.fileno()
        with selectors.DefaultSelector() as selector:
            selector.register(stdout, selectors.EVENT_READ)
            if self._pidfd is not None:
                selector.register(self._pidfd, selectors.EVENT_READ)
            while not complete(received):
                left = 0.0 if ended else deadline - time.monotonic()
                if left <= 0 and not ended:
                    return None
                ready = {key.fd for key, _ in selector.select(left)}
                if stdout in ready:
                    chunk = os.read(stdout, 1 << 20)
                    if not chunk:
                        return None
                    received += chunk
                elif self._pidfd is not None and self._pidfd in ready:
                    # it ended: what it wrote before is still read, without waiting for more
                    ended = True
                    selector.unregister(self._pidfd)
                else:
                    return None
        return bytes(received)

    def alive(self) -> bool:
        """Whether the child is still running; an ended one is left unreaped, for ``stop``."""
        return self.process.returncode is None and _waitid(self.process.pid, os.WNOHANG) is None

    def ended(self) -> None:
        """Wait until the child ends, without reaping it (``stop`` then kills its group and reaps it)."""
        if self.process.returncode is None:
            _waitid(self.process.pid, 0)

    def stop(self) -> None:
        """Kill (its whole group, for a group leader) and reap: no process and no zombie is left. Never raises,
        whatever state the child was in. Its pipes are closed now, or by the last thread still reading them."""
        if self.group:
            # the group outlives its leader while any member runs, so its id cannot be reused before this
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()  # nothing, once it has been reaped
        self.process.wait()
        with self._guard:
            self._stopped = True
            close = not self._readers
        if close:
            self._close()

    def _close(self) -> None:
        with self._guard:
            if self._closed:
                return
            self._closed = True
        for pipe in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):  # a line still buffered for a child that is gone: BrokenPipeError
                pipe.close()
        if self._pidfd is not None:
            os.close(self._pidfd)

    # _start opens both pipes, so Popen's ``IO[bytes] | None`` is never None here.
    @property
    def _stdin(self) -> IO[bytes]:
        return _opened(self.process.stdin)

    @property
    def _stdout(self) -> IO[bytes]:
        return _opened(self.process.stdout)


def _opened(pipe: IO[bytes] | None) -> IO[bytes]:
    if pipe is None:
        raise RuntimeError("the child was started without a pipe on this stream")
    return pipe


def _waitid(pid: int, options: int) -> os.waitid_result | bool | None:
    """The child's end if it has ended (True when it is already reaped), None while it runs; never reaps."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | options)
    except ChildProcessError:  # reaped already, by ``stop``
        return True


def _start(command: list[str], env: dict[str, str] | None, group: bool) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env, start_new_session=group)
