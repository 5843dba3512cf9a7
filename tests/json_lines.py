"""A long-lived Python process the tests talk to one JSON line at a time (CPython as the oracle, the sandbox).

Each such process imports torch once for the whole session; a request is one JSON line on its stdin, the answer
one JSON line on its stdout. When it dies or stops answering, its stderr's tail says why and the next request
starts a fresh one.
"""

from __future__ import annotations

import json
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

__all__ = ["JsonLinesProcess", "Stopped"]


class Stopped(RuntimeError):
    """The process died or gave no answer in time: what it wrote to stderr last is in the message."""


class JsonLinesProcess:
    """``python -c code *args``, asked one request at a time."""

    def __init__(self, code: str, *args: str, cwd: Path | str, env: Mapping[str, str]) -> None:
        self._command = [sys.executable, "-c", code, *args]
        self._cwd, self._env = cwd, dict(env)
        self._process: subprocess.Popen[str] | None = None
        self._errors: IO[str] | None = None  # its stderr: a crash's story

    def ask(self, request: Mapping[str, Any], timeout: float) -> Any:
        """Send ``request``; its answer, or ``Stopped`` (and the process closed) if none came in ``timeout`` s."""
        process = self._start()
        assert process.stdin is not None and process.stdout is not None
        process.stdin.write(json.dumps(request) + "\n")
        process.stdin.flush()
        with selectors.DefaultSelector() as selector:
            selector.register(process.stdout, selectors.EVENT_READ)
            ready = selector.select(timeout)
        answer = process.stdout.readline() if ready else ""
        if not answer:
            story = self._stderr_tail()
            self.close()
            what = "died" if ready else f"gave no answer within {timeout:.0f} s"
            raise Stopped(f"it {what}; its stderr ends:\n{story}")
        return json.loads(answer)

    def close(self) -> None:
        """Stop the process; the next ``ask`` starts a fresh one."""
        if self._process is not None:
            self._process.kill()
            self._process.wait()
            for stream in (self._process.stdin, self._process.stdout):
                if stream is not None:
                    stream.close()
            self._process = None
        if self._errors is not None:
            self._errors.close()
            self._errors = None

    def _start(self) -> subprocess.Popen[str]:
        if self._process is None or self._process.poll() is not None:
            self.close()
            self._errors = tempfile.TemporaryFile(mode="w+")
            self._process = subprocess.Popen(self._command, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                             stderr=self._errors, text=True, encoding="utf-8", cwd=self._cwd,
                                             env=self._env)
        return self._process

    def _stderr_tail(self) -> str:
        if self._errors is None:
            return ""
        self._errors.seek(0)
        return self._errors.read()[-3000:]
