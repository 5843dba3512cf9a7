"""Autograd Explorer: type a function, see PyTorch's autograd graph, inspect every tensor, plot f and f'.

A picture frame around ``explorer``: page setup, the inputs, one call into the
core (``explorer.page.build``), and the panels. Run with ``make run``.
"""

from __future__ import annotations

import functools
import time
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import plotly.graph_objects as go
import streamlit as st

from explorer.quota import Quota
from explorer.workers import Limits, Pool


@st.cache_resource(on_release=Pool.close)
def _pool() -> Pool:
    # pre-started worker processes: a visitor's function never runs in the app's own process (SECURITY.md)
    return Pool(Limits.from_environment())


# started before the imports below: the workers import torch while this process does the same
_pool()

from explorer import ExpressionError, GradcheckResult, available_devices, parse  # noqa: E402
from explorer.backward import known_grads  # noqa: E402
from explorer.dot import LEGEND, format_value, to_dot, to_text  # noqa: E402
from explorer.expression import MAX_LENGTH  # noqa: E402
from explorer.figure import Plot  # noqa: E402
from explorer.glossary import explain  # noqa: E402
from explorer.lessons import LESSONS, check_answer, lesson  # noqa: E402
from explorer.page import MAX_DRAWN_NODES, TOPICS, Further, Page, StepView  # noqa: E402
from explorer.pitfalls import PITFALLS, Outcome  # noqa: E402
from explorer.render import RenderError, has_dot, png  # noqa: E402
from explorer.state import DEFAULT_POINTS, VIEWS, PageState, from_query, to_query  # noqa: E402
from explorer.symbolic import Symbolic  # noqa: E402

ASSETS = Path(__file__).parent / "assets"
# a projector needs the width: presentation links open with the lessons sidebar folded away
st.set_page_config(page_title="Autograd Explorer", page_icon=":material/function:", layout="wide",
                   initial_sidebar_state="collapsed" if st.query_params.get("present") == "1" else "auto")


@st.cache_resource
def _graph_component():
    return st.components.v2.component(
        "autograd_graph", js=(ASSETS / "graph.js").read_text(), css=(ASSETS / "graph.css").read_text()
    )


def _work(task: str, *args):
    """One job for the workers, if this visitor's quota allows it; cached answers never get here."""
    quota = st.session_state.setdefault("quota", Quota())
    if not quota.take():
        raise ExpressionError(f"You are changing things faster than the explorer computes them. Wait "
                              f"{max(quota.wait(), 1):.0f} s and try again.")
    return _pool().run(task, *args)


# bounded, and expiring: a lesson revisited or a link opened by a class hits it; nothing grows forever
@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _page(state: PageState, hide_grads: bool) -> Page:
    return _work("page", state, hide_grads)


@st.cache_data(max_entries=2, show_spinner=False)
def _gradcheck(name: str) -> GradcheckResult:
    return _work("gradcheck", name)


@st.cache_data(max_entries=64, ttl=3600, show_spinner=False)
def _further(state: PageState, topic: str) -> Further:
    return _work("further", state, topic)


@st.cache_data(max_entries=16, show_spinner=False)
def _pitfall(key: str) -> Outcome:
    return _work("pitfall", key)


@st.cache_data(max_entries=256, ttl=3600, show_spinner=False)
def _step_view(state: PageState, hide_grads: bool, step: int) -> StepView:
    return _work("step", state, hide_grads, step)


def _refused(err: ExpressionError) -> None:
    """A job the workers refused (too slow, too big, too many at once): said, and the page goes on."""
    st.warning(_escape_markdown(err.message))


# -- state -----------------------------------------------------------------------------------

def init_state() -> None:
    """Copy the link's state into the widgets once, when a session starts."""
    if "started" in st.session_state:
        return
    state, problems = from_query(st.query_params.to_dict(), available_devices())
    st.session_state.update(
        started=True, link_problems=problems, function=state.function, window=state.window,
        device=state.device, dtype=state.dtype, view=state.view, lesson=state.lesson, node=state.node,
        presentation=st.query_params.get("present") == "1", last_good=None,
        points={v: state.point(v) for v in DEFAULT_POINTS}, step=state.step, playing=False, speed=1.0,
        shown_function=state.function,
    )


