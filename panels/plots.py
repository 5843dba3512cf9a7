"""The plots of f and its derivatives, clickable to move the evaluation point."""

from __future__ import annotations

import functools

import plotly.graph_objects as go
import streamlit as st

from explorer.figure import Plot
from explorer.page import Page

from .session import pick_point
from .text import escape_markdown


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
        st.info(escape_markdown(note))

