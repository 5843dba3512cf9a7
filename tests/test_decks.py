"""Decks: a deck survives its link and its file unchanged; the shipped decks read; hostile decks are refused with
a message that names the slide and field, and never raise anything but ExpressionError."""

from __future__ import annotations

import base64
import json
import zlib

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer.content import decks
from explorer.content.decks import (
    MAX_FILE,
    MAX_LINK,
    MAX_SLIDES,
    Deck,
    Question,
    Slide,
    deck_file,
    decode,
    encode,
    from_json,
    read_deck,
    shipped_decks,
)
from explorer.content.lessons import LESSONS
from explorer.errors import ExpressionError
from explorer.language.program_link import encode as pack
from explorer.model.exploration import DTYPES
from explorer.model.state import DEEPER_VIEWS, VIEWS, PageState, from_query

LONGEST_MESSAGE = 300

PROGRAM = "import torch\nx = torch.tensor(3.0, requires_grad=True)\ny = x ** 3\ny.backward()\nprint(x.grad)\n"
DECK = Deck("Autograd in three slides", (
    Slide(title="A square", notes="Look at **x.grad**.", function="y = x ** 2", points=(("x", "3"),)),
    Slide(title="A program", notes="The same in code.", mode="program", program=PROGRAM, pstep=2),
    Slide(title="Your turn", function="f = u * v + u ** 2", points=(("u", "1"), ("v", "2")), window="-2:2:41",
          view="torchviz", dtype="float64", question=Question("grad", "u", hint="Treat v as a constant.")),
))


def test_a_deck_comes_back_unchanged_from_its_link_and_its_file():
    assert decode(encode(DECK)) == DECK
    assert read_deck(deck_file(DECK).encode("utf-8")) == DECK
    assert len(encode(DECK)) < MAX_LINK


def test_the_lab_lessons_are_the_first_shipped_deck_and_every_shipped_deck_reads():
    files = sorted(decks.SHIPPED.glob("*.json"))
    shipped = shipped_decks()
    assert list(shipped)[0] == "lab"
    assert set(shipped) == {path.stem for path in files}  # none was left out as refused
    assert shipped["lab"].slides == LESSONS
    for deck in shipped.values():
        assert decode(encode(deck)) == deck


def test_a_slide_is_checked_as_its_page_link_is():
    """A slide's fields take what the page link takes (explorer.model.state), and its constants are the same."""
    assert decks.VIEWS == VIEWS and decks.DTYPES == DTYPES
    assert decks.FURTHER == tuple(DEEPER_VIEWS)
    for slide in (s for s in DECK.slides if s.mode == "function"):
        query = {"f": slide.function, "plot": slide.window, "view": slide.view, "dtype": slide.dtype,
                 **dict(slide.points)}
        state, problems = from_query(query)
        assert problems == ()
        assert state == PageState(function=slide.function, points=slide.points, window=slide.window,
                                  view=slide.view, dtype=slide.dtype)


def _slides(*items: dict) -> dict:
    return {"format": "autograd-explorer-deck", "version": 1, "title": "t", "slides": list(items)}


