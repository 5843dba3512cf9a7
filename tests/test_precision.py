"""Numbers at the precision their dtype carries: PyTorch reads each back as the very number it computed."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from explorer.draw.dot import format_value
from explorer.draw.precision import WHOLE, exact, whole

FLOATS = st.floats(allow_nan=False, allow_infinity=False, width=64)


@given(FLOATS)
def test_float32_is_written_with_the_digits_that_read_back_as_the_same_float32(value):
    stored = torch.tensor(value, dtype=torch.float32)
    if not math.isfinite(stored.item()):
        return
    text = exact(stored.item(), "float32")
    assert torch.tensor(float(text), dtype=torch.float32).item() == stored.item()
    assert len(text.replace("-", "").replace(".", "").split("e")[0].lstrip("0")) <= 9  # float32 carries 9 at most


@given(FLOATS)
def test_float64_is_written_with_every_digit_it_carries(value):
    stored = torch.tensor(value, dtype=torch.float64).item()
    assert float(exact(stored, "float64")) == stored


def test_float64_shows_more_than_float32_for_the_same_computation():
    f32 = (torch.sin(torch.tensor(2.0)) * 2).item()
    f64 = (torch.sin(torch.tensor(2.0, dtype=torch.float64)) * 2).item()
    assert format_value(f32) == format_value(f64)  # 4 digits: the two look the same
    assert exact(f32, "float32") != exact(f64, "float64")
    assert exact(f64, "float64") == repr(f64)
    assert exact(f32, "float32") == str(np.float32(f32))


@pytest.mark.parametrize("count", [10, WHOLE, WHOLE + 1])
def test_a_small_vector_is_written_whole_and_a_long_one_by_its_ends(count):
    values = torch.linspace(-10, 10, count)
    text = whole(values.tolist(), "float32")
    if count <= WHOLE:
        read = torch.tensor([float(v) for v in text.strip("[]").split(", ")], dtype=torch.float32)
        assert torch.equal(read, values)  # every element, read back as float32, is PyTorch's own
    else:
        assert text.endswith(f"({count:,})") and "..." in text
