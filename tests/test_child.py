"""The child process both kinds of worker are: ready or not in time, lines with a deadline, stopped cleanly."""

from __future__ import annotations

import time

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
