"""The evaluation points: numbers, pi, ranges like torch.linspace, and the limits that keep a run small."""

from __future__ import annotations

import math

import pytest
import torch

from explorer import MAX_ELEMENTS, MAX_POINTS, ExpressionError, Range, explore
from explorer.language.points import NUMBER, read_point, read_points


@pytest.mark.parametrize(("typed", "point"), [
    ("2", 2.0),
    (" -1.5 ", -1.5),
    ("1e3", 1000.0),
    (".5", 0.5),
    ("pi", math.pi),
    ("-pi", -math.pi),
    ("-2*pi", -2 * math.pi),
    ("2 * pi", 2 * math.pi),
    (3, 3.0),
    (2.5, 2.5),
    ("-10:10:1000", Range(-10.0, 10.0, 1000)),
    ("0:1:1", Range(0.0, 1.0, 1)),
    ("pi:2*pi:3", Range(math.pi, 2 * math.pi, 3)),
    ((-1, 1, 5), Range(-1.0, 1.0, 5)),
    ([0, 1, 3], Range(0.0, 1.0, 3)),
    (Range(0, 1, 4), Range(0.0, 1.0, 4)),
    (f"0:1:{MAX_POINTS}", Range(0.0, 1.0, MAX_POINTS)),
])
def test_read_point_understands_numbers_pi_and_ranges(typed, point):
    assert read_point(typed) == point


@pytest.mark.parametrize("typed", [
    "0:1:0",  # count 0
    f"0:1:{MAX_POINTS + 1}",  # more points than a range may have
    (0, 1, 0),
    (0, 1, MAX_POINTS + 1),
    "nan",
    "inf",
    "-inf",
    float("nan"),
    float("inf"),
    (0, float("nan"), 3),
    "1e31",
    "1:2",  # no count
    "a:b:c",
    "1:2:3.5",
    "1:2:-3",
    "1:2:3:4",
    "",
    "two",
    True,
    None,
    (0, 1),
    (0, 1, 2.0),
    "1" * 81,
])
def test_read_point_refuses_what_is_not_a_finite_number_or_a_sensible_range(typed):
    with pytest.raises(ExpressionError):
        read_point(typed)


def test_refusal_names_the_variable():
    with pytest.raises(ExpressionError) as caught:
        read_point("nan", "u")
    assert "u" in caught.value.message


def test_a_grid_over_the_element_limit_is_refused():
    side = math.isqrt(MAX_ELEMENTS) + 1
    with pytest.raises(ExpressionError) as caught:
        read_points({"u": f"0:1:{side}", "v": f"0:1:{side}"}, ("u", "v"))
    assert f"{MAX_ELEMENTS:,}" in caught.value.message


def test_a_grid_at_the_element_limit_is_accepted():
    side = math.isqrt(MAX_ELEMENTS)
    points = read_points({"u": f"0:1:{side}", "v": f"0:1:{side}"}, ("u", "v"))
    assert points == {"u": Range(0.0, 1.0, side), "v": Range(0.0, 1.0, side)}


def test_read_points_ignores_unused_variables_and_asks_for_missing_ones():
    assert read_points({"x": "2", "u": "nan"}, ("x",)) == {"x": 2.0}
    with pytest.raises(ExpressionError) as caught:
        read_points({"u": "1"}, ("u", "v"))
    assert "v" in caught.value.message


def test_range_is_the_labs_linspace():
    result = explore("x", {"x": "-10:10:1000"})
    assert result.value == torch.linspace(-10, 10, 1000).tolist()


def test_two_ranges_give_grid_shaped_leaves_with_per_point_partials(torch_grads):
    result = explore("u * v + u ** 2", {"u": "0:1:3", "v": "-1:2:4"}, dtype="float64")
    leaves = {t.label: t for t in result.graph.tensors if t.role == "input"}
    assert {name: (t.shape, t.is_leaf, t.requires_grad) for name, t in leaves.items()} == {
        "u": ((3, 4), True, True), "v": ((3, 4), True, True)}
    u, v = torch.meshgrid(torch.linspace(0, 1, 3, dtype=torch.float64),
                          torch.linspace(-1, 2, 4, dtype=torch.float64), indexing="ij")
    assert leaves["u"].data == u.tolist() and leaves["v"].data == v.tolist()
    _, grads = torch_grads(lambda u, v: u * v + u**2, u=u.tolist(), v=v.tolist())
    # each grid point gets its own partials: df/du = v + 2u, df/dv = u
    assert torch.allclose(torch.tensor(result.grad["u"], dtype=torch.float64), v + 2 * u)
    assert torch.allclose(torch.tensor(result.grad["v"], dtype=torch.float64), u)
    assert torch.allclose(torch.tensor(result.grad["u"], dtype=torch.float64), grads["u"])
    assert torch.allclose(torch.tensor(result.grad["v"], dtype=torch.float64), grads["v"])


def test_a_range_and_a_number_mix_without_a_grid():
    result = explore("u * v", {"u": "0:1:5", "v": 2})
    shapes = {t.label: t.shape for t in result.graph.tensors if t.role == "input"}
    assert shapes == {"u": (5,), "v": ()}
    assert result.grad["u"] == [2.0] * 5
    assert result.grad["v"] == pytest.approx(sum(torch.linspace(0, 1, 5).tolist()))


@pytest.mark.parametrize(("typed", "digit"), [("\uff12", "2"), ("\u0663", "3"), ("\u0968", "2"), ("1:\uff12:3", "2")])
def test_digits_of_other_scripts_are_refused_with_the_plain_digit_to_type(typed, digit):
    # float() and int() read these as ASCII digits; a point box says what was typed instead
    assert NUMBER.fullmatch(typed) is None
    with pytest.raises(ExpressionError, match=f"type the plain digit {digit}"):
        read_point(typed)


@pytest.mark.parametrize(("typed", "words"), [
    (10**400, "no larger than 1e30"),
    ((0, "a", 3), "'a' is not a number"),
    ((None, 1, 3), "not NoneType"),
    (Range(0, 1, "3"), "whole number"),
])
def test_values_passed_from_python_are_refused_with_a_message_not_a_python_error(typed, words):
    with pytest.raises(ExpressionError, match=words):
        read_point(typed)
