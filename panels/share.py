"""Share and take away: the page's link, and downloads of the graph, the plot and a runnable script."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from explorer.draw.render import RenderError, png
from explorer.model.page import Page

from .copy_box import copyable


def share_ui(page: Page, query: dict[str, str]) -> None:
    st.subheader("Share and take away")
    base = st.context.url or ""
    st.caption("This link reopens this page; add `&embed=true` to put it in a course page, `&present=1` to open "
               "it in presentation mode:")
    copyable(f"{base}?{urlencode(query)}", "the link to this page", key="share_link", wrap=True)
    cols = st.columns(5)
    # on_click="ignore": a download needs no rerun of the page; every file is made when its button is pressed,
    # so a change of function sends five buttons, not five files
    cols[0].download_button("Graph SVG", lambda: page.svg or "", "autograd_graph.svg", "image/svg+xml",
                            disabled=not page.svg, on_click="ignore")
    cols[1].download_button("Graph PNG", lambda: _png(page.dot), "autograd_graph.png", "image/png",
                            disabled=not page.svg, on_click="ignore")
    cols[2].download_button("Graph DOT", lambda: page.dot, "autograd_graph.dot", "text/vnd.graphviz", on_click="ignore")
    cols[3].download_button("Plot HTML", lambda: _plot_html(page), "autograd_plot.html", "text/html",
                            disabled=not page.plots, on_click="ignore")
    cols[4].download_button("Python script", lambda: page.script, "autograd_explorer.py", "text/x-python",
                            on_click="ignore")


def _png(dot: str) -> bytes:
    try:
        return png(dot)
    except RenderError:
        return b""


def _plot_html(page: Page) -> str:
    import plotly.graph_objects as go  # only when the button is pressed: plotly takes ~0.1 s to import

    return "\n".join(go.Figure(p.figure).to_html(include_plotlyjs="cdn", full_html=False) for p in page.plots)

