"""A child process that answers each job on its pipes: started, read with a deadline, killed.

The explorer's two kinds of worker (the page workers of ``explorer.serve.pool`` and
the sympy worker of ``explorer.compute.symbols``) are both ``python -I <script>``
processes that print ``ready`` once they have imported what they need and then
answer one line per line they read; ``explorer.draw.render`` keeps Graphviz's ``dot``
running the same way, one SVG per graph. This is the part they share: reading a
whole answer with a deadline (``selectors`` on the pipe, so a stuck child never
blocks its caller), and stopping a child so that no process and no zombie is left.
POSIX only.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO

__all__ = ["Child", "READY"]

READY = b"ready\n"


class Child:
    """``python -I script *args`` with pipes for stdin and stdout; stderr is dropped."""

    def __init__(self, script: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = _start([sys.executable, "-I", str(script), *args], env)

    @classmethod
    def program(cls, command: Sequence[str]) -> Child:
        """Any other program on the same pipes (Graphviz's ``dot``), with its stderr dropped too."""
        child = cls.__new__(cls)
        child.process = _start(list(command), None)
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
        return bytes(received)

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        """Kill and reap: no process and no zombie is left."""
        self.process.kill()
        self.process.wait()
        for pipe in (self._stdin, self._stdout):
            pipe.close()

    # _start opens both pipes, so Popen's ``IO[bytes] | None`` is never None here.
    @property
    def _stdin(self) -> IO[bytes]:
        return _opened(self.process.stdin)

    @property
    def _stdout(self) -> IO[bytes]:
        return _opened(self.process.stdout)


def _start(command: list[str], env: dict[str, str] | None) -> subprocess.Popen[bytes]:
    return subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                            env=env)


def _opened(pipe: IO[bytes] | None) -> IO[bytes]:
    if pipe is None:
        raise RuntimeError("the child was started without a pipe on this stream")
    return pipe
