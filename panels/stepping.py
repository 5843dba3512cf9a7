"""Stepping through a program line by line, Python Tutor for autograd: the current line, the names as they were
after that step, and the autograd graph as built so far; at a backward() call, that call's graph and its player.
"""

from __future__ import annotations

import streamlit as st

from explorer.draw.dot import to_text
from explorer.draw.precision import whole
from explorer.errors import ExplorerError
from explorer.model.graph import Graph, Value
from explorer.model.page import StepView
from explorer.model.playback import Known, known_at
from explorer.model.program_page import DrawnGraph, ProgramPage
from explorer.model.program_run import ProgramRun, ProgramStep

from . import jobs
from .components import mount
from .copy_box import copyable
from .graph_panel import grad_fns_ui, legend_ui, player_ui
from .session import chose_graph, go_program_step, keep_program_step, pick_program_node, presenting
from .text import escape_markdown, markdown_table


def stepper_ui(run: ProgramRun, step: int) -> None:
    """First, back, next, last and a slider over the program's steps; step 0 is the whole run."""
    steps = run.steps
    last = len(steps)
    if not last:
        return
    with st.container(border=True):
        st.markdown(f"**Step through it, line by line**: {last} steps, one per statement run (a loop's middle "
                    "iterations are summarised). The editor marks each step's line; → and ← (or a presenter's "
                    "clicker) step too.")
        columns = st.container(horizontal=True)  # the four buttons in a row that wraps on a phone, not a column
        columns.button("First", key="pstep_first", icon=":material/first_page:", on_click=go_program_step,
                          args=(1,))
        columns.button("Back", key="pstep_back", icon=":material/chevron_left:", on_click=go_program_step,
                          args=(max(step - 1, 1),), disabled=step <= 1)
        columns.button("Next", key="pstep_next", icon=":material/chevron_right:", type="primary",
                          on_click=go_program_step, args=(min(step + 1, last),), disabled=step >= last)
        columns.button("Last", key="pstep_last", icon=":material/last_page:", on_click=go_program_step,
                          args=(last,))
        if step:
            if last > 1:  # a slider needs two ends
                st.session_state.setdefault("pstep_slider", step)
                st.slider("Step", 1, last, key="pstep_slider", on_change=keep_program_step)
            st.markdown(_step_words(steps[step - 1], step, last))
            if steps[step - 1].shown is not None:  # a bare expression: its value, as the REPL would echo it
                st.text(f"= {steps[step - 1].shown}")
            st.button("Show the whole run", key="pstep_done", on_click=go_program_step, args=(0,))


def _step_words(current: ProgramStep, step: int, last: int) -> str:
    where = f" inside `{escape_markdown(current.scope)}`" if current.scope else ""
    words = {"skipped": f"{current.skipped:,} iterations of the loop on this line are left out here (each ran)",
             "error": "the program stopped here with an error"}.get(current.kind, "this line has run")
    return f"**Step {step} of {last}: line {current.line}**{where}: {words}."


def names_ui(run: ProgramRun, step: int) -> None:
    """The names as they were after ``step``: each statement's bindings, folded in order."""
    names: dict[str, str] = {}
    for taken in run.steps[:step]:
        if not taken.scope:
            names.update(taken.bound)
    current = run.steps[step - 1]
    st.markdown("**Names after this step**")
    if names:
        st.markdown(markdown_table([{"name": escape_markdown(k), "value": escape_markdown(v)}
                                    for k, v in names.items()]))
    else:
        st.caption("No names yet.")
    if current.scope and current.bound:
        st.caption(f"Inside {current.scope}: " + ", ".join(f"{k} = {v}" for k, v in current.bound))


def backward_at(run: ProgramRun, step: int) -> int | None:
    """The recorded graph of the backward() or autograd.grad call this step made, if it made one."""
    index = run.steps[step - 1].graph
    return index if index is not None and index < len(run.graphs) else None


def forward_graph_ui(page: ProgramPage, step: int) -> None:
    """The forward graph as autograd had recorded it after ``step``: it grows node by node as the lines run."""
    run = page.run
    assert run is not None
    index = next((s.forward for s in reversed(run.steps[:step]) if s.forward is not None), None)
    st.markdown("**The autograd graph so far**")
    if index is None:
        st.caption("No operation on a tensor that requires grad has run yet: autograd has recorded nothing.")
        return
    view = _view(page.source, "forward", index, 0)
    if view is not None:
        # the whole graph at once beside the code, the page staying where the teacher has it
        _draw(view.svg, view.dot, view.running, (), "the autograd graph as built so far", fit_height=460)
        st.caption("The forward pass as autograd has recorded it so far: each operation on a tensor that requires "
                   "grad adds its grad_fn node (the newest is outlined); backward() will walk it from the bottom up, "
                   "along its arrows.")


def graphs_ui(page: ProgramPage) -> Known:
    """The whole run: each backward() or autograd.grad call's graph, one at a time, with its player; returns what
    its player has reached."""
    if not page.drawn:
        if page.run is not None and page.run.graphs_skipped:
            st.caption(f"{page.run.graphs_skipped} backward calls ran but were not recorded (a program records "
                       "its first ones).")
        return Known()
    index = 0
    if len(page.drawn) > 1:
        index = st.selectbox("Graph", range(len(page.drawn)), key="pgraph", on_change=chose_graph,
                             format_func=lambda i: f"{page.drawn[i].call}() on line {page.drawn[i].line}")
    return backward_ui(page, index)


