"""Decks in the app: the shipped decks and the visitor's own in the sidebar (add this page, edit, reorder,
delete, undo), the bar that presents one (counter, keys, notes), a slide's question, and the deck's link, file
and notebook."""

from __future__ import annotations

import functools
from dataclasses import replace
from urllib.parse import urlencode

import streamlit as st

from explorer.content.decks import (
    ASKS,
    MAX_LINK,
    MAX_NOTES,
    MAX_SLIDES,
    MAX_TITLE,
    Deck,
    Question,
    Slide,
    deck_file,
    encode,
    read_deck,
    safe_links,
    shipped_decks,
)
from explorer.content.lessons import lesson, told
from explorer.errors import ExplorerError, ExpressionError
from explorer.language.expression import VARIABLES
from explorer.model.page import Page
from explorer.model.playback import Known
from explorer.model.questions import answer, check
from explorer.serve.quota import Quota

from . import jobs
from .components import mount
from .copy_box import copyable
from .lesson import lesson_numbers
from .session import (
    change_deck,
    open_deck,
    open_slide,
    presenting,
    slide_index,
    slide_tag,
    this_page_as_slide,
    undo_deck,
)
from .text import escape_markdown

_NO_QUESTION = "(no question)"


@functools.cache
def _shipped() -> dict[str, Deck]:
    """The decks in decks/, read once per server: a host adds a course by adding a file and restarting."""
    return shipped_decks()


# -- the sidebar: open, make and edit a deck


def deck_sidebar_ui() -> None:
    with st.sidebar:
        st.header("Decks")
        st.caption("Your own lesson: pages as slides, with notes and questions, in one link.")
        for name, deck in _shipped().items():
            st.button(f"{escape_markdown(deck.title)} ({len(deck.slides)} slides)", key=f"deck_open_{name}",
                      on_click=_open, args=(deck,), width="stretch")
        st.button("Add this page as a slide", key="deck_add", on_click=_add, type="primary", width="stretch")
        deck = open_deck()
        if deck is None:
            st.file_uploader("Open a deck file", type=["json"], key="deck_upload", on_change=_upload)
            return
        _outline_ui(deck)
        _edit_ui(deck, slide_index())


def _outline_ui(deck: Deck) -> None:
    st.subheader(escape_markdown(deck.title) or "Your deck")
    index = slide_index()
    for number, slide in enumerate(deck.slides):
        st.button(f"{number + 1}. {escape_markdown(slide.title) or 'Slide'}", key=f"deck_go_{number}",
                  on_click=open_slide, args=(number,), type="primary" if number == index else "tertiary",
                  width="stretch")
    up, down, delete, undo = st.columns(4)
    up.button("", key="slide_up", icon=":material/arrow_upward:", help="Move this slide up", disabled=index == 0,
              on_click=_move, args=(-1,))
    down.button("", key="slide_down", icon=":material/arrow_downward:", help="Move this slide down",
                disabled=index == len(deck.slides) - 1, on_click=_move, args=(1,))
    delete.button("", key="slide_delete", icon=":material/delete:", help="Delete this slide", on_click=_delete)
    undo.button("", key="deck_undo_button", icon=":material/undo:", help="Undo the last change",
                disabled=not st.session_state.deck_undo, on_click=undo_deck)
    st.button("Close the deck", key="deck_close", on_click=change_deck, args=(None, 0), width="stretch")


