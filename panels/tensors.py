"""Every tensor as the lab prints it, and the node inspector."""

from __future__ import annotations

import streamlit as st

from explorer.draw.dot import format_value
from explorer.model.page import Page

from .text import escape_markdown, markdown_table


def tensors_ui(page: Page) -> None:
    st.subheader("Every tensor, as the lab prints it")
    # a plain table, not a canvas grid: its text reaches screen readers, search and copy-paste
    columns = ("tensor", "data", "grad", "grad_fn", "is_leaf", "requires_grad", "retains_grad", "shape", "dtype",
               "device")
    # a markdown table: a label like x*y*z must not turn into italics
    st.markdown(markdown_table([{c: escape_markdown(str(row[c])) for c in columns} for row in page.rows]))


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