def current_state() -> PageState:
    # .get: Streamlit forgets the value of a widget that was not drawn in the last run
    s, default = st.session_state, PageState()
    state = PageState(function=s.get("function", default.function), window=s.get("window", default.window),
                      device=s.get("device", default.device), dtype=s.get("dtype", default.dtype),
                      view=s.get("view") or default.view, lesson=s.lesson, node=s.get("node") or "", step=s.step)
    for variable, typed in s.points.items():
        state = state.with_point(variable, typed.strip())
    return state


def set_point(variable: str, typed: str) -> None:
    """Change a variable's point; the box for it shows the change (when it is drawn)."""
    st.session_state.points[variable] = typed
    st.session_state[f"point_{variable}"] = typed


def keep_point(variable: str) -> None:
    st.session_state.points[variable] = st.session_state[f"point_{variable}"]


def open_lesson(key: str) -> None:
    chosen = lesson(key)
    st.session_state.update(lesson=key, function=chosen.function, node="")
    for variable, typed in chosen.points:
        set_point(variable, typed)


def show_function(function: str) -> None:
    st.session_state.update(function=function, node="")


def go_step(step: int) -> None:
    st.session_state.update(step=step, step_slider=max(step, 1), playing=False)


def keep_step() -> None:
    st.session_state.update(step=st.session_state.step_slider, playing=False)


def toggle_play(last: int) -> None:
    playing = not st.session_state.playing
    step = st.session_state.step
    if playing and step in (0, last):  # from the finished graph or the end: start over
        step = 1
    st.session_state.update(playing=playing, step=step, step_slider=step, last_tick=time.monotonic())


def tick(last: int) -> None:
    """One beat of the player: advance a step, or stop at the end."""
    now = time.monotonic()
    if now - st.session_state.get("last_tick", 0.0) < 0.9 * st.session_state.speed:
        return  # the fragment's first run comes at once, not after the interval
    st.session_state.last_tick = now
    if st.session_state.step >= last:
        st.session_state.playing = False
    else:
        st.session_state.step += 1
        st.session_state.step_slider = st.session_state.step
    st.rerun(scope="app")


def pick_node() -> None:
    picked = st.session_state.graph_pick.selected
    if picked:
        st.session_state.node = picked.split(".")[0]  # a saved value selects the node that saved it


def pick_point(key: str, variables: tuple[str, ...]) -> None:
    points = st.session_state[key].selection.points
    if not points:
        return
    first = points[0]
    if len(variables) == 1:
        set_point(variables[0], f"{first['x']:.4g}")
    elif "y" in first:
        set_point(variables[0], f"{first['x']:.4g}")
        set_point(variables[1], f"{first['y']:.4g}")


# -- panels ----------------------------------------------------------------------------------

def sidebar_ui() -> None:
    with st.sidebar:
        st.header("Lessons")
        st.caption("The lab *Differentiation in PyTorch*, one click per cell.")
        for item in LESSONS:
            chosen = st.session_state.lesson == item.key
            st.button(item.title, key=f"lesson_{item.key}", on_click=open_lesson, args=(item.key,),
                      type="primary" if chosen else "secondary", width="stretch")
        st.header("Settings")
        devices = available_devices()
        st.selectbox("Device", devices, key="device",
                      help="Only devices PyTorch can use here are listed.")
        missing = [d for d in ("cuda", "mps") if d not in devices]
        if missing:
            st.caption(f"Not available here: {', '.join(missing)} (PyTorch sees no such device on this server).")
        st.radio("dtype", ("float32", "float64"), key="dtype", horizontal=True,
                 help="float32 is PyTorch's default and the lab's.")
        st.toggle("Presentation mode (large type)", key="presentation")
        st.caption("Light or dark theme: ⋮ menu → Settings. To embed in a course page, add `embed=true` to the "
                   "link.")


