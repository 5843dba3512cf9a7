"""The lessons: every cell of the lab "Differentiation in PyTorch", in the lab's order.

The lessons are the slides of the first shipped deck, ``decks/lab.json``, read
like any teacher's deck (``explorer.content.decks``). Each lesson is a
function, its points and a short explanation in our own words. The practice
lessons ask a question; the right answer is never typed in here: it is the
gradient PyTorch computes for the lesson, read at check time.
Nor is any number autograd gives: a text names it as ``{x.grad}`` (a
variable's grad) or ``{3*SQ(x)}`` (x.grad of a function the lesson compares),
and ``told`` fills it in from the lesson's own run.

>>> [lesson.key for lesson in LESSONS][:3]
['derivative', 'attributes', 'polynomial']
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass

from explorer.content.decks import SHIPPED, Question, Slide, read_deck
from explorer.language.points import NUMBER

__all__ = ["Lesson", "Question", "Feedback", "LESSONS", "lesson", "check_answer", "named_numbers", "told"]


Lesson = Slide  # a lesson is a slide of the lab's deck: one way to make a lesson


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str


LAB = "lab"  # the lab's deck: decks/lab.json
LESSONS: tuple[Lesson, ...] = read_deck((SHIPPED / f"{LAB}.json").read_bytes()).slides

_BY_KEY = {lesson.key: lesson for lesson in LESSONS}


def lesson(key: str) -> Lesson | None:
    """The lesson with this key, or None."""
    return _BY_KEY.get(key)


def told(text: str, numbers: Mapping[str, str]) -> str:
    """A lesson's text with each ``{name}`` replaced by ``numbers[name]``, the number autograd gave for it.

    >>> told("2x + 2 = **{x.grad}**", {"x.grad": "6"})
    '2x + 2 = **6**'
    """
    return _NAMED.sub(lambda found: numbers[found.group(1)], text)


def named_numbers(text: str) -> set[str]:
    """The names of the numbers a lesson's text takes from autograd."""
    return set(_NAMED.findall(text))


_NAMED = re.compile(r"\{([^{}]+)\}")


def check_answer(question: Question, typed: str, grads: Mapping[str, object]) -> Feedback:
    """Compare a typed number with the gradient PyTorch computed for the lesson (``grads``: each variable's)."""
    if not NUMBER.fullmatch((typed or "").strip()):
        return Feedback(False, "Type a number, such as 3 or -0.5.")
    expected = grads.get(question.variable)
    if not isinstance(expected, float):
        return Feedback(False, "This lesson's gradient is not a single number.")
    if math.isclose(float(typed), expected, rel_tol=1e-3, abs_tol=1e-3):
        return Feedback(True, f"Right: PyTorch's {question.variable}.grad is {expected:g}.")
    return Feedback(False, f"Not quite: {float(typed):g} is not it. Hint: {question.hint}")
