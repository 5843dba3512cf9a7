"""Our own Streamlit components (components v2): the clickable graph, the plots and the copy box.

Each is ``assets/<name>.js`` with ``assets/<name>.css``, registered once per server as ``autograd_<name>``.
"""

from __future__ import annotations

from pathlib import Path

import streamlit as st

ASSETS = Path(__file__).resolve().parent.parent / "assets"


@st.cache_resource
def component(name: str, isolate_styles: bool = True):
    """The component ``name`` ("graph", "plot", "copy"); ``isolate_styles=False`` leaves it outside a shadow
    root, for a library that puts its styles in the page's head."""
    return st.components.v2.component(f"autograd_{name}", js=(ASSETS / f"{name}.js").read_text(),
                                      css=(ASSETS / f"{name}.css").read_text(), isolate_styles=isolate_styles)
