"""The plots of f and its derivatives, clickable to move the evaluation point."""

from __future__ import annotations

import functools

import streamlit as st

from explorer.draw.figure import PLOTLY_BUNDLE
from explorer.model.page import Page
from explorer.model.playback import Known
from explorer.model.plot import Plot

from .components import mount
from .session import grads_hidden, pick_point, presenting
from .text import escape_markdown


def shown_plots(page: Page, known: Known) -> tuple[Plot, ...]:
    """The page's plots as far as backward has got: a plot leaves out its derivative, tangent and arrows until
    backward has reached every variable on its axes (the player part-way through)."""
    if known.everything:
        return page.plots
    leaves = {t.label: t.id for t in page.result.graph.tensors if t.role == "input"}
    return tuple(plot if all(known.grad(leaves.get(v, "")) for v in plot.variables) else plot.without_gradient()
                 for plot in page.plots)


def plots_ui(page: Page, known: Known) -> None:
    st.subheader("The function and its derivative")
    if not page.plots:
        st.caption("Nothing to plot: the function has no variable, or it reduces its points (sum, mean, max, min).")
    shown = shown_plots(page, known)
    curves = [p for p in shown if p.kind == "curve"]
    contours = [p for p in shown if p.kind == "contour"]
    for column, plot in zip(st.columns(len(curves) or 1), curves, strict=False):
        with column:
            plot_ui(plot)
    question = grads_hidden(page.state.lesson)
    for plot in contours:
        left, right = st.columns([3, 1])
        with left:
            plot_ui(plot)
        right.markdown(contour_caption(plot, question))
    if known.step and not question and any(not plot.shows_gradient for plot in shown):
        st.caption("The derivative and the tangent appear once backward reaches the variable (step on, or Last).")
    if page.plots:
        st.caption("Click a point on a plot to move the evaluation point there.")


# Plotly's cartesian bundle (explorer.draw.figure.PLOTLY_BUNDLE: scatter, contour, all the explorer draws), served
# by Streamlit from static/ (server.enableStaticServing) at app/static/, loaded once per page and cached by the
# browser.


def contour_caption(plot: Plot, question: bool) -> str:
    """What the contour shows, as drawn: its arrows, or why they are not there yet."""
    a, b = plot.variables
    if plot.shows_gradient:
        return (f"Each arrow is the gradient (∂f/∂{a}, ∂f/∂{b}) at its point, scaled to fit: it points uphill, "
                "and is longer where f is steeper. The red arrow is the gradient autograd computed at your point.")
    when = "once you answer the question" if question else "once backward has reached both variables"
    return (f"The contour lines join the points where f has the same value; the red dot is your point. The "
            f"gradient arrows (∂f/∂{a}, ∂f/∂{b}) are drawn here {when}.")


def plot_ui(plot: Plot, prefix: str = "plot") -> None:
    key = f"{prefix}_{'_'.join(plot.variables)}"
    figure = plot.figure
    if presenting():  # a new dict: the cached page's figure stays as it was
        frame = figure["layout"]
        figure = {**figure, "layout": {**frame, "font": {**frame.get("font", {}), "size": 20}, "height": 520}}
    # not in a shadow root: Plotly puts its styles (hover labels, the mode bar) in the page's head; the figure's
    # own height, held from the first frame: the page does not jump when Plotly draws
    mount("plot", {"figure": figure, "bundle": f"app/static/{PLOTLY_BUNDLE}", "label": label(plot)},
          isolate_styles=False, key=key, height=figure["layout"].get("height", 420),
          on_picked_change=functools.partial(pick_point, key, plot.variables))
    for note in plot.notes:
        st.info(escape_markdown(note))


def label(plot: Plot) -> str:
    """What a screen reader says the plot is: "plot of y = x ** 2, dy/dx (autograd), ... against x; ..."."""
    if plot.kind == "contour":
        a, b = plot.variables
        shown = f"contour plot of {plot.figure['layout']['title']['text']}, {b} against {a}"
    else:
        curves = [t["name"] for t in plot.figure["data"] if t.get("mode") == "lines" and t.get("showlegend", True)]
        shown = f"plot of {', '.join(dict.fromkeys(curves))} against {plot.variables[0]}"
    return f"{shown}; click a point to move the evaluation point there"

