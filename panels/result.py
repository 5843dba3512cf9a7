"""The page's result: built by a worker for the chosen state, or why not, and the one-line summary under the inputs."""

from __future__ import annotations

from dataclasses import replace

import streamlit as st

from explorer.draw.precision import shown
from explorer.errors import ExplorerError, ExpressionError
from explorer.model.page import Page, StepView
from explorer.model.playback import Known
from explorer.model.state import PageState, to_query

from . import jobs
from .session import deeper_view, full_precision, grads_hidden, remember_page, shown_page
from .text import escape_markdown


def page_ui(state: PageState) -> Page | None:
    """The page for ``state``; where it cannot be built, why (in the words for its kind) and the last page shown."""
    try:
        with st.spinner("Running your function through autograd..."):
            return remember_page(jobs.page(replace(state, step=0, node=""), grads_hidden(state.lesson)))
    except ExpressionError as err:
        st.error(escape_markdown(err.message + (f" (column {err.column})" if err.column else "")))
        if err.column:
            st.code(err.pointer(state.function), language=None)
        last = shown_page()
        if last is not None:
            st.caption("Below: the last function that worked.")
        return last
    except ExplorerError as err:  # the service, not the function: nothing here blames what was typed
        jobs.say(err)
        last = shown_page()
        if last is not None:
            st.caption("Below: the page shown before" + ("; yours comes when you try again." if err.kind == "capacity"
                                                          else "."))
        return last


def link_ui(page: Page, step: int, node: str, presentation: bool) -> dict[str, str]:
    """Write the page's state into the address bar, so the link reopens this page; returns the query."""
    further, pitfall = deeper_view()
    query = to_query(replace(page.state, step=step, node=node, further=further, pitfall=pitfall)) | (
        {"present": "1"} if presentation else {})
    st.query_params.from_dict(query)
    return query


def summary_ui(page: Page, known: Known) -> None:
    """``y = x ** 2 → value 4, x.grad 4``, the function's notes, and why the graph is not drawn where it is not;
    a grad backward has not reached yet (the player's step, a practice question) reads ``?``."""
    result = page.result
    full = full_precision()
    grads = "".join(f", {v}.grad `{variable_grad(page, v, known, full)}`" for v in result.variables)
    value = shown(result.value, page.state.dtype, full)
    # visitor text only ever inside code spans: the language has no backtick, so it cannot break out
    st.markdown(f"`{result.output} = {result.body}` → value `{value}`{grads}")
    for note in result.notes:
        st.info(escape_markdown(note))
    if page.render_problem:
        st.warning(escape_markdown(page.render_problem))


def variable_grad(page: Page, variable: str, known: Known, full: bool = False) -> str:
    """``variable``'s grad as the page may show it: ``?`` until backward reaches its leaf; every digit its dtype
    carries where ``full``."""
    leaf = next((t for t in page.result.graph.tensors if t.role == "input" and t.label == variable), None)
    if (leaf is not None and not known.grad(leaf.id)) or (leaf is None and not known.everything):
        return "?"
    return shown(page.result.grad[variable], page.state.dtype, full)


def step_view_ui(page: Page, step: int) -> StepView | None:
    """The graph part-way through backward at the player's ``step`` (None at step 0, or while grads are hidden)."""
    if grads_hidden(page.state.lesson) or not step:
        return None
    try:
        return jobs.step_view(page.state, False, min(step, len(page.playback.steps)))
    except ExplorerError as err:
        jobs.say(err)
        return None
