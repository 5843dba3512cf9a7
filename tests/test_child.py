"""The child process both kinds of worker are: ready or not in time, lines with a deadline, stopped cleanly."""

from __future__ import annotations

import os
import signal
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


# a child that starts a program holding its stdout (as a worker's dot or a forked helper may), writes the
# program's pid to the file it is given, says ready, and waits
HOLDER = ("import subprocess, sys, time\n"
          "held = subprocess.Popen(['sleep', '60'])\n"
          "open(sys.argv[1], 'w').write(str(held.pid))\n"
          "print('ready', flush=True)\n"
          "time.sleep(60)\n")


def _holding_child(tmp_path: Path, group: bool) -> tuple[Child, int]:
    script, pid_file = tmp_path / "holder.py", tmp_path / "held.pid"
    script.write_text(HOLDER)
    child = Child(script, str(pid_file), group=group)
    assert child.started(30)
    return child, int(pid_file.read_text())


def _read_in_background(child: Child, seconds: float) -> tuple[threading.Thread, dict]:
    seen: dict = {}

    def read() -> None:
        started = time.monotonic()
        seen["line"] = child.read_line(started + seconds)
        seen["after"] = time.monotonic() - started

    reader = threading.Thread(target=read)
    reader.start()
    time.sleep(0.2)  # blocked on the pipe by now
    return reader, seen


def test_a_reader_sees_its_child_killed_at_once_while_a_program_it_started_holds_its_pipe(tmp_path):
    # the pool's visitor must read "killed, run again elsewhere", not wait for the job's deadline
    child, held = _holding_child(tmp_path, group=True)
    try:
        reader, seen = _read_in_background(child, 30)
        os.kill(child.process.pid, signal.SIGKILL)  # from outside: the program it started still runs
        reader.join(40)
        assert seen["line"] is None and seen["after"] < 5, "its end was seen at once, not at the deadline"
        assert _running(held), "the pipe was held open all along"
    finally:
        child.stop()


def test_a_child_stopped_by_another_thread_wakes_the_thread_reading_it(tmp_path):
    # the pool's watcher stops a worker as soon as it dies, while the job's thread still waits on its pipe
    child, held = _holding_child(tmp_path, group=False)
    try:
        reader, seen = _read_in_background(child, 30)
        child.stop()
        reader.join(40)
        assert seen["line"] is None and seen["after"] < 5, "the reader woke when its child was stopped"
        assert not child.send(b"more\n") and child.read_line(time.monotonic() + 1) is None
    finally:
        os.kill(held, signal.SIGKILL)

