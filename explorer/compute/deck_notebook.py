"""A deck as a Jupyter notebook to take home: per slide, its notes and question, then plain PyTorch rebuilding it.

A function slide's code is the page's own script (``explorer.compute.script``),
drawing the graph inline with torchviz; a program slide's code is its program,
in the cells it was pasted as (``explorer.draw.program_notebook``), once it has
passed program mode's static check: a deck is anyone's text, and a notebook runs
as plain Python, so a program the explorer would refuse is left out with the
reason. The numbers the notes name (``{x.grad}``) are filled in from the
slide's own run, as the page fills them; a question's answer is not written.
The file is nbformat 4 JSON, like ``program_notebook``'s.

>>> from explorer.content.decks import Deck, Slide
>>> cells = json.loads(deck_notebook(Deck("d", (Slide("Square", "x.grad is {x.grad}", points=(("x", "3"),)),))))
>>> [cell["cell_type"] for cell in cells["cells"]], "x.grad is 6" in "".join(cells["cells"][1]["source"])
(['markdown', 'markdown', 'code'], True)
"""

from __future__ import annotations

import json
import re
from typing import Any

from explorer.compute.explore import explore
from explorer.compute.script import python_script
from explorer.content.decks import Deck, Slide
from explorer.content.lessons import told
from explorer.draw.dot import format_value
from explorer.draw.program_notebook import notebook
from explorer.errors import ExpressionError
from explorer.language.expression import parse
from explorer.language.points import read_point
from explorer.language.program import check
from explorer.model.state import DEFAULT_POINTS

__all__ = ["deck_notebook"]

_RENDER = re.compile(r"^(make_dot\(.*\))\.render\('autograd_graph', format='svg'\)$", re.M)


def deck_notebook(deck: Deck) -> str:
    """The deck as an .ipynb file's text."""
    cells = [_markdown(f"# {_safe(deck.title) or 'A deck'}\n\nMade with Autograd Explorer: each slide's notes and "
                       "question, then the plain PyTorch that rebuilds it. Run the cells in order.")]
    for number, slide in enumerate(deck.slides, 1):
        cells += _slide_cells(number, slide)
    document = json.loads(notebook(""))
    # nbformat 4.5 gives every cell an id, unique in the notebook
    document["cells"] = [{**cell, "id": f"cell-{n}"} for n, cell in enumerate(cells)]
    return json.dumps(document, indent=1, ensure_ascii=False) + "\n"


def _slide_cells(number: int, slide: Slide) -> list[dict[str, Any]]:
    text = [f"## {number}. {_safe(slide.title) or 'Slide'}"]
    if slide.mode == "program":
        try:
            check(slide.program)
        except ExpressionError as err:
            text.append(f"*This slide's program is left out: the explorer refuses it ({_safe(err.message)}).*")
            return [_markdown("\n\n".join(text))]
        if slide.notes:
            text.append(_safe(slide.notes))
        return [_markdown("\n\n".join(text)), *json.loads(notebook(slide.program))["cells"]]
    try:
        parsed = parse(slide.function)
        points = {v: read_point(dict(slide.points).get(v, DEFAULT_POINTS[v]), v) for v in parsed.variables}
        script = python_script(parsed, points, slide.device, slide.dtype)
        numbers = _numbers(slide, points)
    except ExpressionError as err:
        text.append(f"*This slide's function is refused: {_safe(err.message)}*")
        return [_markdown("\n\n".join(text))]
    if slide.notes:
        text.append(_safe(told(slide.notes, numbers)))
    if slide.question is not None:
        text.append(f"**Question:** {_safe(slide.question.wording())} Answer it before you run the cell below.")
    script = _RENDER.sub(r"display(\1)  # the graph, drawn by torchviz", script)
    return [_markdown("\n\n".join(text)), _code(script)]


def _numbers(slide: Slide, points: dict) -> dict[str, str]:
    """The numbers a slide's notes may name, from the slide's own run (as panels.lesson fills them on the page)."""
    result = explore(slide.function, points, device=slide.device, dtype=slide.dtype, torchviz=False)
    numbers = {f"{v}.grad": format_value(result.grad[v]) for v in result.variables}
    for function in slide.compare:
        other = explore(function, points, device=slide.device, dtype=slide.dtype, torchviz=False)
        numbers[function] = format_value(other.grad.get("x"))
    return numbers


def _safe(text: str) -> str:
    """Markdown without raw HTML: Jupyter renders HTML inside Markdown, and a deck is anyone's text."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _markdown(text: str) -> dict[str, Any]:
    lines = text.split("\n")
    return {"cell_type": "markdown", "metadata": {}, "source": [line + "\n" for line in lines[:-1]] + lines[-1:]}


def _code(text: str) -> dict[str, Any]:
    lines = text.rstrip("\n").split("\n")
    return {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": [line + "\n" for line in lines[:-1]] + lines[-1:]}