def _edit_ui(deck: Deck, index: int) -> None:
    """The open slide's title, notes and question; saved together (undo takes the save back)."""
    slide = deck.slides[index]
    s = st.session_state
    if s.get("deck_form_for") != (index, slide):  # another slide, or this one changed: the form shows it
        question = slide.question or Question()
        s.update(deck_form_for=(index, slide), deck_title=deck.title, slide_title=slide.title,
                 slide_notes=slide.notes, slide_asks=slide.question.asks if slide.question else _NO_QUESTION,
                 slide_of=question.of, slide_hint=question.hint)
    with st.expander(f"Edit slide {index + 1}", expanded=not presenting()):
        st.text_input("Deck title", key="deck_title", max_chars=MAX_TITLE)
        st.text_input("Slide title", key="slide_title", max_chars=MAX_TITLE)
        st.text_area("Notes (Markdown)", key="slide_notes", max_chars=MAX_NOTES, height=120,
                     help="Shown above the slide; {x.grad} is filled in with the number autograd gives.")
        if slide.mode == "function":
            st.selectbox("Ask", (_NO_QUESTION, *ASKS), key="slide_asks",
                         format_func=lambda kind: ASKS.get(kind, kind),
                         help="What the student answers; autograd computes the answer from this slide's run.")
            st.text_input("About (a variable, or the output's name)", key="slide_of", max_chars=40)
            st.text_input("Hint, after a wrong answer", key="slide_hint", max_chars=MAX_TITLE * 2)
        st.button("Save this slide", key="slide_save", on_click=_save, type="primary", width="stretch")


def _open(deck: Deck) -> None:
    change_deck(deck, 0)
    open_slide(0)


def _add() -> None:
    """This page as a new slide after the open one (a first slide starts a deck)."""
    deck = open_deck() or Deck("My lesson", ())
    at = slide_index() + 1 if deck.slides else 0
    slides = (*deck.slides[:at], this_page_as_slide(), *deck.slides[at:])
    if len(slides) > MAX_SLIDES:
        st.session_state.link_problems = (*st.session_state.link_problems, f"A deck has at most {MAX_SLIDES} slides.")
        return
    change_deck(replace(deck, slides=slides), at)


def _move(by: int) -> None:
    deck, index = open_deck(), slide_index()
    if deck is None or not 0 <= index + by < len(deck.slides):
        return
    slides = list(deck.slides)
    slides[index], slides[index + by] = slides[index + by], slides[index]
    change_deck(replace(deck, slides=tuple(slides)), index + by)


def _delete() -> None:
    deck, index = open_deck(), slide_index()
    if deck is None:
        return
    slides = deck.slides[:index] + deck.slides[index + 1:]
    change_deck(replace(deck, slides=slides) if slides else None, max(min(index, len(slides) - 1), 0))
    if slides:
        open_slide(st.session_state.slide)


def _save() -> None:
    s = st.session_state
    deck, index = open_deck(), slide_index()
    if deck is None:
        return
    slide = deck.slides[index]
    question = None
    if slide.mode == "function" and s.slide_asks in ASKS:
        of = (s.slide_of or "").strip() or "x"
        if s.slide_asks in ("grad", "uses") and of not in VARIABLES:
            of = slide.points[0][0] if slide.points else "x"
        question = Question(s.slide_asks, of if of.isidentifier() else "x", hint=s.slide_hint or "")
    changed = replace(slide, title=s.slide_title or "", notes=s.slide_notes or "", question=question)
    slides = (*deck.slides[:index], changed, *deck.slides[index + 1:])
    change_deck(Deck((s.deck_title or "")[:MAX_TITLE], slides))


def _upload() -> None:
    s = st.session_state
    uploaded = s.deck_upload
    if uploaded is None:
        return
    try:
        deck = read_deck(uploaded.getvalue())
    except ExpressionError as err:
        s.link_problems = (*s.link_problems, f"The deck file was not opened: {err.message}")
        return
    _open(deck)


# -- presenting: the bar above the page


def deck_bar_ui() -> None:
    """The open deck's slide counter, back and next (and the keys), and the notes' switch."""
    deck = open_deck()
    if deck is None:
        return
    index = slide_index()
    count = len(deck.slides)
    # one row at every width (columns would stack on a phone): back, where we are, the notes' switch, next
    with st.container(border=True, key="deck_bar", horizontal=True, vertical_alignment="center"):
        st.button("", key="deck_prev", icon=":material/chevron_left:", help="The slide before (← or Page Up)",
                  disabled=index == 0, on_click=open_slide, args=(index - 1,))
        st.markdown(f"**Slide {index + 1} of {count}** · {escape_markdown(deck.slides[index].title)}",
                    width="stretch")
        st.toggle("Notes", key="deck_notes", help="Hide the notes before you project the page", width="content")
        st.button("", key="deck_next", icon=":material/chevron_right:", help="The next slide (→ or Page Down)",
                  disabled=index == count - 1, on_click=open_slide, args=(index + 1,))
    mount("deck", {"slides": count}, key="deck_keys", on_move_change=_key_move)


