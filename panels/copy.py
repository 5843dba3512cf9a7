"""Text to copy (the page's link, the graph as text), in a box with a Copy button."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@st.cache_resource
def _copy_component():
    return st.components.v2.component(
        "autograd_copy", js=(ASSETS / "copy.js").read_text(), css=(ASSETS / "copy.css").read_text()
    )


def copyable(text: str, label: str, key: str, wrap: bool = False) -> None:
    """``text`` shown as it is (never as HTML or markdown) with a Copy button; ``label`` names it for screen
    readers. Not ``st.code``: its syntax highlighter is 1.5 MB of JavaScript the first page would wait for."""
    _copy_component()(data={"text": text, "label": label, "wrap": wrap}, key=key)
