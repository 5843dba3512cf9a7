"""The DOT text of the explorer view: PyTorch's autograd graph with every value and grad.

Tensors are micrograd-style records (``label | data | grad``); each autograd
node is a grey record, its grad_fn's name over a row for each thing it saved
(``exponent = 2``, ``saved self (= x): 2``); AccumulateGrad is a hexagon. A
leaf used more than three times keeps one arrow, to its use farthest from the
output, and every other node that reads it says so in a row (``input x``); a
big graph's repeated or far part is one dashed box that says what it stands
for (``explorer.draw.folds``). Every node carries our own id (``t3``, ``n0``, a box
``f0``) as its ``id`` attribute, so the SVG's ``g.node`` elements can be
matched to the recorded graph. All text is HTML-escaped: labels come from
what a visitor typed.

>>> from explorer import explore
>>> "PowBackward0" in to_dot(explore("x**2", {"x": 2}).graph)
True

NOTE [arrow direction]
Every arrow is a link PyTorch itself stores, pointed the way backward follows
it: a tensor to its grad_fn (``y.grad_fn``), a grad_fn to each of its
``next_functions`` (drawn through the tensor that node made, whose grad is what
passes), and AccumulateGrad to the leaf whose ``.grad`` it fills
(``AccumulateGrad.variable``): y -> PowBackward0 -> AccumulateGrad -> x. Drawn
forward, as values flow, AccumulateGrad would sit between x and its first use,
where no value passes. The layout still puts the inputs first (``rankdir=RL``
for arrows from the output), so the graph reads left to right like the function
while its arrows point back. A constant is joined to the step that read it by a
dashed line with no head: no gradient goes back to it.

NOTE [layout speed]
Graphviz's ``dot`` spends its time on four things this DOT keeps small
(``benchmarks/dot_features.py`` measures each). (1) Long arrows: dot routes an
arrow through every rank it crosses, and a leaf used in every step of a chain
would send arrows across the whole graph; so a busy leaf keeps one short
arrow and its other uses are rows. (2) Its classic ranking ends with a cleanup
that is quadratic in the edges; ``newrank=true`` ranks without it. (3) Its
search for connected components keeps a stack that, once it outgrows a small
buffer, allocates and clears megabytes; declaring nodes from the output
inwards keeps that stack short. (4) Every node and arrow (ranked, placed,
routed, written as SVG numbers) and every line of text (Pango shapes it to
measure it). So what a node saved is a row of its record, not a node and an
arrow of its own, and a long label loses its middle. Records are measured and
drawn faster than HTML-like tables, and square ones faster than rounded (a
rounded corner is written as curves).
"""

from __future__ import annotations

import html
import math
from collections.abc import Collection
from dataclasses import dataclass

from explorer.draw.folds import SHOWN_NODES, fold
from explorer.model.folding import Fold, Folding
from explorer.model.graph import GradNode, Graph, TensorInfo, Value, flat

__all__ = ["top_down", "to_dot", "to_text", "ARROWS", "LEGEND", "LegendEntry", "format_value"]


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
_CONSTANT = LegendEntry("constant tensor", "box", "#eeeeee", "no requires_grad: a line with no head joins it to "
                        "the step that read it, as no gradient flows to it")
_OPERATION = LegendEntry("grad_fn", "box", "#e3e3e3", "an autograd node: computes the local backward; its name, "
                         "then a row for each thing it saved")
_ACCUMULATE = LegendEntry("AccumulateGrad", "hexagon", "#9ec5fe", "adds the arriving gradient into a leaf's .grad")
_SAVED = LegendEntry("saved tensor", "row", "#e3e3e3", "a row of its grad_fn, 'saved self (= x): 2': a tensor the "
                     "node kept for backward")
_ATTRIBUTE = LegendEntry("saved attribute", "row", "#e3e3e3", "a row of its grad_fn, 'exponent = 2': a number "
                         "the node kept")
_AGAIN = LegendEntry("leaf used again", "row", "#e3e3e3", "a row 'input x' of a grad_fn that reads a leaf used "
                     "more than 3 times; the leaf and its AccumulateGrad are drawn once, by its last use")