def inputs_ui() -> tuple[str, ...]:
    """The function box and a point box for each variable it uses; returns those variables."""
    st.text_input("Function", key="function", placeholder="x**2 + 2*x + 1", max_chars=MAX_LENGTH,
                  help="Variables x y z u v w t; + - * / ** (or ^); sin cos tan asin acos atan sinh cosh tanh "
                       "exp log log2 log10 sqrt abs relu sigmoid softplus sum mean max min clamp where; pi, e; "
                       "the lab's SQ and the corrected SQFixed. Written as in PyTorch: torch.relu(x), x.exp().")
    try:
        variables = parse(st.session_state.function).variables
    except ExpressionError:
        last = st.session_state.last_good
        variables = last.result.variables if last else ()
    columns = st.columns(max(len(variables), 1) + 1)
    for column, variable in zip(columns, variables, strict=False):
        key = f"point_{variable}"
        if key not in st.session_state:
            st.session_state[key] = st.session_state.points[variable]
        column.text_input(f"{variable} =", key=key, on_change=keep_point, args=(variable,),
                          help="A number (2, -0.5, pi) or a range start:stop:count, like torch.linspace.")
    columns[-1].text_input("Plot range", key="window", help="start:stop:count for the plot's horizontal axis.")
    return variables


def grads_hidden(key: str) -> bool:
    """A practice lesson hides the gradients until the learner answers or asks for the answer."""
    current = lesson(key)
    return bool(current and current.question and not st.session_state.get(f"solved_{key}"))


def lesson_ui(page: Page) -> None:
    """The chosen lesson's text, its comparisons, and its practice question."""
    current = lesson(page.state.lesson)
    if current is None:
        return
    with st.container(border=True):
        st.subheader(current.title)
        st.markdown(current.explanation)
        for row in page.comparisons:
            text, button = st.columns([4, 1], vertical_alignment="center")
            text.markdown(f"`{row.function}` → value **{row.value}**, x.grad **{row.grad}**")
            button.button("Show its graph", key=f"compare_{row.function}", on_click=show_function,
                          args=(row.function,))
        if current.compare:
            for name in ("SQ", "SQFixed"):
                try:
                    check = _gradcheck(name)
                except ExpressionError as err:
                    _refused(err)
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
            feedback = check_answer(question, answer, page.result)
            (st.success if feedback.correct else st.warning)(_escape_markdown(feedback.message))
            if feedback.correct and not st.session_state.get(solved_key):
                st.session_state[solved_key] = True
                st.rerun()  # show the gradients now
        if not st.session_state.get(solved_key):
            st.button("Show the worked answer", key=f"reveal_{current.key}",
                      on_click=lambda: st.session_state.update({solved_key: True}))
        else:
            st.info(question.worked)


def graph_ui(page: Page, view_at_step: StepView | None) -> None:
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
            st.code(page.text, language=None)
        else:
            # laid out by the browser: the server runs dot only inside its workers (SECURITY.md)
            st.graphviz_chart(everything)
    elif svg:
        running = view_at_step.running if view_at_step else ""
        targets = view_at_step.targets if view_at_step else ()
        # a step inside a collapsed box lights up the box
        _graph_component()(data={"svg": svg, "selected": st.session_state.get("node", ""),
                                 "running": owner.get(running, running),
                                 "targets": sorted({owner.get(t, t) for t in targets}),
                                 "large": st.session_state.presentation,
                                 "label": f"autograd graph of {page.result.output} = {page.result.body}"},
                           key="graph_pick", on_selected_change=pick_node)
    elif page.render_problem:
        st.code(page.text, language=None)  # too big or too slow to lay out: the words stand in
    else:
        # Graphviz is not installed on this server: the browser lays the graph out instead
        st.graphviz_chart(dot)
    player_ui(page)
    legend_ui()
    glossary_ui(page)
    with st.expander("The graph as text (nodes and edges)"):
        st.code(page.text, language=None)


def collapsed_ui(page: Page, view_at_step: StepView | None) -> tuple[dict[str, str], str | None]:
    """Say what a big graph's drawing collapsed and offer every node: (hidden id -> its box, every node's DOT
    when the user asked for it, else None)."""
    folding = page.folding
    if not folding.folds:
        return {}, None
    st.info(_escape_markdown(folding.note))
    # one switch per function: a new function starts collapsed again
    if not st.toggle("Draw every node (slow, and wider than the screen)", key=f"expand_{hash(page.state.function)}"):
        return folding.owner(), None
    shown = known_grads(page.playback, view_at_step.step) if view_at_step else not grads_hidden(page.state.lesson)
    return folding.owner(), to_dot(page.result.graph, show_grads=shown, expand=True)