# (the deck's JSON value, words the message must hold)
REFUSED = [
    ([], "JSON object"),
    (_slides({"further": "__import__"}), "slide 1's further must be one of"),
    (_slides({"pitfall": "backward-twice"}), "does not open the pitfalls"),
    (_slides({"further": "pitfalls", "pitfall": "../etc"}), "slide 1's pitfall must be one of"),
    ({"format": "something", "version": 1, "title": "", "slides": [{}]}, "format"),
    (_slides(), "at least one slide"),
    ({**_slides({}), "extra": 1}, "'extra'"),
    (_slides({"title": "a", "script": "import os"}), "slide 1 has a field this explorer does not know: 'script'"),
    (_slides({}, {"title": 3}), "slide 2's title must be text, not a number"),
    (_slides({"title": "x" * 201}), "longer than the 200"),
    (_slides({"notes": "x" * 5001}), "slide 1's notes is longer"),
    (_slides({"title": "a\x1b[31m"}), "control character"),
    (_slides({"mode": "shell"}), "slide 1's mode must be one of function, program"),
    (_slides({"mode": "program"}), "has no program"),
    (_slides({"mode": "program", "program": "x = 1", "question": {"asks": "grad", "of": "x"}}), "function slide"),
    (_slides({"function": "x" * 2001}), "slide 1's function is longer"),
    (_slides({"points": {"x": "1e999"}}), "x"),
    (_slides({"points": {"q": "1"}}), "'q'"),
    (_slides({"points": ["x", "1"]}), "must be a JSON object, not a list"),
    (_slides({"window": "3"}), "start:stop:count"),
    (_slides({"device": "cuda:0; rm"}), "device must be one of"),
    (_slides({"dtype": "float16"}), "dtype must be one of"),
    (_slides({"view": "raw"}), "view must be one of"),
    (_slides({"node": "<script>"}), "a node is named like"),
    (_slides({"step": -1}), "whole number"),
    (_slides({"step": True}), "whole number"),
    (_slides({"step": 1.5}), "whole number"),
    (_slides({"pstep": 10**30}), "whole number"),
    (_slides({"program": "x" * 20_001, "mode": "program"}), "longer than the 20,000"),
    (_slides({"question": {"asks": "eval"}}), "asks must be one of grad, value, grad_fn, uses"),
    (_slides({"question": {"asks": "grad", "of": "__class__.__init__"}}), "names a variable"),
    (_slides({"question": {"asks": "uses", "of": "loss"}}), "must be a variable"),
    (_slides({"question": {"asks": "grad", "answer": 4}}), "'answer'"),
    (_slides({"compare": ["x"] * 5}), "at most 4"),
    (_slides(*[{}] * (MAX_SLIDES + 1)), f"101 slides; a deck has at most {MAX_SLIDES}"),
    (_slides(*[{}] * 1000), "1,000 slides"),
]


@pytest.mark.parametrize(("value", "words"), REFUSED)
def test_a_hostile_deck_is_refused_with_a_message_naming_the_field(value, words):
    for door in (lambda: from_json(value), lambda: read_deck(json.dumps(value).encode()),
                 lambda: decode(pack(json.dumps(value)))):
        with pytest.raises(ExpressionError) as refused:
            door()
        message = refused.value.message
        assert words in message and len(message) <= LONGEST_MESSAGE and message.isprintable(), message


@pytest.mark.parametrize(("data", "words"), [
    (b"\xff\xfe not utf-8", "not UTF-8"),
    (b"[" * 100_000 + b"]" * 100_000, "nests deeper"),
    (b'{"a": {"b": {"c": {"d": {"e": 1}}}}}', "nests deeper"),
    (b'{"format": "autograd-explorer-deck", "format": "x"}', "'format' twice"),
    (b'{"title": NaN}', "NaN"),
    (b"{not json", "not JSON"),
    (b"", "not JSON"),
    (b" " * (4 * MAX_FILE + 1), "larger than"),
    (("x" * (MAX_FILE + 1)).encode(), "longer than the 500,000"),
])
def test_a_hostile_deck_file_is_refused(data, words):
    with pytest.raises(ExpressionError) as refused:
        read_deck(data)
    assert words in refused.value.message


@pytest.mark.parametrize(("text", "words"), [
    ("A" * (MAX_LINK + 1), "longer than the 7,000 characters a link carries"),
    ("not base64!", "not base64url"),
    ("AAAA", "damaged"),
    (base64.urlsafe_b64encode(zlib.compress(b"[" * (MAX_FILE + 10), 9)).decode().rstrip("="), "500,000"),
    (base64.urlsafe_b64encode(zlib.compress(b"\xff\xfe", 9)).decode().rstrip("="), "not UTF-8"),
])
def test_a_hostile_deck_link_is_refused(text, words):
    with pytest.raises(ExpressionError) as refused:
        decode(text)
    assert words in refused.value.message and "deck" in refused.value.message


@settings(max_examples=300, deadline=None)
@given(st.recursive(st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=30),
                    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
                        st.sampled_from(["title", "slides", "format", "version", "notes", "points", "x", "mode",
                                         "question", "asks", "of", "step", "program", "zz"]), inner, max_size=5),
                    max_leaves=25))
def test_no_deck_raises_anything_but_a_refusal(value):
    for door in (lambda: from_json(value), lambda: read_deck(json.dumps(value).encode())):
        try:
            door()
        except ExpressionError as err:
            assert err.message.isprintable() and len(err.message) <= LONGEST_MESSAGE


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=200) | st.text(max_size=200).map(str.encode))
def test_no_deck_file_or_link_raises_anything_but_a_refusal(data):
    for door in (lambda: read_deck(data), lambda: decode(data.decode("latin-1"))):
        try:
            door()
        except ExpressionError:
            pass
