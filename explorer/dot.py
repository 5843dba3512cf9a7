"""The DOT text of the explorer view: PyTorch's autograd graph with every value and grad.

Tensors are micrograd-style records (``label | data | grad``); each autograd
node is an ellipse named for its grad_fn; AccumulateGrad, saved tensors and
saved attributes are nodes of their own, never merged into the tensor they
came from. Every node carries our own id (``t3``, ``n0``, ``n0.s1``) as its
``id`` attribute, so the SVG's ``g.node`` elements can be matched to the
recorded graph. All text is HTML-escaped: labels come from what a visitor typed.

>>> from explorer import explore
>>> "PowBackward0" in to_dot(explore("x**2", {"x": 2}).graph)
True

NOTE [arrow direction]
Arrows run forward, the way values flow (x -> PowBackward0 -> x**2), so the
graph reads like the function; backward visits the same arrows in reverse.
"""

from __future__ import annotations

import html
import math
from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass

from .graph import GradNode, Graph, TensorInfo, Value, flat

__all__ = ["to_dot", "to_text", "LEGEND", "LegendEntry", "format_value"]


@dataclass(frozen=True)
class LegendEntry:
    """How one kind of node looks, so the page legend and the graph never disagree."""

    kind: str
    shape: str
    fill: str
    meaning: str


_INPUT = LegendEntry("leaf tensor", "box", "#cfe2ff", "a variable you set: is_leaf, requires_grad, gets .grad")
_INTERMEDIATE = LegendEntry("intermediate tensor", "box", "#ffffff", "a result inside the function (grad kept)")
_OUTPUT = LegendEntry("output tensor", "box", "#c8f0d0", "the value backward() starts from")
_CONSTANT = LegendEntry("constant tensor", "box", "#eeeeee", "no requires_grad: no gradient flows to it")
_OPERATION = LegendEntry("grad_fn", "ellipse", "#e3e3e3", "an autograd node: computes the local backward")
_ACCUMULATE = LegendEntry("AccumulateGrad", "hexagon", "#9ec5fe", "adds the arriving gradient into a leaf's .grad")
_SAVED = LegendEntry("saved tensor", "note", "#ffd8a8", "a tensor the node kept for backward")
_ATTRIBUTE = LegendEntry("saved attribute", "plain text", "none", "a number the node kept (e.g. exponent = 2)")
LEGEND: tuple[LegendEntry, ...] = (_INPUT, _INTERMEDIATE, _OUTPUT, _CONSTANT, _OPERATION, _ACCUMULATE, _SAVED,
                                   _ATTRIBUTE)
_ROLE_STYLE = {"input": _INPUT, "intermediate": _INTERMEDIATE, "output": _OUTPUT, "constant": _CONSTANT}
_MAX_LABEL = 40
_FAN_OUT = 3  # uses of one leaf beyond which its edges stop constraining the layout


def format_value(value: Value | None, digits: int = 4) -> str:
    """A short text for a number or a tensor's values: '4', '4.5', '[-10 ... 10] (1000)'."""
    if value is None:
        return "None"
    if not isinstance(value, list):
        return _number(value, digits)
    values = flat(value)
    if not values:
        return "[]"
    if len(values) <= 4 and all(not isinstance(v, list) for v in value):
        return "[" + ", ".join(_number(v, digits) for v in values) + "]"
    return f"[{_number(values[0], digits)} ... {_number(values[-1], digits)}] ({len(values):,})"


def to_dot(graph: Graph, *, show_grads: bool | Collection[str] = True) -> str:
    """The explorer view of a recorded graph as DOT source.

    ``show_grads=False`` hides every grad (a practice question); a collection of
    tensor ids shows only those (the backward player, part-way through).
    """
    lines = [
        "digraph autograd {",
        # a white page keeps the graph readable on a dark theme too
        '  graph [rankdir=LR, bgcolor="white", pad=0.2, nodesep=0.2, ranksep=0.35, fontname="Helvetica"];',
        '  node [fontname="Helvetica", fontsize=14, penwidth=1.2];',
        '  edge [color="#444444", arrowsize=0.7];',
    ]
    for tensor in graph.tensors:
        shown = show_grads if isinstance(show_grads, bool) else tensor.id in show_grads
        lines.append(_tensor_node(tensor, shown))
    labels = {tensor.id: tensor.label for tensor in graph.tensors}
    for node in graph.nodes:
        lines.extend(_grad_node(node, labels))
    lines.extend(_edges(graph))
    lines.append("}")
    return "\n".join(lines) + "\n"


def _tensor_node(tensor: TensorInfo, show_grads: bool) -> str:
    style = _ROLE_STYLE[tensor.role]
    title = _escape(_short(tensor.label))
    cells = [f"<b>{title}</b>", f"data {_escape(format_value(tensor.data))}"]
    if tensor.requires_grad:
        cells.append(f"grad {_escape(format_value(tensor.grad)) if show_grads else '?'}")
    # stacked rows (label over data over grad) keep a left-to-right graph narrow enough to fit a screen
    rows = "".join(f"<tr><td>{cell}</td></tr>" for cell in cells)
    dashed = ' style="dashed"' if tensor.role == "constant" else ""
    label = f'<<table border="1" cellborder="1" cellspacing="0" cellpadding="3" bgcolor="{style.fill}"{dashed}>' \
            f"{rows}</table>>"
    return f'  "{tensor.id}" [id="{tensor.id}", shape=plain, label={label}];'


