"""A slide's question answered from the slide's own run: autograd gives the answer, the teacher never types it.

``answer`` reads what a question asks (``explorer.content.decks.ASKS``) from an
``Exploration``: a variable's grad, a tensor's value or grad_fn, or how many
gradients reach a leaf's AccumulateGrad node (how many times the function uses
it). ``check`` compares what a student typed with it.

>>> from explorer import explore
>>> from explorer.content.decks import Question
>>> result = explore("y = x ** 2 + 2 * x + 1", {"x": 2})
>>> answer(Question("uses", "x"), result).shown, check(Question("grad", "x"), " 6.0", result).correct
('2', True)
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from explorer.content.decks import Question
from explorer.content.lessons import Feedback
from explorer.language.points import NUMBER
from explorer.model.exploration import Exploration
from explorer.model.graph import TensorInfo

__all__ = ["Answer", "answer", "check"]


@dataclass(frozen=True)
class Answer:
    """What autograd gave for a question: a number or a name, as the page shows it; ``missing`` says why not."""

    number: float | None = None
    name: str | None = None
    missing: str = ""

    @property
    def shown(self) -> str:
        if self.number is not None:
            return f"{self.number:g}"
        return self.name or ""


def answer(question: Question, result: Exploration) -> Answer:
    """The answer to ``question`` on this run; ``missing`` is set when the run cannot answer it."""
    tensor = _tensor(result, question.of)
    if tensor is None:
        return Answer(missing=f"this slide's function has no tensor named {question.of}")
    if question.asks == "grad_fn":
        return Answer(name=tensor.grad_fn or "None")
    if question.asks == "uses":
        if not tensor.is_leaf or tensor.node is None:
            return Answer(missing=f"{question.of} is not a leaf that needs a gradient")
        uses = sum(1 for node in result.graph.nodes for source in node.inputs if source == tensor.node)
        return Answer(number=float(uses))
    value = tensor.grad if question.asks == "grad" else tensor.data
    if isinstance(value, bool) or not isinstance(value, int | float):
        what = "grad" if question.asks == "grad" else "value"
        return Answer(missing=f"{question.of}'s {what} is not a single number here (give every variable a number)")
    return Answer(number=float(value))


def _tensor(result: Exploration, name: str) -> TensorInfo | None:
    """The variable or the output called ``name``."""
    if name == result.output:
        return result.graph.tensor(result.graph.output)
    return next((t for t in result.graph.tensors if t.role == "input" and t.label == name), None)


def check(question: Question, typed: str, result: Exploration) -> Feedback:
    """Whether ``typed`` is the answer autograd gave; a wrong one gets the hint, never the answer."""
    expected = answer(question, result)
    if expected.missing:
        return Feedback(False, f"This question cannot be answered here: {expected.missing}.")
    typed = (typed or "").strip()
    hint = f" Hint: {question.hint}" if question.hint else ""
    if expected.name is not None:
        right = typed.lower().removeprefix("<").split(" object")[0] == expected.name.lower()
        if right:
            return Feedback(True, f"Right: PyTorch's {question.of}.grad_fn is {expected.name}.")
        return Feedback(False, f"Not quite: {typed[:40]} is not it.{hint}")
    if not NUMBER.fullmatch(typed):
        return Feedback(False, "Type a number, such as 3 or -0.5.")
    assert expected.number is not None
    if math.isclose(float(typed), expected.number, rel_tol=1e-3, abs_tol=1e-3):
        return Feedback(True, f"Right: PyTorch gives {expected.shown}.")
    return Feedback(False, f"Not quite: {float(typed):g} is not it.{hint}")
