"""A program in a link: round trips, the size cap, and hostile links refused without being inflated."""

from __future__ import annotations

import base64
import random
import zlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from explorer.errors import ExpressionError
from explorer.language.program import LIMITS
from explorer.language.program_link import MAX_ENCODED, decode, encode, too_long


@given(st.text(max_size=400))
def test_any_program_comes_back_as_it_was_typed(source):
    assert decode(encode(source)) == source


def test_the_link_is_url_safe_and_short_for_a_lab_cell():
    cell = "import torch\nx = torch.tensor(2.0, requires_grad = True)\ny = x ** 2\ny.backward()\nprint(x.grad)\n"
    code = encode(cell)
    assert set(code) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
    assert len(code) < len(cell) * 1.4


def _link(raw: bytes) -> str:
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).rstrip(b"=").decode()


@pytest.mark.parametrize(("code", "words"), [
    ("not base64!", "not base64url"),
    ("A" * (MAX_ENCODED + 1), "longer than"),
    ("AAAA", "damaged"),
    (_link(b"x = 1")[:-3], "damaged"),
    (_link("é".encode("latin-1")), "not UTF-8"),
    # a zip bomb: 100 MB of zeros in a few hundred characters; inflation stops past what a program may hold
    (_link(b"0" * 100_000_000), "longer than"),
    (_link(b"#" * (LIMITS.characters + 1)), "longer than"),
])
def test_a_hostile_link_is_refused_with_a_reason(code, words):
    with pytest.raises(ExpressionError, match=words):
        decode(code)


def test_a_program_past_the_cap_is_said_to_be_too_long_for_a_link():
    rng = random.Random(0)
    varied = "".join(f"# {rng.getrandbits(64):016x}\n" for _ in range(600))  # 12,000 characters zlib cannot shrink
    assert len(varied) <= LIMITS.characters and too_long(varied) and not too_long("import torch\n")


@given(st.text(max_size=300) | st.binary(max_size=300).map(lambda b: base64.urlsafe_b64encode(b).decode()))
def test_any_link_text_gives_a_program_within_the_cap_or_a_refusal_never_a_crash(code):
    try:
        source = decode(code)
    except ExpressionError as err:
        assert err.message.startswith("the link's program")
    else:
        assert isinstance(source, str) and len(source) <= LIMITS.characters