def backward_ui(page: ProgramPage, index: int) -> Known:
    """A backward call's graph, as recorded when it ran, with the backward player over it; returns what the player
    has reached (everything once it is finished)."""
    drawn: DrawnGraph = page.drawn[index]
    st.subheader(f"The graph {drawn.call}() on line {drawn.line} ran through")
    if page.run is not None and page.run.graphs[index].torchviz_dot is not None and torchviz_chosen():
        st.caption("Exactly what `torchviz.make_dot(y, params=..., show_attrs=True, show_saved=True)` draws in a "
                   "notebook: blue leaves, grey grad_fns, orange saved tensors, green output.")
        view = _view(page.source, "torchviz", index, 0)
        if view is not None and view.svg:
            st.image(view.svg)
        elif view is not None:
            st.graphviz_chart(view.dot)  # no dot program on this server: the browser lays it out
        return Known()
    playback = drawn.playback
    step = min(st.session_state.step, len(playback.steps))
    known = known_at(playback, step)
    view = _view(page.source, "backward", index, step) if step else None
    if view is not None:
        _draw(view.svg, view.dot, view.running, view.targets, f"autograd graph of line {drawn.line}", inspect=True)
    elif drawn.svg:
        _draw(drawn.svg, drawn.dot, "", (), f"autograd graph of line {drawn.line}", inspect=True)
    elif drawn.render_problem:
        st.warning(escape_markdown(drawn.render_problem))
    else:
        st.graphviz_chart(drawn.dot)  # no dot program on this server: the browser lays it out
    player_ui(playback.steps)
    with st.container(border=True):
        inspector_ui(playback.graph, known)
    legend_ui()
    grad_fns_ui(playback.graph)
    with st.expander("The graph as text (nodes and edges)"):
        text = drawn.text if known.everything else to_text(playback.graph, show_grads=known.tensors or ())
        copyable(text, "the graph as text", key="pgraph_text")
    return known


def torchviz_chosen() -> bool:
    """The switch between the explorer's drawing and torchviz's, for a backward call's graph."""
    choice = st.segmented_control("Graph view", ("explorer", "torchviz"), key="pview", format_func=lambda v: {
        "explorer": "Explorer (values and grads)", "torchviz": "torchviz make_dot"}[v])
    return choice == "torchviz"


def _view(source: str, view: str, index: int, step: int) -> StepView | None:
    try:
        return jobs.program_view(source, view, index, step)
    except ExplorerError as err:
        jobs.say(err)
        return None


def _draw(svg: str | None, dot: str, running: str, targets: tuple[str, ...], label: str, fit_height: int = 0,
          inspect: bool = False) -> None:
    """The graph component; ``inspect`` makes a click choose the node for the inspector below it."""
    if svg:
        picked = st.session_state.get("node") or "" if inspect else ""
        hint = "click a node (or Tab to it and press Enter) to inspect it below" if inspect else ""
        mount("graph", {"svg": svg, "selected": picked, "running": running, "targets": sorted(targets),
                        "large": presenting(), "label": label, "hint": hint, "fitHeight": fit_height},
              key="pgraph_pick", on_selected_change=pick_program_node if inspect else None)
    else:
        st.graphviz_chart(dot)


def inspector_ui(graph: Graph, known: Known) -> None:
    """The node clicked in a program's graph: a tensor's printout with its values whole, or a grad_fn's inputs and
    what it saved (the graph abbreviates a vector to its ends and its shape); its grad is ? until the player has
    reached it."""
    tensors = {t.id: t for t in graph.tensors}
    nodes = {n.id: n for n in graph.nodes}
    chosen = st.session_state.get("node") or ""
    if chosen not in tensors and chosen not in nodes:
        st.caption("Click a node of the graph to inspect it here.")
        return
    if chosen in tensors:
        t = tensors[chosen]
        made = f"made by `{nodes[t.node].name}` ({t.node})" if t.node in nodes else "made by no autograd node"
        st.markdown(f"**tensor `{escape_markdown(t.label)}`** · {made} · shape `{tuple(t.shape)}` · `{t.dtype}` · "
                    f"is_leaf `{t.is_leaf}` · requires_grad `{t.requires_grad}` · grad_fn `{t.grad_fn or 'None'}`")
        grad = "?" if t.requires_grad and not known.grad(t.id) else _whole(t.grad, t.dtype)
        copyable(f"data = {_whole(t.data, t.dtype)}\ngrad = {grad}", f"the values of {t.label}", key="pnode_values",
                 wrap=True)
        return
    node = nodes[chosen]
    lines = [f"**`{node.name}`** ({node.id})"]
    if node.tensor in tensors:
        verb = "accumulates into" if node.name == "AccumulateGrad" else "made"
        lines.append(f"- {verb} tensor `{escape_markdown(tensors[node.tensor].label)}`")
    inputs = ", ".join(f"`{nodes[i].name}` ({i})" if i in nodes else "None (no grad needed)" for i in node.inputs)
    lines.append(f"- next_functions: {inputs or 'none: a leaf ends the walk'}")
    for saved in node.saved:
        kind = "saved tensor" if saved.is_tensor else "saved attribute"
        dtype = tensors[node.tensor].dtype if node.tensor in tensors else "float32"
        shown = _whole(saved.value, dtype) if saved.is_tensor else str(saved.value)
        lines.append(f"- {kind} `{escape_markdown(saved.name)}` = `{shown[:2000]}`")
    st.markdown("\n".join(lines))


# the inspector writes a program's tensor out whole up to this many values (a copy box scrolls); past it, its ends
MAX_WHOLE = 10_000


def _whole(value: Value | str | None, dtype: str) -> str:
    """A recorded value whole, as nested lists (a number alone as itself), each number with the digits its dtype
    carries (float32's 1.8185948, not the float64 1.8185948133468628 it is stored as); None where PyTorch has none."""
    if value is None or isinstance(value, str):
        return str(value)
    return whole(value, dtype, limit=MAX_WHOLE)
