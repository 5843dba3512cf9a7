"""Decks in the app, through Streamlit's AppTest: a deck's link opens its slides, the bar moves between them, a
question hides the gradients until it is answered, and a deck is made, edited, reordered and undone in the
sidebar. The numbers checked are autograd's own, from explore (PyTorch)."""

from __future__ import annotations

import pytest
import torch
from test_app import _undeclared_keys, run_app, summary
from test_decks import DECK

from explorer import explore
from explorer.content.decks import MAX_LINK, Deck, Slide, decode, encode
from explorer.content.lessons import LESSONS


def _counter(app) -> str:
    return next(m.value for m in app.markdown if m.value.startswith("**Slide "))


def _answer_box(app):
    """The open slide's answer box (keyed by the slide, not its place in the deck)."""
    (box,) = [t for t in app.text_input if t.key.startswith("deck_answer_")]
    return box


def _deck(app):
    return app.session_state["deck"]


@pytest.fixture(scope="module")
def opened():
    return run_app({"deck": encode(DECK)})


def test_a_decks_link_opens_its_first_slide_with_autograds_numbers(opened):
    assert _counter(opened) == "**Slide 1 of 3** · A square"
    truth = explore("y = x ** 2", {"x": 3})
    assert summary(opened) == f"`y = x ** 2` → value `{truth.value:g}`, x.grad `{truth.grad['x']:g}`"
    assert any("Look at **x.grad**." in m.value for m in opened.markdown)  # the notes


def test_next_opens_the_program_slide_and_then_the_question_which_hides_the_gradients(opened):
    opened.button(key="deck_next").click().run()
    assert _counter(opened).startswith("**Slide 2 of 3**")
    assert opened.session_state["mode"] == "program" and opened.session_state["program"] == DECK.slides[1].program
    opened.button(key="deck_next").click().run()
    assert _counter(opened).startswith("**Slide 3 of 3**")
    assert summary(opened).endswith("u.grad `?`, v.grad `?`")
    box = _answer_box(opened)
    assert box.label == "What is u.grad after backward()?"
    truth = explore("f = u * v + u ** 2", {"u": 1, "v": 2}).grad
    box.input(str(truth["u"] + 1)).run()
    assert "Treat v as a constant" in opened.warning[-1].value and not opened.success
    assert summary(opened).endswith("u.grad `?`, v.grad `?`")
    _answer_box(opened).input(f"{truth['u']:g}").run()
    assert opened.success and summary(opened).endswith(f"u.grad `{truth['u']:g}`, v.grad `{truth['v']:g}`")
    assert not opened.exception and _undeclared_keys(opened) == []


def test_a_link_opens_the_slide_it_names_and_back_stops_at_the_first():
    app = run_app({"deck": encode(DECK), "slide": "3"})
    assert _counter(app).startswith("**Slide 3 of 3**")
    for expected in (2, 1):
        app.button(key="deck_prev").click().run()
        assert _counter(app).startswith(f"**Slide {expected} of 3**")
    assert app.button(key="deck_prev").disabled


@pytest.mark.parametrize("link", ["not-a-deck", encode(DECK)[:-5] + "AAAAA", "A" * 8000])
def test_a_damaged_deck_link_is_refused_with_a_message_and_the_page_still_works(link):
    app = run_app({"deck": link})
    assert any("the link's deck was ignored" in w.value for w in app.warning)
    assert summary(app) == "`y = x ** 2` → value `4`, x.grad `4`" and _deck(app) is None


def test_a_deck_is_made_from_pages_edited_reordered_and_undone():
    app = run_app({"f": "y = x ** 3", "x": "2"})
    app.button(key="deck_add").click().run()
    app.text_input(key="function").input("y = torch.sin(x)").run()
    app.button(key="deck_add").click().run()
    assert [s.function for s in _deck(app).slides] == ["y = x ** 3", "y = torch.sin(x)"]
    assert _counter(app).startswith("**Slide 2 of 2**")
    app.text_input(key="slide_title").input("The sine").run()
    app.text_area(key="slide_notes").input("Its slope is cos: **{x.grad}**.").run()
    app.selectbox(key="slide_asks").select("uses").run()
    app.button(key="slide_save").click().run()
    slide = _deck(app).slides[1]
    assert (slide.title, slide.question.asks, slide.question.of) == ("The sine", "uses", "x")
    assert summary(app).endswith("x.grad `?`")  # the new question hides the gradients
    app.button(key="slide_up").click().run()
    assert [s.title for s in _deck(app).slides] == ["The sine", "y = x ** 3"]
    app.button(key="deck_undo_button").click().run()
    assert [s.title for s in _deck(app).slides] == ["y = x ** 3", "The sine"]
    app.button(key="slide_delete").click().run()
    assert [s.title for s in _deck(app).slides] == ["y = x ** 3"]
    app.button(key="deck_undo_button").click().run()
    assert len(_deck(app).slides) == 2
    assert decode(encode(_deck(app))) == _deck(app)
    assert not app.exception and _undeclared_keys(app) == []