def player_ui(page: Page) -> None:
    """Step through backward as PyTorch's engine ran it, one autograd node at a time."""
    steps = page.playback.steps
    if not steps:
        return
    last, step = len(steps), min(st.session_state.step, len(steps))
    with st.container(border=True):
        st.markdown(f"**Watch backward run**: {last} steps, one per autograd node, in the order PyTorch's engine "
                    "ran them. Tensors show `grad ?` until backward reaches them.")
        columns = st.columns([1, 1, 1.2, 1, 1, 1.6, 2], vertical_alignment="bottom")
        playing = st.session_state.playing
        columns[0].button("First", key="step_first", icon=":material/first_page:", on_click=go_step, args=(1,))
        columns[1].button("Back", key="step_back", icon=":material/chevron_left:", on_click=go_step,
                          args=(max(step - 1, 1),), disabled=step <= 1)
        columns[2].button("Pause" if playing else "Play", key="step_play", type="primary",
                          icon=":material/pause:" if playing else ":material/play_arrow:",
                          on_click=toggle_play, args=(last,))
        columns[3].button("Next", key="step_next", icon=":material/chevron_right:", on_click=go_step,
                          args=(min(step + 1, last),), disabled=step >= last)
        columns[4].button("Last", key="step_last", icon=":material/last_page:", on_click=go_step, args=(last,))
        columns[5].selectbox("Speed", (2.0, 1.0, 0.5), key="speed", format_func=lambda s: f"{s:g} s a step")
        if step:
            columns[6].button("Show the finished graph", key="step_done", on_click=go_step, args=(0,))
            st.session_state.setdefault("step_slider", step)
            st.slider("Step", 1, last, key="step_slider", on_change=keep_step)
            current = steps[step - 1]
            st.markdown(f"**Step {step} of {last}: `{current.name}`** ({current.node})")
            st.markdown(_escape_markdown(current.story))
    if st.session_state.playing:
        st.fragment(run_every=st.session_state.speed)(functools.partial(tick, last))()


def glossary_ui(page: Page) -> None:
    names = sorted({node.name for node in page.result.graph.nodes})
    if not names:
        return
    with st.expander(f"Glossary: the {len(names)} kinds of grad_fn in this graph"):
        st.table([{"grad_fn": e.name, "forward": e.forward, "backward (local derivative)": e.local,
                   "saves": e.saved} for e in map(explain, names)], hide_index=True)


def _latex_name(name: str) -> str:
    # an output name is letters, digits and underscores; an underscore would be a subscript in LaTeX
    return name if len(name) == 1 else r"\mathrm{" + name.replace("_", r"\_") + "}"


def _escape_markdown(text: str) -> str:
    # a story quotes subexpressions a visitor typed: show * _ ( ) literally, never as markdown
    return "".join("\\" + c if c in "\\`*_{}[]()#+-.!|<>~" else c for c in text)


def legend_ui() -> None:
    parts = [f"<span class='ae-key'><span class='ae-swatch ae-{entry.shape.replace(' ', '-')}"
             f"{' ae-dashed' if entry.meaning.startswith('dashed') else ''}' "
             f"style='background:{entry.fill}'></span><b>{entry.kind}</b> ({entry.shape}): {entry.meaning}</span>"
             for entry in LEGEND]
    # trusted markup: every piece comes from explorer.dot.LEGEND, none from a visitor
    st.markdown("<div class='ae-legend'>" + " ".join(parts) + "</div>", unsafe_allow_html=True)
    st.caption("Arrows run forward, as values flow; backward() follows them in reverse, from the output to "
               "each leaf's AccumulateGrad.")


def tensors_ui(page: Page) -> None:
    st.subheader("Every tensor, as the lab prints it")
    # a plain table, not a canvas grid: its text reaches screen readers, search and copy-paste
    columns = ("tensor", "data", "grad", "grad_fn", "is_leaf", "requires_grad", "retains_grad", "shape", "dtype",
               "device")
    # cells render markdown: a label like x*y*z must not turn into italics
    st.table([{c: _escape_markdown(str(row[c])) for c in columns} for row in page.rows], border="horizontal",
             hide_index=True)


