"""Server-side pictures of DOT text: SVG and PNG from the Graphviz ``dot`` program.

``dot`` runs as a separate program with a time limit, fed on stdin; nothing a
user typed reaches its command line.

>>> has_dot() in (True, False)
True
"""

from __future__ import annotations

import shutil
import subprocess

__all__ = ["RenderError", "has_dot", "svg", "png"]

_TIMEOUT_S = 5.0  # a typed function lays out in well under a second; more means a runaway


class RenderError(RuntimeError):
    """The ``dot`` program is missing, failed, or ran past its time limit."""


def has_dot() -> bool:
    """Whether Graphviz's ``dot`` program is on PATH."""
    return shutil.which("dot") is not None


def svg(dot_source: str, timeout: float = _TIMEOUT_S) -> str:
    """The graph laid out by ``dot`` as SVG text."""
    return _run(dot_source, "svg", timeout).decode("utf-8")


def png(dot_source: str, timeout: float = _TIMEOUT_S, dpi: int = 144) -> bytes:
    """The graph laid out by ``dot`` as PNG bytes."""
    return _run(dot_source, "png", timeout, f"-Gdpi={dpi}")


def _run(dot_source: str, fmt: str, timeout: float, *extra: str) -> bytes:
    program = shutil.which("dot")
    if program is None:
        raise RenderError("the Graphviz 'dot' program is not installed (on Debian: apt-get install graphviz)")
    try:
        done = subprocess.run([program, f"-T{fmt}", *extra], input=dot_source.encode("utf-8"),
                              capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise RenderError(f"laying out the graph took longer than {timeout:g} s") from None
    if done.returncode != 0:
        raise RenderError(f"dot failed: {done.stderr.decode('utf-8', 'replace').strip()[:300]}")
    return done.stdout
