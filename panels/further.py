"""Go further: f'', the Hessian, the derivative's own graph, forward mode, symbols, and the pitfalls."""

from __future__ import annotations

import streamlit as st

from explorer.content.pitfalls import PITFALLS
from explorer.draw.dot import format_value, to_dot, to_text
from explorer.draw.precision import exact
from explorer.draw.render import has_dot
from explorer.errors import ExplorerError
from explorer.model.page import MAX_DRAWN_NODES, Page
from explorer.model.playback import Known
from explorer.model.state import DEEPER_VIEWS
from explorer.model.symbolic import Symbolic

from . import jobs
from .plots import plot_ui
from .text import escape_markdown, latex_name, markdown_table


def further_ui(page: Page, hide: bool, known: Known) -> None:
    """Deeper views, computed only when chosen: f'', the Hessian, the derivative's graph, forward mode, pitfalls.

    Each shows derivatives, so none opens while a practice question hides them or while the backward player has
    not reached every tensor (NOTE [what is known at this step]); the pitfalls show none."""
    st.subheader("Go further")
    choice = st.pills("Go further", list(DEEPER_VIEWS), format_func=DEEPER_VIEWS.get, key="further",
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
    if not known.finished:
        st.caption("These views show the gradients backward is still computing: they open at the player's last "
                   "step.")
        return
    try:
        with st.spinner("Computing..."):
            view = jobs.further(page.state, choice)
    except ExplorerError as err:
        jobs.say(err)
        return
    if view.note:
        st.info(escape_markdown(view.note))
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
            st.info(escape_markdown(d.note))
    if view.forward:
        forward_ui(view.forward)
    if view.symbolic:
        symbolic_ui(view.symbolic, page.result.output)


def hessian_ui(h) -> None:
    names = h.variables
    rows = " \\\\ ".join(" & ".join(format_value(v) for v in row) for row in h.matrix)
    gradient = " \\\\ ".join(format_value(g) for g in h.gradient)
    # LaTeX from numbers and the fixed variable names only
    st.latex(rf"\nabla {latex_name(h.output)} = \begin{{bmatrix}} {gradient} \end{{bmatrix}} \qquad "
             rf"H = \begin{{bmatrix}} {rows} \end{{bmatrix}}")
    st.caption(f"Row and column order: {', '.join(names)}. Entry (i, j) is ∂²{h.output}/∂i∂j, computed by "
               "differentiating each first partial again (create_graph=True).")


def symbolic_ui(found: Symbolic, output: str) -> None:
    if not found.available:
        st.info(escape_markdown(found.reason))
        return
    # LaTeX written by sympy from the parsed terms, never from the typed text
    name = latex_name(output)
    st.latex(f"{name} = {found.function_latex}")
    for partial in found.partials:
        d = "d" if len(found.partials) == 1 else r"\partial "
        st.latex(rf"\frac{{{d}{name}}}{{{d}{partial.variable}}} = {partial.latex}")
    # every digit: float32's autograd parts from the exact formula in the 8th digit, float64's in the 16th
    st.markdown(markdown_table([{"variable": p.variable, "formula at the point": _digits(p.symbolic, "float64"),
                                 f"autograd ({p.dtype})": _digits(p.autograd, p.dtype),
                                 "central difference (float64)": _digits(p.finite_difference, "float64"),
                                 "autograd − formula": format_value(p.difference)} for p in found.partials]))
    for partial in found.partials:
        if partial.note:
            st.info(escape_markdown(partial.note))


def _digits(value: float | None, dtype: str) -> str:
    return "None" if value is None else exact(value, dtype)


def forward_ui(passes) -> None:
    st.markdown(passes[0].explanation)
    for column, one in zip(st.columns(len(passes)), passes, strict=False):
        with column:
            (direction,) = [v for v, t in one.direction.items() if t] or ["?"]
            st.markdown(f"**Forward pass with tangent 1 on `{direction}`**")
            if not one.available:
                st.warning(escape_markdown(one.reason))
                continue
            st.markdown(markdown_table([{"term": escape_markdown(s.text), "value": format_value(s.primal),
                                         "tangent": format_value(s.tangent)} for s in one.steps]))
            st.markdown(f"tangent of the output: `{format_value(one.derivative)}`; reverse mode gives "
                        f"`{format_value(one.reverse)}` for the same partial")


def pitfalls_ui() -> None:
    chosen = st.selectbox("Pitfall", [p.key for p in PITFALLS], key="pitfall",
                          format_func=lambda k: next(p.title for p in PITFALLS if p.key == k))
    pitfall = next(p for p in PITFALLS if p.key == chosen)
    try:
        outcome = jobs.pitfall(chosen)
    except ExplorerError as err:
        jobs.say(err)
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

