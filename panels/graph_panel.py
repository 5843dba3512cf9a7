"""The graph panel: the drawing (clickable), what a big graph's drawing collapsed, the backward player, the
legend, the glossary of grad_fns and the graph as text."""

from __future__ import annotations

import functools

import streamlit as st

from explorer.content.glossary import explain
from explorer.draw.dot import ARROWS, LEGEND, to_dot, to_text
from explorer.draw.render import has_dot
from explorer.model.graph import Graph
from explorer.model.page import MAX_DRAWN_NODES, Page, StepView
from explorer.model.playback import Known, Step, known_grads
from explorer.model.state import VIEWS

from .components import mount
from .copy_box import copyable
from .session import go_step, grads_hidden, keep_step, pick_node, position, presenting, tick, toggle_play
from .text import escape_markdown, markdown_table


def graph_ui(page: Page, view_at_step: StepView | None, known: Known) -> None:
    view = st.segmented_control("Graph view", VIEWS, key="view", format_func=lambda v: {
        "explorer": "Explorer (values and grads)", "torchviz": "torchviz make_dot"}[v]) or "explorer"
    if view == "torchviz":
        st.caption("Exactly what `torchviz.make_dot(y, params=..., show_attrs=True, show_saved=True)` draws in a "
                   "notebook: blue leaves, grey grad_fns, orange saved tensors, green output.")
        if page.torchviz_svg:
            st.image(page.torchviz_svg)
        elif page.result.torchviz_dot and not has_dot():
            st.graphviz_chart(page.result.torchviz_dot)
        else:  # the server's dot gave up on it: the browser would hang as long
            st.info("torchviz's drawing of this graph took too long to lay out; the explorer view has every node.")
        return
    svg, dot = (view_at_step.svg, view_at_step.dot) if view_at_step else (page.svg, page.dot)
    owner, everything = collapsed_ui(page, view_at_step)
    if everything is not None:
        drawn = everything.count(' [id="')
        if drawn > MAX_DRAWN_NODES:
            st.warning(f"Every node would be {drawn:,} nodes, more than the {MAX_DRAWN_NODES:,} drawn here; "
                       "read them as text below.")
            copyable(page.text, "the graph as text", key="graph_text_big")
        else:
            # laid out by the browser: the server runs dot only inside its workers (SECURITY.md)
            st.graphviz_chart(everything)
    elif svg:
        running = view_at_step.running if view_at_step else ""
        targets = view_at_step.targets if view_at_step else ()
        # a step inside a collapsed box lights up the box
        mount("graph", {"svg": svg, "selected": position()[1],
                        "running": owner.get(running, running),
                        "targets": sorted({owner.get(t, t) for t in targets}),
                        "large": presenting(),
                        "label": f"autograd graph of {page.result.output} = {page.result.body}"},
              key="graph_pick", on_selected_change=pick_node)
    elif page.render_problem:
        copyable(page.text, "the graph as text", key="graph_text_big")  # too big or slow to lay out: the words
    else:
        # Graphviz is not installed on this server: the browser lays the graph out instead
        st.graphviz_chart(dot)
    player_ui(page.playback.steps)
    legend_ui()
    glossary_ui(page)
    with st.expander("The graph as text (nodes and edges)"):
        # part-way through backward, the words say what the drawing says: grad ? where backward has not been
        text = page.text if known.everything else to_text(page.result.graph, show_grads=known.tensors or ())
        copyable(text, "the graph as text", key="graph_text")


def collapsed_ui(page: Page, view_at_step: StepView | None) -> tuple[dict[str, str], str | None]:
    """Say what a big graph's drawing collapsed and offer every node: (hidden id -> its box, every node's DOT
    when the user asked for it, else None)."""
    folding = page.folding
    if not folding.folds:
        return {}, None
    st.info(escape_markdown(folding.note))
    # one switch per function: a new function starts collapsed again
    if not st.toggle("Draw every node (slow, and wider than the screen)", key=f"expand_{hash(page.state.function)}"):
        return folding.owner(), None
    shown = known_grads(page.playback, view_at_step.step) if view_at_step else not grads_hidden(page.state.lesson)
    return folding.owner(), to_dot(page.result.graph, show_grads=shown, expand=True)


def player_ui(steps: tuple[Step, ...]) -> None:
    """Step through backward as PyTorch's engine ran it, one autograd node at a time."""
    if not steps:
        return
    last, step = len(steps), min(st.session_state.step, len(steps))
    with st.container(border=True):
        st.markdown(f"**Watch backward run**: {last} steps, one per autograd node, in the order PyTorch's engine "
                    "ran them. Tensors show `grad ?` until backward reaches them.")
        # a row that wraps where it is narrow (a phone, a column beside the code), instead of clipping the labels
        columns = st.container(horizontal=True, vertical_alignment="bottom")
        playing = st.session_state.playing
        columns.button("First", key="step_first", icon=":material/first_page:", on_click=go_step, args=(1,))
        columns.button("Back", key="step_back", icon=":material/chevron_left:", on_click=go_step,
                          args=(max(step - 1, 1),), disabled=step <= 1)
        columns.button("Pause" if playing else "Play", key="step_play", type="primary",
                          icon=":material/pause:" if playing else ":material/play_arrow:",
                          on_click=toggle_play, args=(last,))
        columns.button("Next", key="step_next", icon=":material/chevron_right:", on_click=go_step,
                          args=(min(step + 1, last),), disabled=step >= last)
        columns.button("Last", key="step_last", icon=":material/last_page:", on_click=go_step, args=(last,))
        columns.selectbox("Speed", (2.0, 1.0, 0.5), key="speed", format_func=lambda s: f"{s:g} s a step",
                          width=130)
        if step:
            columns.button("Show the finished graph", key="step_done", on_click=go_step, args=(0,))
            st.session_state.setdefault("step_slider", step)
            st.slider("Step", 1, last, key="step_slider", on_change=keep_step)
            current = steps[step - 1]
            st.markdown(f"**Step {step} of {last}: `{current.name}`** ({current.node})")
            st.markdown(escape_markdown(current.story))
    if st.session_state.playing:
        st.fragment(run_every=st.session_state.speed)(functools.partial(tick, last))()


def glossary_ui(page: Page) -> None:
    grad_fns_ui(page.result.graph)


def grad_fns_ui(graph: Graph) -> None:
    """The glossary: what each kind of grad_fn in ``graph`` computes forward and backward."""
    names = sorted({node.name for node in graph.nodes})
    if not names:
        return
    with st.expander(f"Glossary: the {len(names)} kinds of grad_fn in this graph"):
        st.markdown(markdown_table([{"grad_fn": e.name, "forward": e.forward, "backward (local derivative)": e.local,
                                     "saves": e.saved} for e in map(explain, names)]))


def legend_ui() -> None:
    parts = [f"<span class='ae-key'><span class='ae-swatch ae-{entry.shape.replace(' ', '-')}"
             f"{' ae-dashed' if entry.meaning.startswith('dashed') else ''}' "
             f"style='background:{entry.fill}'></span><b>{entry.kind}</b> ({entry.shape}): {entry.meaning}</span>"
             for entry in LEGEND]
    # trusted markup: every piece comes from explorer.draw.dot.LEGEND, none from a visitor
    st.markdown("<div class='ae-legend'>" + " ".join(parts) + "</div>", unsafe_allow_html=True)
    st.caption(ARROWS)