def node_ui(page: Page) -> None:
    st.subheader("Node inspector")
    graph = page.result.graph
    choices = [""] + [t.id for t in graph.tensors] + [n.id for n in graph.nodes]
    names = {t.id: f"tensor {t.label}" for t in graph.tensors} | {n.id: f"{n.name} ({n.id})" for n in graph.nodes}
    if st.session_state.get("node") not in choices:
        st.session_state.node = ""
    st.selectbox("Inspect a node (or click it in the graph)", choices, key="node",
                 format_func=lambda i: names.get(i, "choose a node..."))
    chosen = st.session_state.node
    if chosen in names:
        st.markdown(_node_details(page, chosen))


def _node_details(page: Page, chosen: str) -> str:
    graph = page.result.graph
    tensors = {t.id: t for t in graph.tensors}
    nodes = {n.id: n for n in graph.nodes}
    if chosen in tensors:
        t = tensors[chosen]
        row = next(r for r in page.rows if r["id"] == chosen)
        made = f"made by `{nodes[t.node].name}` ({t.node})" if t.node in nodes else "made by no autograd node"
        lines = [f"**tensor `{t.label}`** · {made}"] + [f"- {k}: `{row[k]}`" for k in row if k not in ("id",)]
        return "\n".join(lines)
    node = nodes[chosen]
    made = tensors[node.tensor] if node.tensor in tensors else None
    lines = [f"**`{node.name}`** ({node.id})"]
    if made is not None:
        verb = "accumulates into" if node.name == "AccumulateGrad" else "made"
        lines.append(f"- {verb} tensor `{made.label}`" + (f" = `{made.text}`" if made.text else ""))
    inputs = ", ".join(f"`{nodes[i].name}` ({i})" if i else "None (no grad needed)" for i in node.inputs)
    lines.append(f"- next_functions: {inputs or 'none: a leaf ends the walk'}")
    for saved in node.saved:
        origin = f" (same storage as `{tensors[saved.same_as].label}`)" if saved.same_as in tensors else ""
        kind = "saved tensor" if saved.is_tensor else "saved attribute"
        shown = format_value(saved.value) if saved.is_tensor else saved.value
        lines.append(f"- {kind} `{saved.name}` = `{shown}`{origin}")
    return "\n".join(lines)


def plots_ui(page: Page) -> None:
    st.subheader("The function and its derivative")
    if not page.plots:
        st.caption("Nothing to plot: the function has no variable, or it reduces its points (sum, mean, max, min).")
    curves = [p for p in page.plots if p.kind == "curve"]
    contours = [p for p in page.plots if p.kind == "contour"]
    for column, plot in zip(st.columns(len(curves) or 1), curves, strict=False):
        with column:
            plot_ui(plot)
    for plot in contours:
        left, right = st.columns([3, 1])
        with left:
            plot_ui(plot)
        a, b = plot.variables
        right.markdown(f"Each arrow is the gradient (∂f/∂{a}, ∂f/∂{b}) at its point, scaled to fit: it points "
                       "uphill, and is longer where f is steeper. The red arrow is the gradient autograd "
                       "computed at your point.")
    if page.plots:
        st.caption("Click a point on a plot to move the evaluation point there.")


class _Built(go.Figure):
    """A figure that is Plotly JSON already. st.plotly_chart takes a Plotly figure by its to_dict() and would
    rebuild a plain dict as a validated go.Figure, trace by trace: 10 to 50 ms a page, for the same JSON."""

    def __init__(self, figure: dict) -> None:  # no go.Figure.__init__: that is the rebuilding
        self._built = figure

    def to_dict(self) -> dict:
        return self._built


def plot_ui(plot: Plot, prefix: str = "plot") -> None:
    key = f"{prefix}_{'_'.join(plot.variables)}"
    figure = plot.figure
    if st.session_state.presentation:  # a new dict: the cached page's figure stays as it was
        frame = figure["layout"]
        figure = {**figure, "layout": {**frame, "font": {**frame.get("font", {}), "size": 20}, "height": 520}}
    st.plotly_chart(_Built(figure), key=key, selection_mode="points", width="stretch",
                    on_select=functools.partial(pick_point, key, plot.variables))
    for note in plot.notes:
        st.info(_escape_markdown(note))


