"""Autograd Explorer: type a function, see PyTorch's autograd graph, inspect every tensor, plot f and f'.

A picture frame around ``explorer``: page setup, the inputs, one call into the
core (a page built by a worker process), and the panels of ``panels``. Run with
``make run``.
"""

# ruff: noqa: E402 (the launcher below starts the workers before the page's imports)
from __future__ import annotations

import sys
from dataclasses import replace

if __name__ == "__main__" and "streamlit" not in sys.modules:
    # `python app.py [streamlit options]`: the workers start importing torch now, while Streamlit starts;
    # Streamlit then runs this file again as its script, with streamlit imported
    from pathlib import Path

    from explorer.serve.pool import start_early

    start_early()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(["run", str(Path(__file__).resolve()), *sys.argv[1:]], prog_name="streamlit")

import streamlit as st

from explorer import ExpressionError
from explorer.content.lessons import lesson
from explorer.draw.dot import format_value
from explorer.model.page import Page
from explorer.model.state import to_query
from panels import jobs
from panels.further import further_ui
from panels.graph_panel import graph_ui
from panels.inputs import inputs_ui, sidebar_ui, style_ui
from panels.lesson import lesson_ui
from panels.plots import plots_ui
from panels.session import current_state, grads_hidden, init_state
from panels.share import share_ui
from panels.tensors import node_ui, tensors_ui
from panels.text import escape_markdown

# a projector needs the width: presentation links open with the lessons sidebar folded away
st.set_page_config(page_title="Autograd Explorer", page_icon=":material/function:", layout="wide",
                   initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto")


def main() -> None:
    init_state()
    style_ui()
    sidebar_ui()
    st.title("∂ Autograd Explorer")
    st.caption("Type a function, pick where to evaluate it, and watch what PyTorch's autograd really does.")
    for problem in st.session_state.link_problems:
        st.warning(escape_markdown(problem))
    if st.session_state.shown_function != st.session_state.function:
        # a new function has new nodes: the player and the inspector start afresh
        st.session_state.update(shown_function=st.session_state.function, step=0, playing=False, node="")
    state = current_state()
    if (chosen := lesson(state.lesson)) and (state.function not in (chosen.function, *chosen.compare)
                                             or any(state.point(v) != typed for v, typed in chosen.points)):
        st.session_state.lesson = ""  # the learner moved off the lesson's function or point: the lesson is over
        state = replace(state, lesson="")
    lesson_box = st.container()
    inputs_ui()
    hide = grads_hidden(state.lesson)
    try:
        with st.spinner("Running your function through autograd..."):
            page = jobs.page(replace(state, step=0, node=""), hide)
        st.session_state.last_good = page
    except ExpressionError as err:
        st.error(escape_markdown(err.message + (f" (column {err.column})" if err.column else "")))
        if err.column:
            st.code(err.pointer(st.session_state.function), language=None)
        page = st.session_state.last_good
        if page is not None:
            st.caption("Below: the last function that worked.")
    if page is None:
        return
    with lesson_box:
        lesson_ui(page)
    shown = replace(page.state, step=st.session_state.step, node=st.session_state.get("node") or "")
    query = to_query(shown) | ({"present": "1"} if st.session_state.presentation else {})
    st.query_params.from_dict(query)
    # visitor text only ever inside code spans: the language has no backtick, so it cannot break out
    st.markdown(f"`{page.result.output} = {page.result.body}` → value `{format_value(page.result.value)}`"
                + "".join(f", {v}.grad `{_grad(page, v, hide)}`" for v in page.result.variables))
    for note in page.result.notes:
        st.info(escape_markdown(note))
    if page.render_problem:
        st.warning(escape_markdown(page.render_problem))
    step = min(st.session_state.step, len(page.playback.steps)) if not hide else 0
    try:
        view_at_step = jobs.step_view(page.state, hide, step) if step else None
    except ExpressionError as err:
        jobs.refused(err)
        view_at_step = None
    graph_ui(page, view_at_step)
    left, right = st.columns([3, 2])
    with left:
        tensors_ui(page)
    with right:
        node_ui(page)
    plots_ui(page)
    further_ui(page, hide)
    share_ui(page, query)


def _grad(page: Page, variable: str, hide: bool) -> str:
    return "?" if hide else format_value(page.result.grad[variable])



main()
