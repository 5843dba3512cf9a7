"""The DOT text of the explorer view: real Graphviz reads it, every node keeps our id, every label is escaped,
and the layout stays fast and readable (measured by its shape, never by a clock)."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import torch

from explorer import explore
from explorer.compute.notebook import record_tensor
from explorer.compute.recording import Labeled, record
from explorer.content.lessons import LESSONS
from explorer.draw.dot import ARROWS, LEGEND, format_value, to_dot, to_text
from explorer.draw.folds import fold
from explorer.draw.render import svg
from explorer.model.graph import Graph

_EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"', re.MULTILINE)
_NODE = re.compile(r'^\s*"([^"]+)" \[id=', re.MULTILINE)


def _fields(dot: str, node: str) -> list[str]:
    """The rows of a node's label as a reader sees them (a record's fields, entities read back)."""
    (label,) = re.findall(rf'^  "{re.escape(node)}" \[.*label="([^"]*)"', dot, re.MULTILINE)
    return [html.unescape(field) for field in label.split("|")]

GRAPHS = [
    ("x ** 2", {"x": 2}),
    ("y = x**2 + 2*x + 1", {"x": 2}),
    ("u*v + (u*v)**2", {"u": 2, "v": 1}),
    ("3*SQ(x)", {"x": 2}),
    ("x ** 2", {"x": "-10:10:1000"}),
    ("u * v", {"u": "0:1:3", "v": "0:1:4"}),
    ("where(x < 1, x, 0) + clamp(x, min=0)", {"x": 0.5}),
    ("log(x)", {"x": -1}),
    ("f = x", {"x": 2}),
    ("3", {}),
]


@pytest.mark.parametrize(("text", "at"), GRAPHS, ids=[f"{text} at {at}" for text, at in GRAPHS])
def test_dot_lays_out_and_every_recorded_id_is_an_svg_element(text, at, dot_program, svg_ids):
    graph = explore(text, at).graph
    drawn = svg_ids(svg(to_dot(graph)))
    assert {t.id for t in graph.tensors} | {n.id for n in graph.nodes} == drawn


def test_arrows_run_backward_from_the_output_through_its_grad_fn_and_accumulate_grad_to_the_leaf():
    dot = to_dot(explore("x ** 2", {"x": 2}).graph)
    # t1 = y, n0 = its grad_fn PowBackward0, n1 = the AccumulateGrad in its next_functions, t0 = x its variable
    assert set(_EDGE.findall(dot)) == {("t1", "n0"), ("n0", "n1"), ("n1", "t0")}


def test_what_a_grad_fn_saved_is_a_row_of_its_node_the_tensor_named_by_its_origin():
    dot = to_dot(explore("x ** 2", {"x": 2}).graph)
    assert _fields(dot, "n0") == ["PowBackward0", "exponent = 2", "saved self (= x): 2"]


@pytest.mark.parametrize(("text", "at"), GRAPHS, ids=[f"{text} at {at}" for text, at in GRAPHS])
def test_every_saved_value_is_shown_in_the_node_that_saved_it(text, at):
    graph = explore(text, at).graph
    dot = to_dot(graph)
    for node in graph.nodes:
        rows = _fields(dot, node.id)
        for saved in node.saved:
            if saved.value is not None:
                assert sum(row.startswith((f"saved {saved.name}", f"{saved.name} = ")) for row in rows) == 1, rows


def test_a_comparison_in_a_label_is_escaped_and_dot_still_reads_it(dot_program):
    dot = to_dot(explore("where(x < 1, x, 0)", {"x": 0.5}).graph)
    assert "x &lt; 1" in dot
    assert "x < 1" not in dot
    assert "x &lt; 1" in svg(dot)  # Graphviz turns the entity back into '<', which SVG writes as &lt;


@pytest.mark.parametrize("name", ['w<b>&"\\', "a{b|c}d", "p\\n q", "e\\", "<x|y>"])
def test_markup_and_record_characters_in_a_name_are_drawn_exactly_as_written(name, dot_program, svg_ids):
    weight = torch.tensor(2.0, requires_grad=True)
    graph = record_tensor(weight * 3, {name: weight})
    drawn = svg(to_dot(graph))
    assert {t.id for t in graph.tensors} <= svg_ids(drawn)
    texts = [html.unescape(text) for text in re.findall(r"<text[^>]*>([^<]*)</text>", drawn)]
    assert name in texts  # one field of the leaf's record, neither split at | nor cut at a backslash


def test_a_long_label_is_shortened():
    text = " + ".join(["sin(x)"] * 20)
    dot = to_dot(explore(text, {"x": 1}).graph)
    assert text not in dot
    assert "..." in dot


def test_hiding_grads_shows_a_question_mark_for_every_grad():
    graph = explore("x ** 2", {"x": 2}).graph
    hidden = to_dot(graph, show_grads=False)
    assert "grad 4" in to_dot(graph) and "grad 4" not in hidden
    assert hidden.count("grad ?") == sum(t.requires_grad for t in graph.tensors)


def test_text_view_has_one_line_per_tensor_and_node():
    graph = explore("u * v + u ** 2", {"u": 1, "v": 2}).graph
    starts = [line.split(" ", 1)[0] for line in to_text(graph).splitlines()]
    assert starts == [t.id for t in graph.tensors] + [n.id for n in graph.nodes]


@pytest.mark.parametrize(("value", "shown"), [
    (4.0, "4"),
    (4, "4"),
    (4.5, "4.5"),
    (1 / 3, "0.3333"),
    (123456789.0, "1.235e+08"),
    (1e-7, "1e-07"),
    (None, "None"),
    (True, "True"),
    (float("nan"), "nan"),
    (float("inf"), "inf"),
    (float("-inf"), "-inf"),
    ([], "[]"),
    ([1.0, 2.0], "[1, 2]"),
    ([1.0, 2.0, 3.0, 4.0, 5.0], "[1 ... 5] (5)"),
    ([[1.0, 2.0], [3.0, 4.0]], "[1 ... 4] (4)"),
    (torch.linspace(-10, 10, 1000).tolist(), "[-10 ... 10] (1,000)"),
])
def test_format_value_is_short_and_exact_where_it_can_be(value, shown):
    assert format_value(value) == shown


def test_format_value_digits():
    assert format_value(3.14159265, digits=2) == "3.1"


# -- the layout: fast because of its shape, and readable --------------------------------------


def _chain(steps: int) -> str:
    """y = sin(y)*1.01 + x, ``steps`` times from y = x (benchmarks/bench.py's chain)."""
    text = "x"
    for _ in range(steps):
        text = f"sin({text})*1.01 + x"
    return text


def _nest(depth: int) -> str:
    """sin(...)*x + x, ``depth`` deep (benchmarks/bench.py's nest)."""
    text = "x"
    for _ in range(depth):
        text = f"sin({text})*x + x"
    return text


LAID_OUT = [(lesson.function, dict(lesson.points)) for lesson in LESSONS] + [
    (_nest(25), {"x": 2}),
    (_chain(50), {"x": 2}),
    ("where(x < 1, x, 0) + clamp(x, min=0)", {"x": 0.5}),
    ("*".join(["x"] * 240), {"x": 1}),  # folded
]


def _layout(dot: str) -> dict:
    """The layout ``dot -Tjson`` computes: node boxes and edge routes, by our node names."""
    done = subprocess.run([shutil.which("dot"), "-Tjson"], input=dot.encode(), capture_output=True, check=True)
    assert b"lost" not in done.stderr and b"Error" not in done.stderr, done.stderr
    laid = json.loads(done.stdout)
    return {"nodes": {o["name"]: o for o in laid.get("objects", [])},
            "edges": [(laid["objects"][e["tail"]]["name"], laid["objects"][e["head"]]["name"])
                      for e in laid.get("edges", [])]}


def _box(node: dict) -> tuple[float, float, float, float]:
    x, y = map(float, node["pos"].split(","))
    half_width, half_height = float(node["width"]) * 36, float(node["height"]) * 36  # inches to points, halved
    return x - half_width, y - half_height, x + half_width, y + half_height


def _recorded_arrows(graph: Graph) -> set[tuple[str, str]]:
    """The arrows the recorded graph calls for, whatever the drawing does with them: an oracle from the graph."""
    names = {n.id: n.name for n in graph.nodes}
    made = {n.id: n.tensor for n in graph.nodes if n.tensor is not None and n.name != "AccumulateGrad"}
    arrows = set()
    for node in graph.nodes:
        if node.tensor is not None:
            arrows.add((node.id, node.tensor) if node.name == "AccumulateGrad" else (node.tensor, node.id))
        for source in node.inputs:
            if source is not None:
                arrows.add((node.id, source if names[source] == "AccumulateGrad" else made.get(source, source)))
    return arrows


@pytest.mark.parametrize(("text", "at"), LAID_OUT, ids=[text[:40] for text, _ in LAID_OUT])
def test_no_two_node_boxes_overlap_and_every_arrow_survives_the_layout(text, at, dot_program):
    dot = to_dot(explore(text, at).graph)
    laid = _layout(dot)
    boxes = sorted(_box(node) for node in laid["nodes"].values())
    for i, (_, bottom, right, top) in enumerate(boxes):
        for other_left, other_bottom, _, other_top in boxes[i + 1:]:
            if other_left >= right - 0.5:
                break  # sorted by left edge: nothing further right can overlap this box
            assert other_bottom >= top - 0.5 or other_top <= bottom + 0.5, "two node boxes overlap"
    assert sorted(laid["edges"]) == sorted(_EDGE.findall(dot))
    assert set(laid["nodes"]) == set(_NODE.findall(dot))


@pytest.mark.parametrize(("text", "at"), LAID_OUT, ids=[text[:40] for text, _ in LAID_OUT])
def test_every_recorded_arrow_is_drawn_or_named_as_an_input_row_or_inside_a_fold(text, at):
    graph = explore(text, at).graph
    owner = fold(graph).owner()
    dot = to_dot(graph)
    drawn = set(_EDGE.findall(dot))
    leaves = {n.id: graph.tensor(n.tensor).label for n in graph.nodes if n.name == "AccumulateGrad"}
    for start, end in _recorded_arrows(graph):
        start, end = owner.get(start, start), owner.get(end, end)
        named = end in leaves and f"input {leaves[end]}" in _fields(dot, start)  # a much-used leaf
        assert start == end or (start, end) in drawn or named, f"{start} -> {end} is missing"


@pytest.mark.parametrize(("text", "at"), LAID_OUT[-4:], ids=["nest", "chain", "where", "folded"])
def test_no_arrow_crosses_more_than_two_ranks(text, at, dot_program):
    # NOTE [layout speed] in explorer/draw/dot.py: arrows spanning many ranks made dot take seconds to minutes
    laid = _layout(to_dot(explore(text, at).graph))
    centers = sorted({round(float(node["pos"].split(",")[0])) for node in laid["nodes"].values()})
    ranks = [x for i, x in enumerate(centers) if i == 0 or x - centers[i - 1] > 2]  # left to right: one x a rank
    for tail, head in laid["edges"]:
        ends = sorted(float(laid["nodes"][name]["pos"].split(",")[0]) for name in (tail, head))
        assert sum(ends[0] + 2 < x < ends[1] - 2 for x in ranks) <= 2, f"{tail} -> {head} crosses the graph"


def test_a_much_used_leaf_is_drawn_once_with_its_values_and_named_in_a_row_of_each_other_use():
    graph = explore(_nest(25), {"x": 2}).graph
    dot = to_dot(graph)
    (accumulate,) = [n for n in graph.nodes if n.name == "AccumulateGrad"]
    users = [node.id for node in graph.nodes if accumulate.id in node.inputs]
    assert len(users) == 2 * 25 + 1  # each level reads x twice, and the innermost sin(x) once
    # one short arrow to the use farthest from the output, beside which x is drawn; no arrow crosses the graph
    assert [a for a, b in _EDGE.findall(dot) if b == accumulate.id] == [users[-1]]
    assert all("input x" in _fields(dot, user) for user in users[:-1])
    assert f'"{accumulate.id}" -> "{accumulate.tensor}"' in dot  # x with its data and grad, drawn once
    grad = format_value(graph.tensor(accumulate.tensor).grad)
    assert _fields(dot, accumulate.tensor) == ["x", "data 2", f"grad {grad}"]


def test_a_leaf_used_a_few_times_keeps_its_arrows():
    dot = to_dot(explore("x**2 + 2*x + x", {"x": 2}).graph)
    assert "input x" not in dot


@pytest.mark.parametrize(("text", "at"), LAID_OUT, ids=[text[:40] for text, _ in LAID_OUT])
def test_the_drawing_has_exactly_the_recorded_tensors_and_autograd_nodes_or_their_folds(text, at):
    # NOTE [layout speed] in explorer/draw/dot.py: each drawn node costs dot time, so saved values and the uses
    # of a busy leaf are rows, never nodes of their own
    graph = explore(text, at).graph
    owner = fold(graph).owner()
    expected = {owner.get(item, item) for item in [t.id for t in graph.tensors] + [n.id for n in graph.nodes]}
    assert sorted(_NODE.findall(to_dot(graph))) == sorted(expected)


def test_the_25_deep_nest_draws_one_node_per_tensor_and_autograd_node_and_short_labels():
    # the layout target: the nest's picture was 303 nodes (a node per saved value and per use of x)
    graph = explore(_nest(25), {"x": 2}).graph
    dot = to_dot(graph)
    assert len(_NODE.findall(dot)) == len(graph.tensors) + len(graph.nodes) <= 160
    rows = [row for node in _NODE.findall(dot) for row in _fields(dot, node)]
    assert max(len(row) for row in rows) <= 60  # a label is shortened in its middle, so a row stays narrow
    assert "sin(sin(sin...)*x + x)*x" in rows  # the outer call and the last operation survive


def test_nodes_are_declared_from_the_output_inwards():
    # NOTE [layout speed]: this order keeps dot's component search shallow (no 8 MB stack, no page faults)
    graph = explore(_nest(5), {"x": 2}).graph
    declared = _NODE.findall(to_dot(graph))
    assert declared[0] == graph.output
    operations = [item for item in declared if re.fullmatch(r"n\d+", item)]
    assert operations == [n.id for n in graph.nodes]  # breadth first from the output's grad_fn


def test_every_node_of_the_drawing_is_styled_as_the_legend_says():
    legend = {(entry.shape, entry.fill) for entry in LEGEND}
    graph = explore("*".join(["x"] * 240), {"x": 1}).graph  # folded, with a much-used x
    for text in (to_dot(graph), to_dot(explore(_nest(5), {"x": 2}).graph), to_dot(explore("log(x)", {"x": 2}).graph)):
        default = re.search(r"^  node \[.*shape=(\w+)", text, re.MULTILINE).group(1)
        for line in text.splitlines():
            if ' [id="' in line:
                shape = re.search(r"shape=(\w+)", line)
                shape = shape.group(1) if shape else default
                fill = re.search(r'fillcolor="([^"]+)"', line).group(1)
                assert ({"record": "box"}.get(shape, shape), fill) in legend, line


def test_the_graph_attributes_keep_the_ranking_that_avoids_dots_quadratic_cleanup():
    # NOTE [layout speed]: without newrank, Graphviz 2.4x's rank phase is quadratic in the edges
    header = to_dot(explore("x", {"x": 1}).graph).splitlines()[1]
    assert "newrank=true" in header and "rankdir=RL" in header


def test_a_folding_passed_in_draws_the_same_as_one_computed_inside():
    graph = explore("*".join(["x"] * 240), {"x": 1}).graph
    assert to_dot(graph, folding=fold(graph)) == to_dot(graph)
    assert '"f0" [' in to_dot(graph) and '"f0" [' not in to_dot(graph, expand=True, folding=fold(graph))


def _live_cases() -> list[tuple[str, torch.Tensor, list[Labeled]]]:
    """Graphs built here with PyTorch itself, every tensor named: (what, output, the named tensors)."""
    cases = []
    x = torch.tensor(2.0, requires_grad=True)
    y = x ** 2
    cases.append(("x ** 2", y, [Labeled(x, "x", "x", "input"), Labeled(y, "y", "x ** 2", "output", (0,))]))
    x = torch.tensor(0.5, requires_grad=True)
    square = x ** 2
    sine = torch.sin(square)
    y = sine * x
    cases.append(("sin(x**2)*x", y, [Labeled(x, "x", "x", "input"), Labeled(square, "x**2", "x**2", "intermediate"),
                                     Labeled(sine, "sin", "sin(x**2)", "intermediate"),
                                     Labeled(y, "y", "sin(x**2)*x", "output")]))
    u, v = torch.tensor(2.0, requires_grad=True), torch.tensor(1.0, requires_grad=True)
    uv = u * v
    squared = uv ** 2
    y = uv + squared
    cases.append(("u*v + (u*v)**2", y, [Labeled(u, "u", "u", "input"), Labeled(v, "v", "v", "input"),
                                        Labeled(uv, "u*v", "u*v", "intermediate"),
                                        Labeled(squared, "(u*v)**2", "(u*v)**2", "intermediate"),
                                        Labeled(y, "y", "f", "output")]))
    x = torch.tensor(1.5, requires_grad=True)
    terms = [x]
    for _ in range(5):  # x used six times: a busy leaf, drawn once and named in a row of each other use
        terms.append(terms[-1] * x)
    cases.append(("x*x*x*x*x*x", terms[-1], [Labeled(x, "x", "x", "input"),
                                             *(Labeled(t, f"x^{i + 2}", "", "intermediate") for i, t in
                                               enumerate(terms[1:-1])), Labeled(terms[-1], "y", "", "output")]))
    x, zero = torch.tensor(0.5, requires_grad=True), torch.tensor(0.0)
    y = torch.where(x < 1, x, zero)
    cases.append(("where(x < 1, x, 0)", y, [Labeled(x, "x", "x", "input"), Labeled(zero, "0", "0", "constant"),
                                            Labeled(y, "y", "where", "output", (0, 1))]))
    return cases


def _pytorch_links(output: torch.Tensor, known: list[Labeled]) -> set[tuple[int, int]]:
    """The oracle: every link PyTorch keeps behind ``output``, pointed as backward follows it, between live
    objects (by ``id``): tensor -> its grad_fn, grad_fn -> each next function (through the named tensor it made),
    AccumulateGrad -> its ``variable``."""
    made = {id(e.tensor.grad_fn): e.tensor for e in known if e.tensor.grad_fn is not None}
    links = {(id(output), id(output.grad_fn))}
    seen, queue = {id(output.grad_fn)}, [output.grad_fn]
    while queue:
        fn = queue.pop()
        variable = getattr(fn, "variable", None)
        if variable is not None:
            links.add((id(fn), id(variable)))
        for nxt, _ in fn.next_functions:
            if nxt is None:
                continue
            through = made.get(id(nxt))
            links |= {(id(fn), id(through)), (id(through), id(nxt))} if through is not None else {(id(fn), id(nxt))}
            if id(nxt) not in seen:
                seen.add(id(nxt))
                queue.append(nxt)
    return links


@pytest.mark.parametrize("case", range(5), ids=["x ** 2", "sin(x**2)*x", "u*v + (u*v)**2", "busy leaf", "where"])
def test_every_arrow_is_a_link_pytorch_keeps_pointed_as_backward_goes_and_every_link_is_drawn(case):
    # NOTE [arrow direction] in explorer/draw/dot.py: the arrows are y.grad_fn, next_functions and
    # AccumulateGrad.variable, never x -> AccumulateGrad (no value goes that way forward)
    _, output, known = _live_cases()[case]
    graph = record(output, known)
    dot = to_dot(graph)
    accumulators = {id(e.tensor): fn for e in known for fn in _reachable(output) if getattr(fn, "variable", 0) is
                    e.tensor}
    live: dict[str, object] = {f"t{i}": e.tensor for i, e in enumerate(known)}
    for node in graph.nodes:
        tensor = known[int(node.tensor[1:])].tensor
        live[node.id] = accumulators[id(tensor)] if node.name == "AccumulateGrad" else tensor.grad_fn
        assert type(live[node.id]).__name__ == node.name
    drawn = set()
    for tail, head, attributes in re.findall(r'^\s*"([^"]+)" -> "([^"]+)"(.*);$', dot, re.MULTILINE):
        if "dir=none" in attributes:  # a line, not an arrow: a constant the step read
            assert graph.tensor(head).role == "constant" and not graph.tensor(head).requires_grad
            continue
        drawn.add((id(live[tail]), id(live[head])))
    for node in graph.nodes:  # a busy leaf's other uses name it in a row instead of an arrow
        if node.name == "AccumulateGrad":
            label = graph.tensor(node.tensor).label
            drawn |= {(id(live[user.id]), id(live[node.id])) for user in graph.nodes
                      if f"input {label}" in _fields(dot, user.id)}
    expected = _pytorch_links(output, known)
    assert drawn - expected == set(), "an arrow PyTorch has no link for"
    assert expected - drawn == set(), "a link PyTorch keeps that is not drawn"


def _reachable(output: torch.Tensor) -> list:
    found, queue = [], [output.grad_fn]
    while queue:
        fn = queue.pop()
        if fn is not None and fn not in found:
            found.append(fn)
            queue.extend(nxt for nxt, _ in fn.next_functions)
    return found


def test_the_legend_sentence_on_the_page_is_the_readmes():
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    assert ARROWS in " ".join(readme.split())