def further_ui(page: Page, hide: bool) -> None:
    """Deeper views, computed only when chosen: f'', the Hessian, the derivative's graph, forward mode, pitfalls."""
    st.subheader("Go further")
    topics = {**TOPICS, "pitfalls": "the errors everyone hits"}
    choice = st.pills("Go further", list(topics), format_func=topics.get, key="further",
                      label_visibility="collapsed")
    if choice is None:
        st.caption("Pick a view above: each one runs PyTorch again for this function.")
        return
    if choice == "pitfalls":
        pitfalls_ui()
        return
    if hide:
        st.caption("Answer the practice question first: these views show the gradients.")
        return
    try:
        with st.spinner("Computing..."):
            view = _further(page.state, choice)
    except ExpressionError as err:
        _refused(err)
        return
    if view.note:
        st.info(_escape_markdown(view.note))
    if view.plot:
        plot_ui(view.plot, prefix="second")
    if view.hessian:
        hessian_ui(view.hessian)
    if view.derivative:
        d = view.derivative
        st.markdown(f"The graph `torch.autograd.grad(..., create_graph=True)` builds for `{d.name}` = "
                    f"`{format_value(d.value)}`. It is an autograd graph of its own: backward through it gives the "
                    "second derivative, shown as the grad on each leaf.")
        if view.derivative_svg:
            st.image(view.derivative_svg)
        elif d.graph.nodes and not has_dot() and len(d.graph.nodes) <= MAX_DRAWN_NODES:
            st.graphviz_chart(to_dot(d.graph))
        elif d.graph.nodes:
            st.code(to_text(d.graph), language=None)
        if d.note:
            st.info(_escape_markdown(d.note))
    if view.forward:
        forward_ui(view.forward)
    if view.symbolic:
        symbolic_ui(view.symbolic, page.result.output)


def hessian_ui(h) -> None:
    names = h.variables
    rows = " \\\\ ".join(" & ".join(format_value(v) for v in row) for row in h.matrix)
    gradient = " \\\\ ".join(format_value(g) for g in h.gradient)
    # LaTeX from numbers and the fixed variable names only
    st.latex(rf"\nabla {_latex_name(h.output)} = \begin{{bmatrix}} {gradient} \end{{bmatrix}} \qquad "
             rf"H = \begin{{bmatrix}} {rows} \end{{bmatrix}}")
    st.caption(f"Row and column order: {', '.join(names)}. Entry (i, j) is ∂²{h.output}/∂i∂j, computed by "
               "differentiating each first partial again (create_graph=True).")


def symbolic_ui(found: Symbolic, output: str) -> None:
    if not found.available:
        st.info(_escape_markdown(found.reason))
        return
    # LaTeX written by sympy from the parsed terms, never from the typed text
    name = _latex_name(output)
    st.latex(f"{name} = {found.function_latex}")
    for partial in found.partials:
        d = "d" if len(found.partials) == 1 else r"\partial "
        st.latex(rf"\frac{{{d}{name}}}{{{d}{partial.variable}}} = {partial.latex}")
    st.table([{"variable": p.variable, "formula at the point": format_value(p.symbolic), "autograd":
               format_value(p.autograd), "central difference": format_value(p.finite_difference),
               "autograd − formula": format_value(p.difference)} for p in found.partials], hide_index=True)
    for partial in found.partials:
        if partial.note:
            st.info(_escape_markdown(partial.note))


def forward_ui(passes) -> None:
    st.markdown(passes[0].explanation)
    for column, one in zip(st.columns(len(passes)), passes, strict=False):
        with column:
            (direction,) = [v for v, t in one.direction.items() if t] or ["?"]
            st.markdown(f"**Forward pass with tangent 1 on `{direction}`**")
            if not one.available:
                st.warning(_escape_markdown(one.reason))
                continue
            st.table([{"term": _escape_markdown(s.text), "value": format_value(s.primal),
                        "tangent": format_value(s.tangent)}
                      for s in one.steps], hide_index=True)
            st.markdown(f"tangent of the output: `{format_value(one.derivative)}`; reverse mode gives "
                        f"`{format_value(one.reverse)}` for the same partial")