_FOLDED = LegendEntry("collapsed steps", "box", "#fff3bf", "dashed: repeated or far steps of a big graph, folded "
                      "into one box that says how many")
LEGEND: tuple[LegendEntry, ...] = (_INPUT, _INTERMEDIATE, _OUTPUT, _CONSTANT, _OPERATION, _ACCUMULATE, _SAVED,
                                   _ATTRIBUTE, _AGAIN, _FOLDED)
# NOTE [arrow direction], in the one sentence the page and the README show under the legend
ARROWS = ("Arrows run backward, as gradients flow, along the links PyTorch keeps: each tensor points to its grad_fn, "
          "each grad_fn to its next_functions (through the tensor that node made), and each AccumulateGrad to the "
          "leaf whose .grad it fills.")
_ROLE_STYLE = {"input": _INPUT, "intermediate": _INTERMEDIATE, "output": _OUTPUT, "constant": _CONSTANT}
_MAX_LABEL = 24  # characters; every character of a label costs dot time (NOTE [layout speed])
_FAN_OUT = 3  # uses of one leaf beyond which it is drawn again beside each use
_FROM = "input"  # the row of a grad_fn that reads a much-used leaf: "input x"
_RECORD_SYNTAX = str.maketrans({"{": "&#123;", "|": "&#124;", "}": "&#125;"})


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


def to_dot(graph: Graph, *, show_grads: bool | Collection[str] = True, expand: bool = False,
           folding: Folding | None = None) -> str:
    """The explorer view of a recorded graph as DOT source.

    ``show_grads=False`` hides every grad (a practice question); a collection of
    tensor ids shows only those (the backward player, part-way through). A graph
    past ``folds.SHOWN_NODES`` autograd nodes is drawn with its repeated or far
    part folded into summary boxes (see ``folds.fold``); ``expand=True`` draws
    every node. ``folding`` is ``fold(graph)`` where the caller has it already,
    so it is not computed twice.
    """
    if expand:
        folding = Folding()
    elif folding is None:
        folding = fold(graph, SHOWN_NODES)
    owner = folding.owner()
    arrows, busy = _busy_leaves(graph, _arrows(graph, owner))
    tensors = {tensor.id: tensor for tensor in graph.tensors}
    nodes = {node.id: node for node in graph.nodes}
    folds = {f.id: f for f in folding.folds}
    labels = {tensor.id: tensor.label for tensor in graph.tensors}
    lines = [
        "digraph autograd {",
        # a white page keeps the graph readable on a dark theme too; newrank: NOTE [layout speed]
        # arrows run from the output (NOTE [arrow direction]); RL lays them out with the inputs on the left
        '  graph [rankdir=RL, newrank=true, bgcolor="white", pad=0.2, nodesep=0.2, ranksep=0.35, '
        'fontname="Helvetica"];',
        # every node but AccumulateGrad is a filled record: said once here, not on each of hundreds of nodes
        '  node [fontname="Helvetica", fontsize=14, penwidth=1.2, shape=record, style=filled];',
        '  edge [color="#444444", arrowsize=0.7];',
    ]
    for item in _declaration_order(graph, owner):
        if item in tensors:
            shown = show_grads if isinstance(show_grads, bool) else item in show_grads
            lines.append(_tensor_node(tensors[item], shown))
        elif item in folds:
            lines.append(_fold_node(folds[item], busy.get(item, ())))
        else:
            lines.append(_grad_node(nodes[item], labels, busy.get(item, ())))
    lines.extend(f'  "{a}" -> "{b}"{attributes};' for (a, b), attributes in arrows.items())
    lines.append("}")
    return "\n".join(lines) + "\n"


def top_down(dot: str) -> str:
    r"""``to_dot``'s drawing laid out with the inputs on top, for a narrow column: the graph grows downwards.

    A record's fields stack across the flow, so in a top-to-bottom graph each record is braced to keep its
    fields one over another (label over data over grad), as they read left to right.

    >>> print(top_down('  graph [rankdir=RL];\n  "t0" [id="t0", label="x|data 2"];'))
      graph [rankdir=BT];
      "t0" [id="t0", label="{x|data 2}"];
    """
    lines = []
    for line in dot.splitlines():
        if line.startswith("  graph [rankdir=RL"):  # arrows from the output up to the inputs on top
            line = line.replace("rankdir=RL", "rankdir=BT", 1)
        elif ' [id="' in line and "shape=" not in line and 'label="' in line:  # a record node: tensor, grad_fn, fold
            head, _, label = line.partition('label="')
            line = f'{head}label="{{{label[:-3]}}}"];' if label.endswith('"];') else line
        lines.append(line)
    return "\n".join(lines)


