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
"""

from __future__ import annotations

import contextlib
import os
import selectors
import signal
import subprocess
import sys
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
        self.process = _start([sys.executable, "-I", str(script), *args], env, group)

    @classmethod
    def program(cls, command: Sequence[str]) -> Child:
        """Any other program on the same pipes (Graphviz's ``dot``), with its stderr dropped too; it stays in
        its caller's process group."""
        child = cls.__new__(cls)
        child.group = False
        child.process = _start(list(command), None, False)
        return child

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
        """What the child writes until ``complete(what came so far)``, or None past ``deadline`` or at its end."""
        received = bytearray()
        try:
            with selectors.DefaultSelector() as selector:
                selector.register(self._stdout, selectors.EVENT_READ)
                while not complete(received):
                    left = deadline - time.monotonic()
                    if left <= 0 or not selector.select(left):
                        return None
                    chunk = os.read(self._stdout.fileno(), 1 << 20)
                    if not chunk:
                        return None
                    received += chunk
        except (ValueError, OSError):  # stopped meanwhile by another thread (a pool closing): its pipe is closed
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
        whatever state the child was in."""
        if self.group:
            # the group outlives its leader while any member runs, so its id cannot be reused before this
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.process.pid, signal.SIGKILL)
        self.process.kill()  # nothing, once it has been reaped
        self.process.wait()
        for pipe in (self._stdin, self._stdout):
            with contextlib.suppress(OSError):  # a line still buffered for a child that is gone: BrokenPipeError
                pipe.close()

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
