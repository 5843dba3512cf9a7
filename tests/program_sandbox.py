"""A sandbox for hostile programs: each runs through ``run_program`` in a forked child with a memory and time cap.

A hostile program that gets past program mode's bounds must fail its test, not take the test run (or the
machine it shares) down with it. ``Sandbox`` keeps one server process that imports the interpreter once; for
each program it forks a child that runs ``run_program`` in the program's own working directory, with its
address space capped (``RLIMIT_AS``, a little above what PyTorch already maps) and an alarm that kills it
after ``seconds``. The child reports what happened as a ``Verdict``: refused before running, ran (to its end
or its error), raised something else, or died (killed by the alarm, or crashed).

>>> Verdict("refused", line=3, message="line 3, column 1: ...").stopped_on(3)
True
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from json_lines import JsonLinesProcess, Stopped

__all__ = ["Verdict", "Sandbox"]

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Verdict:
    """What happened to a program in the sandbox."""

    outcome: str  # "refused" (ProgramRefused), "ran", "raised" (any other exception) or "died"
    line: int | None = None  # the line of the refusal, or of the error the run stopped with
    type: str | None = None  # the error's type when it ran into one, or what it raised
    message: str = ""
    stdout: str = ""  # the end of what it printed, when it ran

    def stopped_on(self, *lines: int) -> bool:
        """Refused, or stopped by an error, on one of ``lines``: the message a visitor sees names it."""
        return self.outcome in ("refused", "ran") and self.line in lines and f"line {self.line}" in self.where

    @property
    def where(self) -> str:
        return self.message if self.outcome == "refused" else f"line {self.line}: {self.message}"


# The server: it imports the interpreter once, then forks a child per program. The child's answer comes back
# through a pipe, one JSON object; a child that prints nothing back was killed (the alarm) or crashed.
_SERVER = r'''
import json, os, resource, signal, sys

answers = os.fdopen(os.dup(1), "w")
os.dup2(2, 1)
import dataclasses
from explorer import ProgramRefused, run_program
from explorer.language.program import LIMITS

SECONDS, HEADROOM = int(sys.argv[1]), int(sys.argv[2])


def mapped():
    for line in open("/proc/self/status"):
        if line.startswith("VmSize:"):
            return int(line.split()[1]) * 1024
    return 0


def verdict(source, seconds):
    try:
        run = run_program(source, limits=dataclasses.replace(LIMITS, seconds=seconds) if seconds else LIMITS)
    except ProgramRefused as exc:
        return {"outcome": "refused", "line": exc.line, "message": str(exc)}
    except BaseException as exc:
        return {"outcome": "raised", "type": type(exc).__name__, "message": str(exc)[:2000]}
    answer = {"outcome": "ran", "stdout": run.stdout[-2000:]}
    if run.error is not None:
        answer.update(line=run.error.line, type=run.error.type, message=run.error.message[:2000])
    return answer


for request in sys.stdin:
    case = json.loads(request)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:
        os.close(reading)
        os.chdir(case["cwd"])
        limit = mapped() + HEADROOM
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
        signal.alarm(SECONDS)
        answer = verdict(case["source"], case["seconds"])
        with os.fdopen(writing, "w") as channel:
            channel.write(json.dumps(answer))
        os._exit(0)
    os.close(writing)
    with os.fdopen(reading) as channel:
        text = channel.read()
    _, status = os.waitpid(child, 0)
    if not text:
        killed = os.WTERMSIG(status) if os.WIFSIGNALED(status) else None
        text = json.dumps({"outcome": "died", "message": f"signal {killed}" if killed else f"exit {status >> 8}"})
    answers.write(text + "\n")
    answers.flush()
'''


class Sandbox:
    """Runs hostile programs, one forked child each; start it once per session and ``close`` it after."""

    def __init__(self, seconds: int = 30, headroom: int = 3 << 29) -> None:
        self.seconds = seconds
        self.headroom = headroom  # bytes of address space a child may map beyond the server's own
        self._process = JsonLinesProcess(
            _SERVER, str(seconds), str(headroom), cwd=REPO,
            env={**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])})

    def run(self, source: str, cwd: Path, *, seconds: float | None = None) -> Verdict:
        """Run ``source`` in a child whose working directory is ``cwd``; what happened to it.

        ``seconds`` replaces program mode's own time limit (``Limits.seconds``) for this run.
        """
        try:
            answer = self._process.ask({"source": source, "cwd": str(cwd), "seconds": seconds}, self.seconds + 60)
        except Stopped as stopped:
            raise RuntimeError(f"the sandbox's server stopped answering: {stopped}") from None
        return Verdict(**answer)

    def close(self) -> None:
        self._process.close()
