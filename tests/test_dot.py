"""The DOT text of the explorer view: real Graphviz reads it, every node keeps our id, every label is escaped."""

from __future__ import annotations

import re

import pytest
import torch

from explorer import explore
from explorer.dot import format_value, to_dot, to_text
from explorer.notebook import record_tensor
from explorer.render import svg

_EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"', re.MULTILINE)

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
    saved = {f"{n.id}.s{i}" for n in graph.nodes for i, s in enumerate(n.saved) if s.value is not None}
    assert {t.id for t in graph.tensors} | {n.id for n in graph.nodes} | saved == drawn


def test_arrows_run_forward_from_leaf_through_its_accumulate_grad_to_the_output():
    dot = to_dot(explore("x ** 2", {"x": 2}).graph)
    # t0 = x, n1 = its AccumulateGrad, n0 = PowBackward0, t1 = y; n0.s0/s1 its saved exponent and self
    assert set(_EDGE.findall(dot)) == {("t0", "n1"), ("n1", "n0"), ("n0", "t1"), ("n0.s0", "n0"), ("n0.s1", "n0")}


def test_saved_tensor_is_its_own_node_labeled_with_its_origin():
    dot = to_dot(explore("x ** 2", {"x": 2}).graph)
    (line,) = [line for line in dot.splitlines() if line.lstrip().startswith('"n0.s1" [')]
    assert "shape=note" in line and "saved self (= x)" in line
    assert "exponent = 2" in dot


def test_a_comparison_in_a_label_is_escaped_and_dot_still_reads_it(dot_program):
    dot = to_dot(explore("where(x < 1, x, 0)", {"x": 0.5}).graph)
    assert "x &lt; 1" in dot
    assert "x < 1" not in dot
    assert "x &lt; 1" in svg(dot)  # Graphviz turns the entity back into '<', which SVG writes as &lt;


def test_markup_characters_in_a_name_never_reach_dot_raw(dot_program, svg_ids):
    weight = torch.tensor(2.0, requires_grad=True)
    name = 'w<b>&"\\'
    graph = record_tensor(weight * 3, {name: weight})
    dot = to_dot(graph)
    assert name not in dot
    assert "w&lt;b&gt;&amp;&quot;&#92;" in dot
    assert {t.id for t in graph.tensors} <= svg_ids(svg(dot))


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
