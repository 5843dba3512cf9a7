"""The lessons: every cell of the lab runs, draws, and gives the lab's numbers; practice answers are checked."""

from __future__ import annotations

import pytest
import torch

from explorer import explore, parse
from explorer.content.lessons import LESSONS, check_answer, lesson
from explorer.draw.dot import to_dot
from explorer.draw.render import svg

_BY_KEY = {each.key: each for each in LESSONS}


def _explore(key: str):
    chosen = lesson(key)
    return explore(chosen.function, dict(chosen.points))


def test_the_lessons_follow_the_labs_order():
    assert [each.key for each in LESSONS] == [
        "derivative", "attributes", "polynomial", "practice-cubic", "custom-function", "partial", "sum-trick",
        "relu", "practice-partial",
    ]
    assert [each.title.split(".")[0] for each in LESSONS] == [str(n) for n in range(1, len(LESSONS) + 1)]


def test_an_unknown_lesson_is_none():
    assert lesson("nope") is None
    assert lesson("") is None


@pytest.mark.parametrize("key", list(_BY_KEY))
def test_every_lesson_parses_explores_and_renders_through_dot(key, dot_program, svg_ids):
    chosen = lesson(key)
    parsed = parse(chosen.function)
    assert set(parsed.variables) == {variable for variable, _ in chosen.points}
    result = _explore(key)
    drawn = svg_ids(svg(to_dot(result.graph)))
    assert {t.id for t in result.graph.tensors} <= drawn
    assert all(grad is not None for grad in result.grad.values())
    for function in chosen.compare:
        assert explore(function, dict(chosen.points)).grad["x"] is not None


def test_derivative_lesson_gives_x_grad_4():
    assert _explore("derivative").grad == {"x": 4.0}


def test_attributes_lesson_shows_x_as_a_leaf_and_y_made_by_pow_backward():
    tensors = {t.label: t for t in _explore("attributes").graph.tensors}
    x, y = tensors["x"], tensors["y"]
    assert (x.is_leaf, x.grad_fn, x.requires_grad, x.grad) == (True, None, True, 4.0)
    assert (y.is_leaf, y.grad_fn, y.requires_grad) == (False, "PowBackward0", True)


def test_polynomial_lesson_gives_6():
    assert _explore("polynomial").grad == {"x": 6.0}


def test_custom_function_lesson_gives_4_alone_and_its_comparisons_show_the_broken_chain_rule(torch_grads):
    chosen = lesson("custom-function")
    assert chosen.function == "y = SQ(x)"
    assert _explore("custom-function").grad == {"x": 4.0}
    x = dict(chosen.points)["x"]
    truth = [torch_grads(fn, x=float(x))[1]["x"].item() for fn in (lambda x: x**2, lambda x: 3 * x**2)]
    assert truth == [4.0, 12.0]
    grads = [explore(function, {"x": x}).grad["x"] for function in chosen.compare]
    assert chosen.compare == ("SQ(x)", "3*SQ(x)", "3*SQFixed(x)")
    assert grads == [4.0, 4.0, 12.0]
    assert grads[1] != truth[1]  # the lab's SQ drops grad_output: 3*SQ(x) is wrong
    assert grads[2] == truth[1]  # SQFixed keeps it


def test_partial_lesson_gives_4_and_1(torch_grads):
    _, truth = torch_grads(lambda u, v: u * v + u**2, u=1.0, v=2.0)
    assert _explore("partial").grad == {"u": 4.0, "v": 1.0} == {k: g.item() for k, g in truth.items()}


def test_sum_trick_lesson_gives_2x_at_each_of_the_labs_ten_points():
    result = _explore("sum-trick")
    xs = torch.linspace(-10, 10, 10)
    assert torch.equal(torch.tensor(result.grad["x"]), 2 * xs)
    assert result.graph.node(result.graph.root).name == "SumBackward0"


def test_relu_lesson_gives_0_left_of_zero_and_1_right_of_it():
    result = _explore("relu")
    xs = torch.linspace(-10, 10, 1000)
    grads = torch.tensor(result.grad["x"])
    assert grads.shape == (1000,)
    assert torch.all(grads[xs < 0] == 0) and torch.all(grads[xs > 0] == 1)


def test_only_the_practice_lessons_ask_a_question():
    assert [each.key for each in LESSONS if each.question] == ["practice-cubic", "practice-partial"]


@pytest.mark.parametrize(("key", "reference", "answer"), [
    ("practice-cubic", lambda x: 2 * x**3 + x, "7"),
    ("practice-partial", lambda u, v: u * v + (u * v) ** 2, "5"),
])
def test_practice_accepts_the_gradient_pytorch_computes(key, reference, answer, torch_grads):
    chosen = lesson(key)
    result = _explore(key)
    _, truth = torch_grads(reference, **{v: float(p) for v, p in chosen.points})
    assert truth[chosen.question.variable].item() == float(answer)
    for typed in (answer, f" {answer}.0 ", f"{answer}e0"):
        feedback = check_answer(chosen.question, typed, result.grad)
        assert feedback.correct, typed
        assert answer in feedback.message


@pytest.mark.parametrize("key", ["practice-cubic", "practice-partial"])
@pytest.mark.parametrize("typed", ["8", "-7", "0", "4.9"])
def test_practice_rejects_a_wrong_number_with_the_hint(key, typed):
    chosen = lesson(key)
    feedback = check_answer(chosen.question, typed, _explore(key).grad)
    assert not feedback.correct
    assert chosen.question.hint in feedback.message


@pytest.mark.parametrize("typed", ["seven", "", "   ", "7; import os", "7 8", "nan", "inf", "1e999e", "0x7", "7/1"])
def test_practice_asks_for_a_number_when_the_answer_is_not_one(typed):
    chosen = lesson("practice-cubic")
    feedback = check_answer(chosen.question, typed, _explore("practice-cubic").grad)
    assert not feedback.correct
    assert "number" in feedback.message
    assert chosen.question.hint not in feedback.message


@pytest.mark.parametrize("key", [chosen.key for chosen in LESSONS])
def test_every_number_a_lessons_text_gives_is_autograds_own(key):
    """The texts name numbers (``{x.grad}``) that the page fills from its own run: none is typed in."""
    from explorer.compute.build import build
    from explorer.content.lessons import named_numbers, told
    from explorer.model.playback import Known
    from explorer.model.state import PageState
    from panels.lesson import lesson_numbers

    chosen = lesson(key)
    page = build(PageState(function=chosen.function, points=chosen.points, lesson=key))
    numbers = lesson_numbers(page, Known())
    texts = [chosen.explanation] + ([chosen.question.worked] if chosen.question else [])
    for text in texts:
        assert named_numbers(text) <= set(numbers), text
        filled = told(text, numbers)
        assert "{" not in filled
        for name in named_numbers(text):
            assert numbers[name] in filled
    if chosen.question:  # the worked answer's number is what the answer box accepts
        assert check_answer(chosen.question, numbers[f"{chosen.question.variable}.grad"], page.result.grad).correct


def test_the_lessons_that_state_a_gradient_take_it_from_autograd():
    from explorer.content.lessons import named_numbers

    stating = {c.key for c in LESSONS if named_numbers(c.explanation + (c.question.worked if c.question else ""))}
    assert {"polynomial", "practice-cubic", "custom-function", "partial", "practice-partial"} <= stating