def pitfalls_ui() -> None:
    chosen = st.selectbox("Pitfall", [p.key for p in PITFALLS], key="pitfall",
                          format_func=lambda k: next(p.title for p in PITFALLS if p.key == k))
    pitfall = next(p for p in PITFALLS if p.key == chosen)
    try:
        outcome = _pitfall(chosen)
    except ExpressionError as err:
        _refused(err)
        return
    left, right = st.columns(2)
    with left:
        st.markdown("**What a learner writes**")
        st.code(pitfall.code, language="python", wrap_lines=True)
        st.markdown(f"**What PyTorch says** ({outcome.error_type or 'no error'})")
        st.code((outcome.printed + "\n" if outcome.printed else "") + outcome.message, language=None,
                wrap_lines=True)
    with right:
        st.markdown("**Why**")
        st.markdown(pitfall.explanation)
        st.markdown("**The fix**")
        st.code(pitfall.fix, language="python", wrap_lines=True)
        st.code(outcome.fixed_output, language=None)


def share_ui(page: Page, query: dict[str, str]) -> None:
    st.subheader("Share and take away")
    base = st.context.url or ""
    st.caption("This link reopens this page (copy button on the right); add `&embed=true` to put it in a "
               "course page, `&present=1` to open it in presentation mode:")
    st.code(f"{base}?{urlencode(query)}", language=None)
    cols = st.columns(5)
    # on_click="ignore": a download needs no rerun of the page
    cols[0].download_button("Graph SVG", page.svg or "", "autograd_graph.svg", "image/svg+xml",
                            disabled=not page.svg, on_click="ignore")
    cols[1].download_button("Graph PNG", lambda: _png(page.dot), "autograd_graph.png", "image/png",
                            disabled=not page.svg, on_click="ignore")
    cols[2].download_button("Graph DOT", page.dot, "autograd_graph.dot", "text/vnd.graphviz", on_click="ignore")
    cols[3].download_button("Plot HTML", lambda: _plot_html(page), "autograd_plot.html", "text/html",
                            disabled=not page.plots, on_click="ignore")
    cols[4].download_button("Python script", page.script, "autograd_explorer.py", "text/x-python",
                            on_click="ignore")


def _png(dot: str) -> bytes:
    try:
        return png(dot)
    except RenderError:
        return b""


def _plot_html(page: Page) -> str:
    return "\n".join(go.Figure(p.figure).to_html(include_plotlyjs="cdn", full_html=False) for p in page.plots)


def style_ui() -> None:
    # trusted, static CSS: sizes for the legend, and large type for a projector
    size = "1.25rem" if st.session_state.presentation else "1rem"
    st.markdown(
        f"""<style>
        .ae-legend {{ display:flex; flex-wrap:wrap; gap:.3rem 1.2rem; font-size:.9rem; margin:.3rem 0; }}
        .ae-swatch {{ display:inline-block; width:1.4em; height:.9em; border:1px solid #555; margin-right:.3em;
                      vertical-align:middle; }}
        .ae-ellipse {{ border-radius:50%; }} .ae-hexagon {{ clip-path: polygon(25% 0,75% 0,100% 50%,75% 100%,
                      25% 100%,0 50%); }} .ae-plain-text {{ border-style:dotted; }}
        .ae-dashed {{ border-style:dashed; border-width:2px; }}
        .stApp p, .stApp li, .stApp label, .stApp input, .stApp code, .stApp td, .stApp th,
        .stApp button {{ font-size:{size}; }}
        </style>""",
        unsafe_allow_html=True,
    )


# -- the page --------------------------------------------------------------------------------

def main() -> None:
    init_state()
    style_ui()
    sidebar_ui()
    st.title("∂ Autograd Explorer")
    st.caption("Type a function, pick where to evaluate it, and watch what PyTorch's autograd really does.")
    for problem in st.session_state.link_problems:
        st.warning(_escape_markdown(problem))
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
            page = _page(replace(state, step=0, node=""), hide)
        st.session_state.last_good = page
    except ExpressionError as err:
        st.error(_escape_markdown(err.message + (f" (column {err.column})" if err.column else "")))
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
        st.info(_escape_markdown(note))
    if page.render_problem:
        st.warning(_escape_markdown(page.render_problem))
    step = min(st.session_state.step, len(page.playback.steps)) if not hide else 0
    try:
        view_at_step = _step_view(page.state, hide, step) if step else None
    except ExpressionError as err:
        _refused(err)
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