def _grad_node(node: GradNode, labels: dict[str, str]) -> list[str]:
    kind = _ACCUMULATE if node.name == "AccumulateGrad" else _OPERATION
    lines = [f'  "{node.id}" [id="{node.id}", shape={kind.shape}, style=filled, fillcolor="{kind.fill}", '
             f'label="{_escape(node.name)}"];']
    for index, saved in enumerate(node.saved):
        if saved.value is None:  # an empty slot: nothing was saved
            continue
        saved_id = f"{node.id}.s{index}"
        if saved.is_tensor:
            origin = f" (= {_short(labels[saved.same_as])})" if saved.same_as in labels else ""
            # one line: multi-line labels trip the in-browser renderer's stale-graph bug
            text = _escape(f"saved {saved.name}{origin}: {format_value(saved.value)}")
            lines.append(f'  "{saved_id}" [id="{saved_id}", shape=note, style=filled, fillcolor="{_SAVED.fill}", '
                         f'fontsize=10, label="{text}"];')
            lines.append(f'  "{saved_id}" -> "{node.id}" [style=dashed, color="#d9822b", dir=none];')
        else:
            text = f"{saved.name} = {_attribute(saved.value)}"
            lines.append(f'  "{saved_id}" [id="{saved_id}", shape=plaintext, fontsize=10, '
                         f'label="{_escape(text)}"];')
            lines.append(f'  "{saved_id}" -> "{node.id}" [style=dotted, dir=none];')
    return lines


def _edges(graph: Graph) -> list[str]:
    produced = {node.id: node.tensor for node in graph.nodes if node.tensor is not None}
    names = {node.id: node.name for node in graph.nodes}
    roles = {tensor.id: tensor.role for tensor in graph.tensors}
    uses = Counter(source for node in graph.nodes for source in node.inputs if source is not None)
    lines = []
    for tensor in graph.tensors:
        # a constant (the condition of where, say) feeds the op but no gradient flows back to it
        for operand in tensor.operands:
            if roles[operand] == "constant" and tensor.node is not None:
                lines.append(f'  "{operand}" -> "{tensor.node}" [style=dashed, color="#888888"];')
    for node in graph.nodes:
        if node.name == "AccumulateGrad" and node.tensor is not None:
            lines.append(f'  "{node.tensor}" -> "{node.id}";')
        elif node.tensor is not None:
            lines.append(f'  "{node.id}" -> "{node.tensor}";')
        for source in node.inputs:
            if source is None:
                continue
            start = produced.get(source, source)
            # a leaf's value enters through its AccumulateGrad node, not straight from the tensor
            if names[source] == "AccumulateGrad":
                start = source
            # NOTE: a leaf used many times fans out across every rank; letting those edges off the
            # ranking keeps dot's crossing minimisation from blowing up (seconds to minutes on a chain)
            loose = " [constraint=false]" if names[source] == "AccumulateGrad" and uses[source] > _FAN_OUT else ""
            lines.append(f'  "{start}" -> "{node.id}"{loose};')
    return lines


def to_text(graph: Graph, *, show_grads: bool = True) -> str:
    """The graph in words, one line per node: a text alternative to the picture; ``show_grads`` as in to_dot."""
    labels = {t.id: t.label for t in graph.tensors}
    names = {n.id: n.name for n in graph.nodes}
    lines = [f"{t.id} tensor {t.label}: data {format_value(t.data)}, "
             f"grad {format_value(t.grad) if show_grads or not t.requires_grad else '?'}, "
             f"grad_fn {t.grad_fn or 'None'}, is_leaf {t.is_leaf}, requires_grad {t.requires_grad}"
             for t in graph.tensors]
    for node in graph.nodes:
        made = f"; {'accumulates into' if node.name == 'AccumulateGrad' else 'made'} {labels[node.tensor]}" \
            if node.tensor in labels else ""
        inputs = ", ".join(f"{i} {names[i]}" if i else "None" for i in node.inputs) or "none"
        saved = ", ".join(f"{s.name} = {format_value(s.value) if s.is_tensor else _attribute(s.value)}"
                          for s in node.saved if s.value is not None)
        lines.append(f"{node.id} {node.name}{made}; next_functions: {inputs}" + (f"; saved: {saved}" if saved else ""))
    return "\n".join(lines)


def _attribute(value) -> str:
    if isinstance(value, float):
        return _number(value, 4)
    return _short(str(value))


def _number(value: float | int | bool, digits: int) -> str:
    if isinstance(value, bool) or isinstance(value, int):
        return str(value)
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    return f"{value:.{digits}g}"


def _short(text: str) -> str:
    return text if len(text) <= _MAX_LABEL else text[: _MAX_LABEL - 3] + "..."


def _escape(text: str) -> str:
    # Graphviz reads HTML entities in quoted and in HTML-like labels alike, so one escape
    # serves both; a backslash would start a DOT escape sequence, so it becomes an entity too.
    return html.escape(text, quote=True).replace("\\", "&#92;")
