"""The chosen lesson of the lab: its text, its comparisons, gradcheck, and its practice question."""

from __future__ import annotations

import streamlit as st

from explorer.content.lessons import check_answer, lesson, told
from explorer.errors import ExplorerError
from explorer.model.page import Page
from explorer.model.playback import Known

from . import jobs
from .result import variable_grad
from .session import show_function
from .text import escape_markdown


def lesson_numbers(page: Page, known: Known) -> dict[str, str]:
    """The numbers a lesson's text names, as autograd gave them on this page: ``x.grad``, a compared function's;
    ``?`` for a grad the backward player has not reached yet."""
    grads = {f"{v}.grad": variable_grad(page, v, known) for v in page.result.variables}
    return grads | {row.function: row.grad for row in page.comparisons}


def lesson_ui(page: Page, known: Known) -> None:
    """The chosen lesson's text, its comparisons, and its practice question."""
    current = lesson(page.state.lesson)
    if current is None:
        return
    with st.container(border=True):
        st.subheader(current.title)
        numbers = lesson_numbers(page, known)
        st.markdown(told(current.explanation, numbers))
        for row in page.comparisons:
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"`{row.function}` → value **{row.value}**, x.grad **{row.grad}**")
            button.button("Show its graph", key=f"compare_{row.function}", on_click=show_function,
                          args=(row.function,))
        if current.compare:
            for name in ("SQ", "SQFixed"):
                try:
                    check = jobs.gradcheck(name)
                except ExplorerError as err:
                    jobs.say(err)
                    break
                verdict = "passes" if check.passed else "fails"
                st.markdown(f"`torch.autograd.gradcheck({name}.apply, ...)` **{verdict}**")
                if not check.passed:
                    st.code(check.message, language=None)
        question = current.question
        if question is None:
            return
        solved_key = f"solved_{current.key}"
        answer = st.text_input(question.prompt, key=f"answer_{current.key}", placeholder="type a number",
                               max_chars=100)
        if answer:
            feedback = check_answer(question, answer, page.result.grad)
            (st.success if feedback.correct else st.warning)(escape_markdown(feedback.message))
            if feedback.correct and not st.session_state.get(solved_key):
                st.session_state[solved_key] = True
                st.rerun()  # show the gradients now
        if not st.session_state.get(solved_key):
            st.button("Show the worked answer", key=f"reveal_{current.key}",
                      on_click=lambda: st.session_state.update({solved_key: True}))
        else:
            st.info(told(question.worked, numbers))

