"""A slide's question is answered by the slide's own run, checked against PyTorch itself; a wrong answer gets the
hint and never the answer."""

from __future__ import annotations

import pytest
import torch

from explorer import explore
from explorer.content.decks import Question
from explorer.model.questions import answer, check

CASES = [  # (function, points, the same function in torch)
    ("y = x ** 2 + 2 * x + 1", {"x": 2.0}, lambda x: x**2 + 2 * x + 1),
    ("f = u * v + (u * v) ** 2", {"u": 2.0, "v": 1.0}, lambda u, v: u * v + (u * v) ** 2),
    ("y = torch.sin(x) * x * x", {"x": 0.5}, lambda x: torch.sin(x) * x * x),
    ("y = torch.exp(z)", {"z": 1.5}, lambda z: torch.exp(z)),
]


def _torch(fn, points):
    leaves = {name: torch.tensor(value, requires_grad=True) for name, value in points.items()}
    out = fn(**leaves)
    return leaves, out


def _uses(out: torch.Tensor, leaf: torch.Tensor) -> int:
    """Edges into the leaf's AccumulateGrad node, walking PyTorch's own graph."""
    seen, stack, count = set(), [out.grad_fn], 0
    while stack:
        node = stack.pop()
        if node is None or node in seen:
            continue
        seen.add(node)
        for child, _ in node.next_functions:
            if child is not None and getattr(child, "variable", None) is leaf:
                count += 1
            stack.append(child)
    return count


@pytest.mark.parametrize(("function", "points", "fn"), CASES)
def test_every_kind_of_question_is_answered_as_pytorch_answers_it(function, points, fn):
    result = explore(function, points)
    leaves, out = _torch(fn, points)
    out.backward()
    for name, leaf in leaves.items():
        assert answer(Question("grad", name), result).number == pytest.approx(leaf.grad.item(), rel=1e-5)
        assert answer(Question("uses", name), result).number == _uses(out, leaf)
        assert answer(Question("grad_fn", name), result).name == "None"  # a leaf has no grad_fn
    assert answer(Question("value", result.output), result).number == pytest.approx(out.item(), rel=1e-5)
    assert answer(Question("grad_fn", result.output), result).name == type(out.grad_fn).__name__


def test_x_used_twice_in_the_polynomial_is_counted_twice():
    result = explore("y = x ** 2 + 2 * x + 1", {"x": 2})
    assert answer(Question("uses", "x"), result).shown == "2"


@pytest.mark.parametrize("typed", ["6", " 6.0 ", "6e0", "6.0001"])
def test_the_right_number_is_accepted(typed):
    assert check(Question("grad", "x"), typed, explore("y = x ** 2 + 2 * x + 1", {"x": 2})).correct


@pytest.mark.parametrize("typed", ["5", "-6", "0", "60"])
def test_a_wrong_number_gets_the_hint_not_the_answer(typed):
    feedback = check(Question("grad", "x", hint="Add the two terms' slopes."), typed,
                     explore("y = x ** 2 + 2 * x + 1", {"x": 2}))
    assert not feedback.correct and "Add the two terms' slopes." in feedback.message
    assert "6" not in feedback.message.replace(typed.strip(), "")


@pytest.mark.parametrize(("typed", "right"), [("AddBackward0", True), ("addbackward0", True),
                                              ("<AddBackward0 object at 0x7f>", True), ("MulBackward0", False),
                                              ("None", False), ("", False)])
def test_a_grad_fn_is_answered_by_its_name(typed, right):
    result = explore("y = x ** 2 + 2 * x + 1", {"x": 2})
    assert check(Question("grad_fn", "y"), typed, result).correct is right


def test_a_question_the_run_cannot_answer_says_why():
    over_range = explore("y = x ** 2", {"x": "-1:1:5"})
    assert "single number" in answer(Question("grad", "x"), over_range).missing
    assert "no tensor named z" in answer(Question("grad", "z"), explore("y = x ** 2", {"x": 1})).missing
    assert not check(Question("grad", "x"), "2", over_range).correct
    assert not check(Question("grad", "x"), "two", explore("y = x ** 2", {"x": 1})).correct
