"""A deck taken home: the exported notebook runs in a real Jupyter kernel and prints the slides' own numbers."""

from __future__ import annotations

import json
import re

import nbformat
import pytest
from nbclient import NotebookClient
from test_decks import DECK

from explorer import explore
from explorer.compute.deck_notebook import deck_notebook
from explorer.compute.interpreter import run_program
from explorer.content.decks import Deck, Slide
from explorer.content.lessons import LESSONS
from explorer.draw.render import has_dot

SCALAR_LESSONS = tuple(s for s in LESSONS if s.key not in ("sum-trick", "relu"))  # one grad each, to compare
_GRAD = re.compile(r"^d(\w+)/d(\w): tensor\((.*?)(?:, dtype=torch\.float64)?\)$", re.M)


def run_notebook(text: str, cwd) -> list[str]:
    """Every code cell's stdout, run in order in a fresh python3 kernel (nbclient, as Jupyter runs it)."""
    document = nbformat.reads(text, as_version=4)
    nbformat.validate(document)
    NotebookClient(document, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return ["".join(out.get("text", "") for out in cell.outputs if out.output_type == "stream" and out.name == "stdout")
            for cell in document.cells if cell.cell_type == "code"]


def printed_grads(text: str) -> dict[str, float]:
    return {variable: float(value.rstrip(".") or 0) for _, variable, value in _GRAD.findall(text)}


@pytest.fixture(scope="module")
def ran(tmp_path_factory):
    """The test deck and the lab's lessons at one point, exported as one notebook and run once (one kernel)."""
    if not has_dot():
        pytest.skip("Graphviz's dot program is not on PATH (the notebook draws each graph)")
    cwd = tmp_path_factory.mktemp("notebook")
    outputs = run_notebook(deck_notebook(Deck("all", DECK.slides + SCALAR_LESSONS)), cwd)
    return {"test": outputs[:len(DECK.slides)], "lab": outputs[len(DECK.slides):]}


def test_each_function_slide_prints_the_grads_the_explorer_computes(ran):
    outputs = iter(ran["test"])
    for slide in DECK.slides:
        printed = next(outputs)
        if slide.mode == "program":
            assert printed == run_program(slide.program).stdout
            continue
        truth = explore(slide.function, dict(slide.points), dtype=slide.dtype).grad
        assert printed_grads(printed) == pytest.approx(truth, rel=1e-5)


def test_the_labs_lessons_run_as_a_notebook_with_the_labs_numbers(ran):
    outputs = ran["lab"]
    assert len(outputs) == len(SCALAR_LESSONS)
    for slide, printed in zip(SCALAR_LESSONS, outputs, strict=True):
        truth = explore(slide.function, dict(slide.points)).grad
        assert printed_grads(printed) == pytest.approx(truth, rel=1e-5), slide.key


def test_the_notebook_holds_each_slides_notes_and_question_but_not_the_answer():
    cells = json.loads(deck_notebook(DECK))["cells"]
    markdown = ["".join(c["source"]) for c in cells if c["cell_type"] == "markdown"]
    assert [m.splitlines()[0] for m in markdown[1:]] == [f"## {n}. {s.title}" for n, s in enumerate(DECK.slides, 1)]
    assert "What is u.grad after backward()?" in markdown[3]
    assert "Treat v as a constant" not in markdown[3]  # the hint is the page's, given after a wrong answer


def test_markup_and_refused_programs_stay_out_of_the_notebook():
    hostile = Deck("<script>alert(1)</script>", (
        Slide(title="<img src=x onerror=alert(1)>", notes="<b>bold</b> [a](javascript:alert(1))"),
        Slide(title="p", mode="program", program="import os\nos.system('echo owned')"),
    ))
    cells = json.loads(deck_notebook(hostile))["cells"]
    text = json.dumps(cells)
    assert "<script" not in text and "<img" not in text and "<b>" not in text
    assert "os.system" not in text and "left out" in text
    assert [c["cell_type"] for c in cells] == ["markdown", "markdown", "code", "markdown"]
