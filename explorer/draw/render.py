"""Server-side pictures of DOT text: SVG and PNG from the Graphviz ``dot`` program.

``dot`` runs as a separate program with a time limit, fed on stdin; nothing a
user typed reaches its command line. SVG comes from one ``dot -Tsvg`` kept
running for graph after graph (NOTE [one dot for many graphs]).
"""

from __future__ import annotations

import atexit
import shutil
import subprocess
import threading
import time

from explorer.child import Child

__all__ = ["RenderError", "has_dot", "svg", "png"]

_TIMEOUT_S = 5.0  # a typed function lays out in well under a second; more means a runaway

# NOTE [one dot for many graphs]
# Starting dot (its plugins, fontconfig's cache) costs several times what laying out a lesson's graph does.
# dot reads graph after graph from stdin and writes each SVG as soon as that graph is laid out, so one
# process serves every layout. After each graph goes a small graph of our own, the sentinel: its SVG marks
# where the answer ends, and a graph left unclosed (or any syntax error) makes dot fail on it rather than
# wait for more input (text that is not a digraph can still leave it waiting: that goes to a one-shot dot).
# On a failure, an end or a time limit the process is killed, so no answer can ever be
# read as the next graph's; a failure is then run again by a one-shot dot, whose message says what is wrong.
# dot calls every graph after its first "page0,1_graph0"; the first is "graph0", as a one-shot run says.
# A fresh process every 500 graphs bounds whatever a long-lived dot might accumulate.
_SENTINEL = b"\ndigraph explorer_layout_end {}\n"
_SENTINEL_TITLE = b"<title>explorer_layout_end</title>"
_GRAPHS_PER_PROCESS = 500


class RenderError(RuntimeError):
    """The ``dot`` program is missing, failed, or ran past its time limit."""


def has_dot() -> bool:
    """Whether Graphviz's ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def svg(dot_source: str, timeout: float = _TIMEOUT_S) -> str:
    """The graph laid out by ``dot`` as SVG text."""
    answer = _RUNNING.svg(dot_source.encode("utf-8"), timeout)
    if answer is None:  # dot stopped on this graph: a one-shot run says why (or, rarely, draws it)
        answer = _run(dot_source, "svg", timeout)
    return answer.decode("utf-8")


def png(dot_source: str, timeout: float = _TIMEOUT_S, dpi: int = 144) -> bytes:
    """The graph laid out by ``dot`` as PNG bytes."""
    return _run(dot_source, "png", timeout, f"-Gdpi={dpi}")


def _program() -> str:
    program = shutil.which("dot")
    if program is None:
        raise RenderError("the Graphviz 'dot' program is not installed (on Debian: apt-get install graphviz)")
    return program


def _run(dot_source: str, fmt: str, timeout: float, *extra: str) -> bytes:
    program = _program()
    try:
        done = subprocess.run([program, f"-T{fmt}", *extra], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"laying out the graph took longer than {timeout:g} s") from None
    if done.returncode != 0:
        raise RenderError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout


class _RunningDot:
    """One ``dot -Tsvg`` laying out graph after graph; a caller that finds it busy gets a one-shot run."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._child: Child | None = None
        self._served = 0

    def svg(self, source: bytes, timeout: float) -> bytes | None:
        """The SVG; None where dot stopped on the graph; RenderError past ``timeout``."""
        program = _program()
        text = source.strip()
        # text that is not one whole digraph can leave dot waiting for more (explorer.draw.dot never writes any)
        if not (text.startswith(b"digraph") and text.endswith(b"}")) or not self._lock.acquire(blocking=False):
            return None
        try:
            deadline = time.monotonic() + timeout
            if self._child is None or not self._child.alive():
                self._stop()  # reaped, if it ended on its own
                self._child, self._served = Child.program([program, "-Tsvg"]), 0
            if not self._child.send(source + _SENTINEL):  # dot has gone: a one-shot run takes this graph
                self._stop()
                return None
            answer = self._child.read_until(_finished, deadline)
            if answer is None:
                self._stop()
                if time.monotonic() >= deadline:
                    raise RenderError(f"laying out the graph took longer than {timeout:g} s")
                return None
            self._served += 1
            if self._served >= _GRAPHS_PER_PROCESS:
                self._stop()
            return answer[:answer.rindex(b"<?xml")].replace(b'<g id="page0,1_graph0"', b'<g id="graph0"', 1)
        finally:
            self._lock.release()

    def close(self) -> None:
        """Stop dot, as the process exits: no dot outlives the explorer's process."""
        if self._lock.acquire(timeout=1):  # a layout still running in a daemon thread is not waited for long
            try:
                self._stop()
            finally:
                self._lock.release()

    def _stop(self) -> None:
        if self._child is not None:
            self._child.stop()
            self._child = None


def _finished(received: bytearray) -> bool:
    return received.endswith(b"</svg>\n") and _SENTINEL_TITLE in received[-1024:]


_RUNNING = _RunningDot()
atexit.register(_RUNNING.close)
