"""Every tensor as the lab prints it, point by point for vectors, and the node inspector.

Each shows a grad only where ``known`` (the player's step, a practice question) says backward has reached it,
and numbers short or, on demand, at the precision the tensor's dtype carries.
"""

from __future__ import annotations

import streamlit as st

from explorer.draw.dot import format_value
from explorer.draw.precision import WHOLE, exact, shown, whole
from explorer.model.graph import TensorInfo, Value, distinct_labels, flat
from explorer.model.page import Page
from explorer.model.playback import Known

from .text import escape_markdown, markdown_table

# rows of the point-by-point table behind its expander: a markdown table of this many rows still draws at once
_MOST_POINTS = 1000
_SHARED = ("shape", "dtype", "device")
_NBSP = "\u00a0"  # a short vector's cell, "[-10 ... 10] (10)", reads as one piece: it does not wrap


def grad_text(t: TensorInfo, known: Known, full: bool = False) -> str:
    """A tensor's grad as a cell: ``?`` until backward reaches it (a tensor that needs no grad has none to wait for)."""
    if t.requires_grad and not known.grad(t.id):
        return "?"
    return _cell(t.grad, t.dtype, full)


def _cell(value: Value | None, dtype: str, full: bool) -> str:
    if isinstance(value, list) and len(flat(value)) > 1:
        return format_value(value).replace(" ", _NBSP)  # the vector's values are in the point-by-point table
    return shown(flat(value)[0] if isinstance(value, list) else value, dtype, full)


def tensors_ui(page: Page, known: Known) -> None:
    st.subheader("Every tensor, as the lab prints it")
    graph = page.result.graph
    labels = distinct_labels(graph)
    full = st.toggle("Full precision", key="precision",
                     help="Every digit the dtype carries (float32 about 8, float64 about 16), instead of 4")
    # a plain table, not a canvas grid: its text reaches screen readers, search and copy-paste
    rows = [{"tensor": escape_markdown(_unbroken(labels[t.id])), "data": escape_markdown(_cell(t.data, t.dtype, full)),
             "grad": escape_markdown(grad_text(t, known, full)), "grad_fn": t.grad_fn or "None",
             "is_leaf": str(t.is_leaf), "requires_grad": str(t.requires_grad), "retains_grad": str(t.retains_grad),
             "shape": str(tuple(t.shape)), "dtype": t.dtype, "device": t.device} for t in graph.tensors]
    # shape, dtype and device are most often the same for every tensor of a page: said once under the table, they
    # leave the lab's five columns room to be read on a projector
    shared = {column: rows[0][column] for column in _SHARED if rows and len({row[column] for row in rows}) == 1}
    rows = [{k: v for k, v in row.items() if k not in shared} for row in rows]
    # a markdown table: a label like x*y*z must not turn into italics
    st.markdown(markdown_table(rows))
    if shared:
        st.caption("Every tensor here has " + ", ".join(f"{column} `{value}`" for column, value in shared.items())
                   + ".")
    if len(set(labels.values())) > len({t.label for t in graph.tensors}):
        st.caption("A subexpression written twice is computed twice: two tensors, numbered in the order PyTorch "
                   "made them.")
    points_ui(graph.tensors, labels, known, full)


def points_ui(tensors: tuple[TensorInfo, ...], labels: dict[str, str], known: Known, full: bool) -> None:
    """The vectors side by side, one row per element: x[i], x.grad[i], y[i], ... (the sum trick, point by point)."""
    vectors = [t for t in tensors if len(t.shape) == 1 and t.shape[0] > 1]
    if not vectors:
        return
    size = vectors[0].shape[0]
    vectors = [t for t in vectors if t.shape[0] == size]
    columns: dict[str, list[str]] = {}
    for t in vectors:
        columns[labels[t.id]] = [_number(v, t.dtype, full) for v in flat(t.data)]
        if t.requires_grad:
            reached = known.grad(t.id) and t.grad is not None
            columns[f"{labels[t.id]}.grad"] = [_number(v, t.dtype, full) for v in flat(t.grad)] if reached \
                else ["?" if t.grad is not None or not known.grad(t.id) else "None"] * size
    rows = [{"i": str(i)} | {escape_markdown(name): values[i] for name, values in columns.items()}
            for i in range(min(size, _MOST_POINTS))]
    if size <= WHOLE:
        st.markdown(f"**Point by point**: each of the {size:,} elements, in order")
        st.markdown(markdown_table(rows))
        return
    # a long range (relu's 1,000 points) would push the plot a page down: its elements wait behind a click
    shown = f"the first {_MOST_POINTS:,} of {size:,}" if size > _MOST_POINTS else f"all {size:,}"
    with st.expander(f"Point by point: {shown} elements, in order"):
        st.markdown(markdown_table(rows))


