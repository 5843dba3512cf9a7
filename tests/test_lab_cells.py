"""The lab's cells as program mode opens them: verbatim from the lab, one program per lesson, each runs."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import nbformat
import pytest
from program_oracle import without_addresses
from test_deck_notebook import run_notebook

from explorer import run_program
from explorer.content.lab_cells import CELLS, LESSON_CELLS, lab_program
from explorer.content.lessons import LESSONS
from explorer.draw.program_notebook import notebook

SEED = Path(__file__).resolve().parents[2] / "shared" / "seed" / "000_321deb01af88aff3.txt"


@pytest.fixture(scope="module")
def lab_text() -> str:
    if not SEED.exists():
        pytest.skip(f"the lab's text is not here ({SEED})")
    return SEED.read_text(encoding="utf-8")


@pytest.mark.parametrize("key", list(CELLS))
def test_each_cell_is_the_labs_code_character_for_character(lab_text, key):
    # each cell follows the lab's "python" marker line, with its own spaces and typos
    assert f"python\n{CELLS[key]}\n" in lab_text


def test_the_cells_are_in_the_labs_order_and_none_is_missed(lab_text):
    places = [lab_text.index(f"python\n{cell}\n") for cell in CELLS.values()]
    assert places == sorted(places)
    # every code cell of the lab but its empty "undefined" placeholders
    assert lab_text.count("\npython\n") - lab_text.count("\npython\nundefined") == len(CELLS)


def test_every_lesson_opens_as_the_labs_cells():
    assert set(LESSON_CELLS) == {lesson.key for lesson in LESSONS}
    assert all(LESSON_CELLS[key][0] == "imports" for key in LESSON_CELLS)


@pytest.mark.parametrize(("lesson", "printed"), [
    ("derivative", "The dervative at x = 2:  tensor(4.)\n"),
    ("attributes", "grad_fn: <PowBackward0 object at"),
    ("polynomial", "The dervative at x = 2:  tensor(6.)\n"),
    ("partial", "The partial derivative with respect to u:  tensor(4.)\n"
                "The partial derivative with respect to u:  tensor(1.)\n"),
    ("custom-function", "<torch.autograd.function.SQBackward object at"),
])
def test_each_lessons_program_prints_what_the_labs_notebook_prints(lesson, printed):
    run = run_program(lab_program(lesson))
    assert run.error is None
    assert printed in run.stdout


@pytest.mark.parametrize("lesson", ["sum-trick", "relu"])
def test_the_plotting_lessons_record_the_labs_plt_calls(lesson):
    run = run_program(lab_program(lesson))
    assert run.error is None
    assert [call.name for call in run.plots] == ["plot", "plot", "xlabel", "legend", "show"]


@pytest.mark.parametrize("lesson", list(LESSON_CELLS))
def test_the_notebook_download_gives_back_the_labs_cells(lesson):
    cells = json.loads(notebook(lab_program(lesson)))["cells"]
    assert ["".join(cell["source"]) for cell in cells] == [CELLS[key] for key in LESSON_CELLS[lesson]]


def test_the_notebook_download_is_valid_and_runs_in_a_kernel_printing_what_program_mode_printed(tmp_path):
    """The learner's way home: the lesson's notebook, run by a real python3 kernel, prints what the page did."""
    source = lab_program("attributes")
    text = notebook(source)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # nbformat warns of a cell without an id; the suite makes it fail
        nbformat.validate(nbformat.reads(text, as_version=4))
    printed = "".join(run_notebook(text, tmp_path))
    assert without_addresses(printed) == without_addresses(run_program(source).stdout)