def _key_move() -> None:
    way = st.session_state.deck_keys.move
    index = slide_index()
    if way == "next":
        open_slide(index + 1)
    elif way == "back":
        open_slide(index - 1)


def deck_slide_ui(page: Page | None, known: Known) -> None:
    """The open slide's notes (numbers filled in from the page) and its question, for a slide not of the lab's
    lessons (those show their own, panels/lesson.py)."""
    deck = open_deck()
    if deck is None:
        return
    index = slide_index()
    slide = deck.slides[index]
    if lesson(slide.key) is not None:
        return
    numbers = lesson_numbers(page, known) if page is not None else {}
    if slide.notes and st.session_state.deck_notes:
        with st.container(border=True, key="deck_notes_box"):
            st.markdown(safe_links(_filled(slide.notes, numbers)), unsafe_allow_html=False)  # a deck is anyone's
    if slide.question is None or page is None or page.state.function != slide.function:
        return
    _question_ui(slide, page)


def _filled(text: str, numbers: dict[str, str]) -> str:
    try:
        return told(text, {**{name: "{" + name + "}" for name in _names(text)}, **numbers})
    except KeyError:
        return text


def _names(text: str) -> set[str]:
    return {part.split("}")[0] for part in text.split("{")[1:]}


def _question_ui(slide: Slide, page: Page) -> None:
    s = st.session_state
    question = slide.question
    assert question is not None
    tag = slide_tag(slide)
    solved = f"deck_solved_{tag}"
    # a label's Markdown takes links and images, and its text is also what a screen reader says: no brackets, so
    # no link, and no backslashes read aloud
    label = question.wording().translate(str.maketrans("", "", "[]<>"))
    typed = st.text_input(label, key=f"deck_answer_{tag}", max_chars=100,
                          placeholder="type your answer")
    right = False
    if typed:
        feedback = check(question, typed, page.result)
        right = feedback.correct
        (st.success if right else st.warning)(escape_markdown(feedback.message))
        if right and not s.get(solved):
            s[solved] = True
            st.rerun()  # show the gradients now
    if not s.get(solved):
        st.button("Show the answer", key=f"deck_reveal_{tag}", on_click=lambda: s.update({solved: True}))
    elif not right:  # revealed rather than answered
        st.info(escape_markdown(f"PyTorch's answer: {answer(question, page.result).shown}"))


# -- sharing


def deck_share_ui() -> None:
    """The deck's link (when it fits one), its file, and the notebook that rebuilds it in plain PyTorch."""
    deck = open_deck()
    if deck is None:
        return
    st.subheader("Share this deck")
    encoded = encode(deck)
    base = st.context.url or ""
    if len(encoded) <= MAX_LINK:
        # the address bar too: a reload, or a bookmark, comes back to this deck at this slide
        st.query_params.update({"deck": encoded, "slide": str(slide_index() + 1)})
        st.caption("This link opens the deck at its first slide; each student moves through it at their own pace. "
                   "Add `&present=1` for presentation mode:")
        copyable(f"{base}?{urlencode({'deck': encoded, 'slide': 1})}", "the link to this deck", key="deck_link",
                 wrap=True)
    else:
        st.caption(f"This deck is too long for a link ({len(encoded):,} characters; a link carries {MAX_LINK:,}): "
                   "download its file, and open it from the sidebar.")
    text = deck_file(deck)
    spend = jobs.quota()
    left, right = st.columns(2)
    left.download_button("Deck file", text, "deck.json", "application/json", key="deck_file", on_click="ignore",
                         icon=":material/download:")
    right.download_button("Jupyter notebook", lambda: _notebook(text, spend), "deck.ipynb",
                          "application/x-ipynb+json", key="deck_notebook", on_click="ignore",
                          icon=":material/download:")


def _notebook(text: str, spend: Quota) -> str:
    try:
        return jobs.deck_notebook(text, spend)
    except ExplorerError as err:
        return f"# The notebook could not be made: {err.message}\n"