def _unbroken(label: str) -> str:
    """A short label on one line ("u * v (1 of 2)"); a long one may wrap, or the table would be wider than a screen."""
    return label.replace(" ", _NBSP) if len(label) <= 24 else label


def _number(value: float, dtype: str, full: bool) -> str:
    return exact(value, dtype) if full else format_value(value)


def node_ui(page: Page, known: Known) -> None:
    st.subheader("Node inspector")
    graph = page.result.graph
    labels = distinct_labels(graph)
    choices = [""] + [t.id for t in graph.tensors] + [n.id for n in graph.nodes]
    names = {t.id: f"tensor {labels[t.id]}" for t in graph.tensors} | {
        n.id: f"{n.name} ({n.id})" for n in graph.nodes}
    if st.session_state.get("node") not in choices:
        st.session_state.node = ""
    st.selectbox("Inspect a node (or click it in the graph)", choices, key="node",
                 format_func=lambda i: names.get(i, "choose a node..."))
    chosen = st.session_state.node
    if chosen in names:
        st.markdown(_node_details(page, chosen, known))


def _node_details(page: Page, chosen: str, known: Known) -> str:
    """A tensor's printout with its values whole at its dtype's precision, or a node's inputs and what it saved."""
    graph = page.result.graph
    labels = distinct_labels(graph)
    tensors = {t.id: t for t in graph.tensors}
    nodes = {n.id: n for n in graph.nodes}
    if chosen in tensors:
        t = tensors[chosen]
        made = f"made by `{nodes[t.node].name}` ({t.node})" if t.node in nodes else "made by no autograd node"
        grad = "?" if t.requires_grad and not known.grad(t.id) else whole(t.grad, t.dtype)
        fields = {"data": whole(t.data, t.dtype), "grad": grad, "grad_fn": t.grad_fn or "None",
                  "is_leaf": t.is_leaf, "requires_grad": t.requires_grad, "retains_grad": t.retains_grad,
                  "shape": tuple(t.shape), "dtype": t.dtype, "device": t.device}
        lines = [f"**tensor `{labels[t.id]}`** · {made}"] + [f"- {k}: `{v}`" for k, v in fields.items()]
        if len(flat(t.data)) > WHOLE:
            lines.append(f"- its {len(flat(t.data)):,} values, each at {t.dtype}'s precision, are in the "
                         "point-by-point table")
        return "\n".join(lines)
    node = nodes[chosen]
    made = tensors[node.tensor] if node.tensor in tensors else None
    lines = [f"**`{node.name}`** ({node.id})"]
    if made is not None:
        verb = "accumulates into" if node.name == "AccumulateGrad" else "made"
        # the output's label is its name (y); its text, what computed it: y = x ** 2 + 1
        formula = f" = `{made.text}`" if made.text and made.text != made.label else ""
        lines.append(f"- {verb} tensor `{labels[made.id]}`{formula}, data `{whole(made.data, made.dtype)}`")
    inputs = ", ".join(f"`{nodes[i].name}` ({i})" if i else "None (no grad needed)" for i in node.inputs)
    lines.append(f"- next_functions: {inputs or 'none: a leaf ends the walk'}")
    dtype = page.state.dtype
    for saved in node.saved:
        origin = f" (same storage as `{labels[saved.same_as]}`)" if saved.same_as in tensors else ""
        kind = "saved tensor" if saved.is_tensor else "saved attribute"
        value = saved.value
        shown = whole(value, dtype) if saved.is_tensor and not isinstance(value, str) else value
        lines.append(f"- {kind} `{saved.name}` = `{shown}`{origin}")
    return "\n".join(lines)
