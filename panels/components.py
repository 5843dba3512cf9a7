"""Our own Streamlit components (components v2): the clickable graph, the plots and the copy box.

Each is ``assets/<name>.js`` with ``assets/<name>.css``, registered once per server as ``autograd_<name>``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import streamlit as st

ASSETS = Path(__file__).resolve().parent.parent / "assets"


# code some components share, put before their own (a component's JavaScript is one module, sent as text)
_SHARED_JS = {"deck": ("presenter_keys",), "editor": ("presenter_keys",)}


@st.cache_resource
def component(name: str, isolate_styles: bool = True):
    """The component ``name`` ("graph", "plot", "copy"); ``isolate_styles=False`` leaves it outside a shadow
    root, for a library that puts its styles in the page's head."""
    js = "".join((ASSETS / f"{part}.js").read_text() + "\n" for part in (*_SHARED_JS.get(name, ()), name))
    return st.components.v2.component(f"autograd_{name}", js=js, css=(ASSETS / f"{name}.css").read_text(),
                                      isolate_styles=isolate_styles)


def mount(name: str, data: dict[str, Any], isolate_styles: bool = True, **options: Any) -> Any:
    """Mount the component ``name`` with ``data`` (plain JSON values); ``options`` as Streamlit's mount takes
    them (key, height, on_<state>_change).

    ``data`` travels as a one-item list, which the component's JavaScript unpacks: Streamlit searches a dict's
    values for dataframes, and the first search imports pandas, which holds the first page back (a list is sent
    as JSON as it is).
    """
    return component(name, isolate_styles)(data=[data], **options)