def _declaration_order(graph: Graph, owner: dict[str, str]) -> list[str]:
    """Every drawn node once, from the output towards the inputs: NOTE [layout speed]."""
    order: dict[str, None] = {}
    for node in graph.nodes:  # breadth-first from the output's grad_fn
        made = node.tensor if node.name != "AccumulateGrad" else None
        for item in (made, node.id, node.tensor):
            if item is not None:
                order.setdefault(owner.get(item, item))
    for tensor in graph.tensors:  # constants, and an output no autograd node made
        order.setdefault(owner.get(tensor.id, tensor.id))
    return list(order)


def _tensor_node(tensor: TensorInfo, show_grads: bool) -> str:
    style = _ROLE_STYLE[tensor.role]
    fields = [_short(tensor.label), f"data {format_value(tensor.data)}"]
    if tensor.requires_grad:
        fields.append(f"grad {format_value(tensor.grad) if show_grads else '?'}")
    # a record, not an HTML table: Graphviz reads and measures it in a fraction of the time, and in a
    # left-to-right graph its fields stack (label over data over grad), narrow enough to fit a screen
    label = "|".join(_escape_field(field) for field in fields)
    dashed = ', style="filled,dashed"' if tensor.role == "constant" else ""
    return f'  "{tensor.id}" [id="{tensor.id}"{dashed}, fillcolor="{style.fill}", label="{label}"];'


def _grad_node(node: GradNode, labels: dict[str, str], leaves: Collection[str]) -> str:
    if node.name == "AccumulateGrad":
        return (f'  "{node.id}" [id="{node.id}", shape={_ACCUMULATE.shape}, fillcolor="{_ACCUMULATE.fill}", '
                f'label="{_escape(node.name)}"];')
    # NOTE [layout speed]: what the node saved is a row of its record, not a node and an arrow of its own
    fields = [node.name, *(f"{_FROM} {leaf}" for leaf in leaves)]
    for saved in node.saved:
        if saved.value is None:  # an empty slot: nothing was saved
            continue
        if saved.is_tensor and not isinstance(saved.value, str):
            origin = f" (= {_short(labels[saved.same_as])})" if saved.same_as in labels else ""
            fields.append(f"saved {saved.name}{origin}: {format_value(saved.value)}")
        else:
            fields.append(f"{saved.name} = {_attribute(saved.value)}")
    label = "|".join(_escape_field(field) for field in fields)
    return f'  "{node.id}" [id="{node.id}", fillcolor="{_OPERATION.fill}", label="{label}"];'


def _fold_node(folded: Fold, leaves: Collection[str]) -> str:
    label = "|".join(_escape_field(field) for field in (folded.text, *(f"{_FROM} {leaf}" for leaf in leaves)))
    return (f'  "{folded.id}" [id="{folded.id}", style="filled,dashed,rounded", fillcolor="{_FOLDED.fill}", '
            f'label="{label}"];')


def _arrows(graph: Graph, owner: dict[str, str]) -> dict[tuple[str, str], str]:
    """Every arrow once, as (from, to) -> attributes, pointed as backward goes (NOTE [arrow direction]); an arrow
    into or out of a folded node ends at its fold."""
    produced = {node.id: node.tensor for node in graph.nodes if node.tensor is not None}
    names = {node.id: node.name for node in graph.nodes}
    roles = {tensor.id: tensor.role for tensor in graph.tensors}
    arrows: dict[tuple[str, str], str] = {}  # a dict keeps the order and drops repeats
    for tensor in graph.tensors:
        # a constant (the condition of where, say) feeds the op but no gradient flows back to it: a line, no head
        for operand in tensor.operands:
            if roles[operand] == "constant" and tensor.node is not None:
                arrows.setdefault((owner.get(tensor.node, tensor.node), operand),
                                  ' [style=dashed, color="#888888", dir=none]')
    for node in graph.nodes:
        if node.tensor is not None and node.id not in owner:
            # AccumulateGrad fills its leaf's .grad; any other node is its tensor's grad_fn
            arrows.setdefault((node.id, node.tensor) if node.name == "AccumulateGrad" else (node.tensor, node.id), "")
        here = owner.get(node.id, node.id)
        for source in node.inputs:
            if source is None:
                continue
            # a next function that made a drawn tensor is reached through it; AccumulateGrad straight
            end = source if names[source] == "AccumulateGrad" else produced.get(source, source)
            end = owner.get(source, end)
            if end != here:
                arrows.setdefault((here, end), "")
    return arrows


