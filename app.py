"""Autograd Explorer: type a function or paste a PyTorch program, see autograd's graph, inspect every tensor.

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

from explorer.model.playback import Known, known_at
from panels.deck import deck_bar_ui, deck_share_ui, deck_sidebar_ui, deck_slide_ui
from panels.further import further_ui
from panels.graph_panel import graph_ui
from panels.inputs import inputs_ui, sidebar_ui, style_ui
from panels.jobs import page_run
from panels.lesson import lesson_ui
from panels.plots import plots_ui
from panels.program_mode import (
    editor_ui,
    lesson_caption_ui,
    marks,
    mode_ui,
    output_ui,
    refusal_ui,
    run_ui,
    warnings_ui,
)
from panels.program_mode import link_query as program_link
from panels.program_mode import plots_ui as program_plots_ui
from panels.program_mode import share_ui as program_share_ui
from panels.program_mode import tensors_ui as program_tensors_ui
from panels.result import link_ui, page_ui, step_view_ui, summary_ui
from panels.session import (
    current_program,
    grads_hidden,
    init_state,
    link_problems,
    position,
    presenting,
    program_position,
)
from panels.share import share_ui
from panels.stepping import backward_at, backward_ui, forward_graph_ui, graphs_ui, names_ui, stepper_ui
from panels.tensors import node_ui, tensors_ui
from panels.text import escape_markdown

# a projector and a course page's frame need the width: presentation links and embeds open with the lessons
# sidebar folded away
FOLDED = st.query_params.get("present") == "1" or bool(st.context.is_embedded)
st.set_page_config(page_title="Autograd Explorer", page_icon=":material/function:", layout="wide",
                   initial_sidebar_state="collapsed" if FOLDED else "auto")


def main() -> None:
    init_state()
    style_ui()
    sidebar_ui()
    deck_sidebar_ui()
    st.title("∂ Autograd Explorer")
    st.caption("Type a function or paste a PyTorch program, and watch what PyTorch's autograd really does.")
    for problem in link_problems():
        st.warning(escape_markdown(problem))
    deck_bar_ui()
    if mode_ui() == "program":
        program_main()
        return
    lesson_box = st.container()  # the lesson's text stands above the inputs, written once its page is built
    state = inputs_ui()
    page = page_ui(state)
    if page is None:
        return
    step, node = position()
    # NOTE [what is known at this step]: one answer, read by every panel, to what backward has computed so far
    # (the player's step, a practice question): no panel shows a grad that the graph still shows as ?
    known = known_at(page.playback, step, grads_hidden(page.state.lesson))
    with lesson_box:
        lesson_ui(page, known)
        deck_slide_ui(page, known)
    query = link_ui(page, step, node, presenting())
    summary_ui(page, known)
    graph_ui(page, step_view_ui(page, step), known)
    # one above the other: the lab's printout has ten columns, which a column beside the inspector clipped on a
    # projector with the sidebar open
    tensors_ui(page, known)
    node_ui(page, known)
    plots_ui(page, known)
    further_ui(page, grads_hidden(page.state.lesson), known)
    share_ui(page, query)
    deck_share_ui()


def program_main() -> None:
    """Program mode: the editor beside what the program printed, the steps, its graphs, tensors and plots."""
    source = current_program()
    lesson_caption_ui(source)
    deck_slide_ui(None, Known())
    # Python Tutor's layout: the code and its controls, beside what it did (one above the other where narrow)
    code, out = st.container(key="program_columns").columns([5, 4])
    with out:
        page = run_ui(source)
    run = page.run if page is not None else None
    source, step = program_position(len(run.steps) if run else 0)
    marked = marks(page, step)
    backward = backward_at(run, step) if run is not None and step else None  # the step ran backward()
    with code:
        editor_ui(source, marked.line, marked.error, len(run.steps) if run else 0)
        if page is not None:
            refusal_ui(page)
        if run is not None:
            stepper_ui(run, step)
    with out:
        if run is not None:
            st.markdown("**What it printed**" + (f" (up to step {step})" if step else ""))
            output_ui(run, step, marked.failed)
            warnings_ui(run, step)
            if step and page is not None and backward is None:
                forward_graph_ui(page, step)  # beside the code: the graph growing as the lines run
            if step:
                names_ui(run, step)
    if page is not None and run is not None:
        known = Known()  # what the backward player has reached: every panel below shows grads as far as that
        if backward is not None:
            known = backward_ui(page, backward)  # a backward call: its graph and the player, full width
        elif not step:
            known = graphs_ui(page)
        program_tensors_ui(run, known)
        program_plots_ui(page)
    query, problem = program_link(source, step)
    program_share_ui(source, query, problem)
    deck_share_ui()


with page_run():  # the run's processor time here counts against this visitor's share of this process
    main()
