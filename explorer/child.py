"""A child process that answers one line per job on its pipes: started, read with a deadline, killed.

The explorer's two kinds of worker (the page workers of ``explorer.workers`` and
the sympy worker of ``explorer.symbolic``) are both ``python -I <script>``
processes that print ``ready`` once they have imported what they need and then
answer one line per line they read. This is the part they share: reading a
whole line with a deadline (``selectors`` on the pipe, so a stuck child never
blocks its caller), and stopping a child so that no process and no zombie is left.
POSIX only.
"""

from __future__ import annotations

import os
import selectors
import subprocess
import sys
import time
from pathlib import Path

__all__ = ["Child", "READY"]

READY = b"ready\n"


class Child:
    """``python -I script *args`` with pipes for stdin and stdout; stderr is dropped."""

    def __init__(self, script: Path, *args: str, env: dict[str, str] | None = None) -> None:
        self.process = subprocess.Popen([sys.executable, "-I", str(script), *args], stdin=subprocess.PIPE,
                                        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)

    def started(self, seconds: float) -> bool:
        """Whether the child said ``ready`` within ``seconds``."""
        return self.read_line(time.monotonic() + seconds) == READY

    def send(self, line: bytes) -> bool:
        """Write one line; False if the child has gone."""
        try:
            self.process.stdin.write(line)
            self.process.stdin.flush()
            return True
        except (BrokenPipeError, ValueError):
            return False

    def read_line(self, deadline: float) -> bytes | None:
        """One whole line, or None if it is not complete by ``deadline`` or the child ended."""
        received = bytearray()
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            while not received.endswith(b"\n"):
                left = deadline - time.monotonic()
                if left <= 0 or not selector.select(left):
                    return None
                chunk = os.read(self.process.stdout.fileno(), 1 << 20)
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
        for pipe in (self.process.stdin, self.process.stdout):
            pipe.close()
