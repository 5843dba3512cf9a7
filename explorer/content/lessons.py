"""The lessons: every cell of the lab "Differentiation in PyTorch", in the lab's order.

Each lesson is a function, its points and a short explanation in our own
words. The practice lessons ask a question; the right answer is never typed in
here: it is the gradient PyTorch computes for the lesson, read at check time.
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

from explorer.language.points import NUMBER

__all__ = ["Lesson", "Question", "Feedback", "LESSONS", "lesson", "check_answer", "named_numbers", "told"]


@dataclass(frozen=True)
class Question:
    """A practice question: which partial derivative the learner computes, with help."""

    prompt: str
    variable: str  # the answer is the .grad of this variable
    hint: str
    worked: str  # the worked answer, in words and formulas


@dataclass(frozen=True)
class Lesson:
    key: str
    title: str
    function: str
    points: tuple[tuple[str, str], ...]
    explanation: str
    question: Question | None = None
    compare: tuple[str, ...] = ()  # functions to run beside this one (the SQ lesson)


@dataclass(frozen=True)
class Feedback:
    correct: bool
    message: str


LESSONS: tuple[Lesson, ...] = (
    Lesson(
        "derivative", "1. The derivative of y = x² at x = 2", "y = x ** 2", (("x", "2"),),
        "Make `x` a tensor with `requires_grad=True`, compute `y = x ** 2`, call `y.backward()`: "
        "PyTorch walks the graph from `y` back to `x` and stores dy/dx in `x.grad`. "
        "By hand, dy/dx = 2x, so at x = 2 the answer is **4**: look for `grad 4` on the blue leaf `x`.",
    ),
    Lesson(
        "attributes", "2. What a tensor knows: data, grad_fn, grad, is_leaf, requires_grad", "y = x ** 2",
        (("x", "2"),),
        "The lab prints five attributes of `x` and of `y`. `x` is a **leaf**: you made it, so its `grad_fn` is "
        "None and backward fills its `grad`. `y` was made by an operation, so its `grad_fn` is `PowBackward0` "
        "(the node that knows how to differentiate `**`) and it is not a leaf. The tensor table below the graph "
        "is that printout, for every tensor at once.",
    ),
    Lesson(
        "polynomial", "3. A longer function: y = x² + 2x + 1", "y = x ** 2 + 2 * x + 1", (("x", "2"),),
        "Each operation adds a node. `x` is used twice (in `x ** 2` and in `2 * x`), so during backward two "
        "gradients arrive at its AccumulateGrad node and are added: 2x + 2 = 4 + 2 = **{x.grad}** at x = 2.",
    ),
    Lesson(
        "practice-cubic", "4. Practice: y = 2x³ + x at x = 1", "y = 2 * x ** 3 + x", (("x", "1"),),
        "Your turn, as in the lab's practice cell. The gradients are hidden until you answer.",
        question=Question(
            "What is dy/dx of y = 2x³ + x at x = 1?", "x",
            "Differentiate term by term: d(2x³)/dx = 6x², and d(x)/dx = 1.",
            "dy/dx = 6x² + 1, so at x = 1: 6·1 + 1 = {x.grad}. In PyTorch: `x = torch.tensor(1.0, requires_grad=True); "
            "y = 2 * x ** 3 + x; y.backward(); x.grad` gives `tensor({x.grad}.)`.",
        ),
    ),
    Lesson(
        "custom-function", "5. A custom autograd Function: the lab's SQ", "y = SQ(x)", (("x", "2"),),
        "The lab writes its own square Function with a `forward` and a `backward`. Alone, `SQ(x)` gives the "
        "right {x.grad} at x = 2. But the lab's backward returns `2*i` and throws away `grad_output`, the gradient "
        "arriving from above. Inside a bigger function the chain rule breaks: `3*SQ(x)` should give {3*SQFixed(x)} "
        "and gives {3*SQ(x)}. `SQFixed` returns `grad_output * 2*i`. `torch.autograd.gradcheck` catches the bug.",
        compare=("SQ(x)", "3*SQ(x)", "3*SQFixed(x)"),
    ),
    Lesson(
        "partial", "6. Partial derivatives: f(u, v) = uv + u² at u = 1, v = 2", "f = u * v + u ** 2",
        (("u", "1"), ("v", "2")),
        "With two leaves, one backward fills both grads: ∂f/∂u = v + 2u = **{u.grad}** lands in `u.grad` and "
        "∂f/∂v = u = **{v.grad}** in `v.grad`.",
    ),
    Lesson(
        "sum-trick", "7. Many points at once: the sum trick", "Y = x ** 2", (("x", "-10:10:10"),),
        "`x = torch.linspace(-10, 10, 10, requires_grad=True)` holds ten points. `backward()` needs one number, "
        "so the lab sums: `y = torch.sum(x ** 2)`. Each point only affects its own term, so `x.grad[i]` is the "
        "derivative 2x at point i. The graph shows the `SumBackward0` node the trick adds.",
    ),
    Lesson(
        "relu", "8. The relu function and its derivative", "Y = torch.relu(x)", (("x", "-10:10:1000"),),
        "relu(x) = max(x, 0). Its derivative is 0 for x < 0 and 1 for x > 0. At exactly 0 it is not defined; "
        "PyTorch returns 0 there by convention. The plot shows both curves, as the lab draws them.",
    ),
    Lesson(
        "practice-partial", "9. Practice: ∂f/∂u of f = uv + (uv)² at u = 2, v = 1", "f = u * v + (u * v) ** 2",
        (("u", "2"), ("v", "1")),
        "Your turn, as in the lab's last practice cell. The gradients are hidden until you answer.",
        question=Question(
            "What is ∂f/∂u of f = uv + (uv)² at u = 2, v = 1?", "u",
            "Treat v as a constant. d(uv)/du = v, and by the chain rule d((uv)²)/du = 2(uv)·v.",
            "∂f/∂u = v + 2uv², so at u = 2, v = 1: 1 + 2·2·1 = {u.grad}. In PyTorch, after `f.backward()`, "
            "`u.grad` is `tensor({u.grad}.)`.",
        ),
    ),
)

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
