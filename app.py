"""Autograd Explorer: type a function, see PyTorch's autograd graph, inspect every tensor, plot f and f'.

A picture frame around ``explorer``: page setup, the visitor's choices in, one
page built by a worker process, and the panels of ``panels`` drawn from it, in
the order the page shows them. Run with ``make run``.
"""

# ruff: noqa: E402 (the launcher below starts the workers before the page's imports)
from __future__ import annotations

import sys

if __name__ == "__main__" and "streamlit" not in sys.modules:
    # `python app.py [streamlit options]`: the workers start importing torch now, while Streamlit starts;
    # Streamlit then runs this file again as its script, with streamlit imported
    from pathlib import Path

    from explorer.serve.pool import start_early

    start_early()
    from streamlit.web.cli import main as streamlit_main

    streamlit_main(["run", str(Path(__file__).resolve()), *sys.argv[1:]], prog_name="streamlit")

import streamlit as st

from panels.further import further_ui
from panels.graph_panel import graph_ui
from panels.inputs import inputs_ui, sidebar_ui, style_ui
from panels.lesson import lesson_ui
from panels.plots import plots_ui
from panels.result import link_ui, page_ui, step_view_ui, summary_ui
from panels.session import grads_hidden, init_state, link_problems, position, presenting
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
    for problem in link_problems():
        st.warning(escape_markdown(problem))
    lesson_box = st.container()  # the lesson's text stands above the inputs, written once its page is built
    state = inputs_ui()
    page = page_ui(state)
    if page is None:
        return
    with lesson_box:
        lesson_ui(page)
    step, node = position()
    query = link_ui(page, step, node, presenting())
    summary_ui(page)
    graph_ui(page, step_view_ui(page, step))
    left, right = st.columns([3, 2])
    with left:
        tensors_ui(page)
    with right:
        node_ui(page)
    plots_ui(page)
    further_ui(page, grads_hidden(page.state.lesson))
    share_ui(page, query)


main()
