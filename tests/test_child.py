"""The child process both kinds of worker are: ready or not in time, lines with a deadline, stopped cleanly."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from explorer.child import Child

ECHO = "import sys\nprint('ready', flush=True)\nfor line in sys.stdin:\n    print(line.strip()[::-1], flush=True)\n"
SILENT = "import time\ntime.sleep(60)\n"


def test_a_child_that_says_ready_answers_one_line_per_line(tmp_path):
    script = tmp_path / "echo.py"
    script.write_text(ECHO)
    child = Child(script)
    try:
        assert child.started(30)
        assert child.send(b"autograd\n")
        assert child.read_line(time.monotonic() + 30) == b"dargotua\n"
    finally:
        child.stop()


def test_a_child_that_never_answers_costs_its_caller_only_the_deadline(tmp_path):
    script = tmp_path / "silent.py"
    script.write_text(SILENT)
    child = Child(script)
    try:
        started = time.monotonic()
        assert not child.started(0.5)
        assert time.monotonic() - started < 5
    finally:
        child.stop()


def test_stopping_leaves_no_process_and_no_zombie(tmp_path):
    script = tmp_path / "silent.py"
    script.write_text(SILENT)
    child = Child(script)
    child.stop()
    assert not child.alive() and child.process.returncode is not None
    assert not child.send(b"anything\n"), "a stopped child takes no more jobs"


def test_stopping_a_child_that_died_with_a_line_unsent_does_not_raise(tmp_path):
    script = tmp_path / "silent.py"
    script.write_text(SILENT)
    child = Child(script)
    child.process.kill()
    child.process.wait()
    assert not child.send(b"job\n"), "the line stays in the pipe's buffer: its reader is gone"
    child.stop()  # closing that pipe flushes the buffer into a broken pipe
    assert not child.alive()


def test_a_group_leader_is_stopped_with_everything_it_started(tmp_path):
    script = tmp_path / "parent.py"
    script.write_text("import subprocess, sys, time\n"
                      "child = subprocess.Popen(['sleep', '60'])\n"
                      "print(child.pid, flush=True)\n"
                      "time.sleep(60)\n")
    leader = Child(script, group=True)
    grandchild = int(leader.read_line(time.monotonic() + 30))
    leader.stop()
    deadline = time.monotonic() + 5
    while _running(grandchild) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not _running(grandchild), "the program the child started ended with it"


def _running(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def test_reading_a_child_that_another_thread_stopped_is_an_end_not_an_error(tmp_path):
    # a pool closing stops a worker whose starting thread is about to read its "ready"
    script = tmp_path / "silent.py"
    script.write_text(SILENT)
    child = Child(script)
    stopper = threading.Thread(target=child.stop)
    stopper.start()
    stopper.join(10)
    assert child.started(1) is False
    assert child.read_line(time.monotonic() + 1) is None
