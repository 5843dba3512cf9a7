"""Share and take away: the page's link, and downloads of the graph, the plot and a runnable script."""

from __future__ import annotations

from urllib.parse import urlencode

import streamlit as st

from explorer.model.page import Page

from . import jobs
from .copy_box import copyable


def share_ui(page: Page, query: dict[str, str]) -> None:
    st.subheader("Share and take away")
    base = st.context.url or ""
    st.caption("This link reopens this page; add `&embed=true` to put it in a course page, `&present=1` to open "
               "it in presentation mode:")
    copyable(f"{base}?{urlencode(query)}", "the link to this page", key="share_link", wrap=True)
    cols = st.container(key="downloads").columns(5)  # a row that wraps where it is narrow (panels/inputs.py)
    # on_click="ignore": a download needs no rerun of the page; every file is made when its button is pressed,
    # so a change of function sends five buttons, not five files. The PNG and the plot's HTML cost what the
    # function costs: they are jobs for the workers, on this visitor's quota (panels/jobs.py)
    spend = jobs.quota()
    cols[0].download_button("Graph SVG", lambda: page.svg or "", "autograd_graph.svg", "image/svg+xml",
                            disabled=not page.svg, on_click="ignore")
    cols[1].download_button("Graph PNG", lambda: jobs.png(page.dot, spend), "autograd_graph.png", "image/png",
                            disabled=not page.svg, on_click="ignore")
    cols[2].download_button("Graph DOT", lambda: page.dot, "autograd_graph.dot", "text/vnd.graphviz", on_click="ignore")
    cols[3].download_button("Plot HTML", lambda: jobs.plot_html(page.plots, spend), "autograd_plot.html", "text/html",
                            disabled=not page.plots, on_click="ignore")
    cols[4].download_button("Python script", lambda: page.script, "autograd_explorer.py", "text/x-python",
                            on_click="ignore")