def test_the_shipped_lab_deck_opens_as_the_labs_lessons():
    app = run_app()
    app.button(key="deck_open_lab").click().run()
    assert _counter(app).startswith(f"**Slide 1 of {len(LESSONS)}**")
    assert app.session_state["lesson"] == LESSONS[0].key
    app.button(key="deck_go_3").click().run()  # the first practice lesson: its own question box, not a second one
    assert app.session_state["lesson"] == "practice-cubic"
    assert [t.key for t in app.text_input if t.key.startswith(("answer_", "deck_answer_"))] == ["answer_practice-cubic"]


def test_a_decks_markup_stays_text_and_its_links_go_only_to_the_web():
    hostile = Deck("<script>alert(1)</script>", (
        Slide(title="![t](https://tracker.example/t.png) [x](javascript:alert(1))",
              notes='<img src=x onerror="alert(1)"> [bad](javascript:alert(1)) [ok](https://pytorch.org)'),
    ))
    app = run_app({"deck": encode(hostile)})
    notes = next(m for m in app.markdown if "onerror" in m.value)
    assert not notes.allow_html
    assert "](javascript:" not in notes.value and "[ok](https://pytorch.org)" in notes.value
    labels = [b.label for b in app.button if b.key and b.key.startswith("deck_go_")]
    assert labels and all("](" not in label for label in labels)  # a title is text: no image, no link
    assert all("<script>" not in m.value for m in app.markdown)


def test_the_address_bar_carries_the_deck_and_the_slide_so_a_reload_comes_back_to_it():
    app = run_app({"deck": encode(DECK)})
    app.button(key="deck_next").click().run()
    assert app.query_params["slide"] == "2" and decode(app.query_params["deck"]) == DECK
    again = run_app(dict(app.query_params))
    assert _counter(again).startswith("**Slide 2 of 3**") and again.session_state["mode"] == "program"


def test_a_deck_too_long_for_a_link_is_offered_as_a_file():
    lines = "\n".join(f"print({n * 7919 % 10007}, {n * 104729 % 99991})" for n in range(900))
    long = Deck("long", tuple(Slide(title=f"p{n}", mode="program", program=f"# {n}\n" + lines) for n in range(3)))
    assert len(encode(long)) > MAX_LINK
    app = run_app({"f": "y = x ** 2"})
    app.session_state["deck"] = long
    app.run()
    assert any("too long for a link" in c.value for c in app.caption)
    assert "deck" not in app.query_params


def test_a_slide_keeps_the_deeper_view_that_was_open_and_reopens_it():
    app = run_app({"f": "f = u*v + u**2", "further": "hessian"})
    app.button(key="deck_add").click().run()
    app.session_state["further"] = None
    app.text_input(key="function").input("y = x ** 3").run()
    app.button(key="deck_add").click().run()
    assert [s.further for s in _deck(app).slides] == ["hessian", ""]
    app.button(key="deck_prev").click().run()
    assert app.session_state["further"] == "hessian"
    truth = torch.autograd.functional.hessian(lambda t: t[0] * t[1] + t[0] ** 2, torch.tensor([1.0, 2.0]))
    rows = r" \\ ".join(" & ".join(f"{value:g}" for value in row) for row in truth.tolist())
    (latex,) = app.get("latex")
    assert rf"H = \begin{{bmatrix}} {rows} \end{{bmatrix}}" in latex.value
    assert decode(encode(_deck(app))).slides[0].further == "hessian"
    assert not app.exception and _undeclared_keys(app) == []


def test_an_answered_question_stays_answered_with_its_slide_when_the_deck_is_reordered():
    app = run_app({"deck": encode(DECK), "slide": "3"})
    truth = explore("f = u * v + u ** 2", {"u": 1, "v": 2}).grad
    _answer_box(app).input(f"{truth['u']:g}").run()
    assert summary(app).endswith(f"u.grad `{truth['u']:g}`, v.grad `{truth['v']:g}`")
    app.button(key="slide_up").click().run()  # the answered slide is now second, the program slide third
    assert _counter(app).startswith("**Slide 2 of 3**")
    assert summary(app).endswith(f"u.grad `{truth['u']:g}`, v.grad `{truth['v']:g}`")
    assert not app.exception and _undeclared_keys(app) == []