def _busy_leaves(graph: Graph, arrows: dict) -> tuple[dict, dict[str, list[str]]]:
    """The arrows less those to a much-used leaf, and the names of such leaves by the node each one feeds."""
    leaves = {node.id: node.tensor for node in graph.nodes if node.name == "AccumulateGrad"}
    labels: dict[str | None, str] = {tensor.id: tensor.label for tensor in graph.tensors}  # a leaf's tensor may be None
    users: dict[str, list[str]] = {}
    for start, end in arrows:
        if end in leaves:
            users.setdefault(end, []).append(start)
    kept = dict(arrows)
    busy: dict[str, list[str]] = {}
    for leaf, ends in users.items():
        if len(ends) <= _FAN_OUT:
            continue
        # NOTE [layout speed]: arrows between one leaf and every use would cross the whole graph (seconds to
        # minutes of dot); the leaf keeps its arrow from the use farthest from the output (declared last,
        # so drawn beside it) and every other use names it in a row
        name = _short(labels.get(leaves[leaf]) or "leaf")
        for user in ends[:-1]:
            del kept[(user, leaf)]
            busy.setdefault(user, []).append(name)
    return kept, busy


def to_text(graph: Graph, *, show_grads: bool | Collection[str] = True) -> str:
    """The graph in words, one line per node: a text alternative to the picture; ``show_grads`` as in to_dot."""
    labels = {t.id: t.label for t in graph.tensors}
    names = {n.id: n.name for n in graph.nodes}
    shown = {t.id for t in graph.tensors} if show_grads is True else set(show_grads or ())
    lines = [f"{t.id} tensor {t.label}: data {format_value(t.data)}, "
             f"grad {format_value(t.grad) if t.id in shown or not t.requires_grad else '?'}, "
             f"grad_fn {t.grad_fn or 'None'}, is_leaf {t.is_leaf}, requires_grad {t.requires_grad}"
             for t in graph.tensors]
    for node in graph.nodes:
        made = f"; {'accumulates into' if node.name == 'AccumulateGrad' else 'made'} {labels[node.tensor]}" \
            if node.tensor in labels else ""
        inputs = ", ".join(f"{i} {names[i]}" if i else "None" for i in node.inputs) or "none"
        saved = ", ".join(f"{s.name} = " + (format_value(s.value) if s.is_tensor and not isinstance(s.value, str)
                                            else _attribute(s.value)) for s in node.saved if s.value is not None)
        lines.append(f"{node.id} {node.name}{made}; next_functions: {inputs}" + (f"; saved: {saved}" if saved else ""))
    return "\n".join(lines)


def _attribute(value: Value | str | None) -> str:
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
    # the middle goes: a nested label keeps its outer call and its last operation, "sin(sin(...)*x + x"
    if len(text) <= _MAX_LABEL:
        return text
    head = (_MAX_LABEL - 3) // 2 + 1
    return text[:head] + "..." + text[len(text) - (_MAX_LABEL - 3 - head):]


def _escape(text: str) -> str:
    # Graphviz reads HTML entities in every label, so markup and quotes become entities; a backslash
    # starts an escape (\n, \l) in a label, so it is doubled to stay a backslash.
    return html.escape(text, quote=True).replace("\\", "\\\\")


def _escape_field(text: str) -> str:
    # in a record label { | } are syntax (< > already are entities): as entities they are plain text
    return _escape(text).translate(_RECORD_SYNTAX)
