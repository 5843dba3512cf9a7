"""Folding big graphs: which steps fold, what the box says, what stays drawn, and that nothing recurses."""

from __future__ import annotations

import random
import re
import sys
from collections import Counter, deque

import pytest
import torch

from explorer import explore
from explorer.compute.notebook import record_tensor
from explorer.content.lessons import LESSONS
from explorer.draw.dot import to_dot
from explorer.draw.folds import KEEP_INPUT_STEPS, KEEP_OUTPUT_STEPS, SHOWN_NODES, fold
from explorer.model.graph import Graph

KEPT = KEEP_OUTPUT_STEPS + KEEP_INPUT_STEPS  # repeated steps drawn at the two ends of a folded run
_EDGE = re.compile(r'^\s*"([^"]+)" -> "([^"]+)"', re.MULTILINE)
_NODE = re.compile(r'^\s*"([^"]+)" \[id=', re.MULTILINE)
_STEP = ("AddBackward0", "MulBackward0", "SinBackward0")  # y = sin(y)*1.01 + x, as backward meets them


def _chain(ops: int) -> Graph:
    """``ops`` autograd ops of y = sin(y)*1.01 + x built through the API, as a notebook would."""
    x = torch.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(ops // 3):
        y = torch.sin(y) * 1.01 + x
    return record_tensor(y, {"x": x})


def _unrepeated(ops: int) -> Graph:
    """A chain of ``ops`` elementwise functions in a shuffled order: nothing repeats for long."""
    chooser = random.Random(0)
    x = torch.tensor(0.3, requires_grad=True)
    y = x
    for _ in range(ops):
        y = chooser.choice((torch.sin, torch.tanh, torch.sigmoid, torch.atan, torch.asinh))(y)
    return record_tensor(y, {"x": x})


def _reaches(edges: list[tuple[str, str]], start: str, goal: str) -> bool:
    following: dict[str, list[str]] = {}
    for tail, head in edges:
        following.setdefault(tail, []).append(head)
    seen, queue = {start}, deque([start])
    while queue:
        here = queue.popleft()
        if here == goal:
            return True
        for nxt in following.get(here, ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return False


@pytest.mark.parametrize("text", [lesson.function for lesson in LESSONS] + [
    "+".join(["where(x<1,x,0)"] * 40),
    "sin(" * 50 + "x" + ")" * 50,
])
def test_the_labs_graphs_and_mid_sized_functions_are_drawn_whole(text):
    graph = explore(text, {"x": 0.5, "u": 1, "v": 2}).graph
    assert fold(graph).folds == ()
    assert set(_NODE.findall(to_dot(graph))) >= {t.id for t in graph.tensors} | {n.id for n in graph.nodes}


def test_the_benchmarks_50_step_chain_and_25_deep_nest_are_drawn_whole():
    chain, nest = "x", "x"
    for _ in range(50):
        chain = f"sin({chain})*1.01 + x"
    for _ in range(25):
        nest = f"sin({nest})*x + x"
    assert fold(explore(chain, {"x": 2}).graph).folds == fold(explore(nest, {"x": 2}).graph).folds == ()


def test_a_1000_op_chain_folds_its_middle_steps_into_one_box_that_says_how_many():
    graph = _chain(1000)
    steps = Counter(n.name for n in graph.nodes)["SinBackward0"]
    (folded,) = fold(graph).folds
    assert folded.text == f"… {steps - KEPT:,} more steps of {' → '.join(_STEP)} …"
    assert Counter(n.name for n in graph.nodes if n.id in folded.nodes) == {name: steps - KEPT for name in _STEP}
    dot = to_dot(graph)
    declared = set(_NODE.findall(dot))
    assert folded.id in declared and not declared & {*folded.nodes, *folded.tensors}
    leaf = graph.tensor(next(t.id for t in graph.tensors if t.label == "x"))
    assert {graph.output, graph.root, leaf.id, leaf.node} <= declared  # the output end and the leaf stay
    assert len(declared) < 60


def test_a_folded_drawing_still_connects_the_output_through_the_box_to_the_leaf():
    graph = _chain(1000)
    edges = [(tail.split(".u")[0], head) for tail, head in _EDGE.findall(to_dot(graph))]  # a copy is its leaf
    folded = fold(graph).folds[0].id
    leaf = next(n.id for n in graph.nodes if n.name == "AccumulateGrad")
    assert _reaches(edges, graph.output, folded) and _reaches(edges, folded, leaf)


def test_expand_draws_every_node_of_a_big_graph():
    graph = _chain(1000)
    declared = set(_NODE.findall(to_dot(graph, expand=True)))
    assert {t.id for t in graph.tensors} | {n.id for n in graph.nodes} <= declared
    assert not any(item.startswith("f") for item in declared)


def test_the_backward_players_partial_views_fold_the_same_way():
    graph = _chain(1000)
    assert _NODE.findall(to_dot(graph, show_grads={graph.output})) == _NODE.findall(to_dot(graph))


def test_a_long_typed_sum_names_what_each_folded_term_computes():
    graph = explore("+".join(["exp(-x**2)"] * 80), {"x": 0.5}).graph
    adds = Counter(n.name for n in graph.nodes)["AddBackward0"]
    (folded,) = fold(graph).folds
    assert folded.text == f"… {adds - KEPT} more steps of AddBackward0, each beside ExpBackward0, NegBackward0, " \
                          "PowBackward0 …"
    assert len(folded.nodes) == 4 * (adds - KEPT)


def test_every_variable_stays_drawn_when_a_typed_product_folds():
    graph = explore("*".join(["u", "v", "w", "x", "y", "z"] * 41), dict.fromkeys("uvwxyz", 1.1)).graph
    assert fold(graph).folds
    declared = set(_NODE.findall(to_dot(graph)))
    leaves = [t for t in graph.tensors if t.role == "input"]
    assert len(leaves) == 6 and all({t.id, t.node} <= declared for t in leaves)


def test_a_graph_without_repeats_folds_the_part_far_from_the_output():
    graph = _unrepeated(3000)
    folding = fold(graph)
    assert folding.folds and "further from the output" in folding.folds[-1].text
    hidden = {n for f in folding.folds for n in f.nodes}
    assert graph.root not in hidden and len(hidden) > 2500
    leaves = sum(n.name == "AccumulateGrad" for n in graph.nodes)  # kept beyond the limit: x and its tensor
    assert len(_NODE.findall(to_dot(graph))) <= SHOWN_NODES + 2 * leaves + len(folding.folds)


def test_5000_ops_fold_with_walks_that_never_recurse():
    graph = _chain(5000)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(150)  # a recursive walk of 5,000 nodes would need thousands of frames
    try:
        folding = fold(graph)
        dot = to_dot(graph)
    finally:
        sys.setrecursionlimit(limit)
    assert sum(len(f.nodes) for f in folding.folds) > 4900
    assert len(_NODE.findall(dot)) < 60


def test_the_note_tells_the_page_what_was_collapsed():
    folding = fold(_chain(1000))
    hidden = sum(len(f.nodes) for f in folding.folds)
    assert folding.note.startswith(f"Collapsed {hidden:,} autograd nodes into 1 summary box")
    assert folding.folds[0].text.strip("… ") in folding.note
    assert fold(explore("x * x", {"x": 1}).graph).note == ""
