"""The recorded graph: our own ids, one node per autograd node, saved values kept apart, plain frozen data."""

from __future__ import annotations

import dataclasses
import pickle
from collections import deque

import pytest
import torch

from explorer import Saved, TensorInfo, explore
from explorer.compute.notebook import record_tensor


def _live_bfs_names(output: torch.Tensor) -> list[str]:
    """The oracle for the node order: breadth-first over PyTorch's own next_functions."""
    seen, order, queue = {output.grad_fn}, [], deque([output.grad_fn])
    while queue:
        fn = queue.popleft()
        order.append(type(fn).__name__)
        for nxt, _ in fn.next_functions:
            if nxt is not None and nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return order


@pytest.mark.parametrize(("text", "at", "build"), [
    ("x**2 + 2*x + 1", {"x": 2.0}, lambda x: x**2 + 2 * x + 1),
    ("u * v + u ** 2", {"u": 1.0, "v": 2.0}, lambda u, v: u * v + u**2),
    ("u*v + (u*v)**2", {"u": 2.0, "v": 1.0}, lambda u, v: u * v + (u * v) ** 2),
    ("sin(x) * exp(-x)", {"x": 0.5}, lambda x: torch.sin(x) * torch.exp(-x)),
])
def test_node_ids_are_ours_in_breadth_first_order_from_the_output(text, at, build):
    graph = explore(text, at).graph
    leaves = {name: torch.tensor(value, requires_grad=True) for name, value in at.items()}
    assert [node.name for node in graph.nodes] == _live_bfs_names(build(**leaves))
    assert [node.id for node in graph.nodes] == [f"n{i}" for i in range(len(graph.nodes))]
    assert [tensor.id for tensor in graph.tensors] == [f"t{i}" for i in range(len(graph.tensors))]
    assert graph.root == "n0" and graph.node("n0").tensor == graph.output
    assert graph.tensor(graph.output).node == "n0"


def test_every_input_points_at_a_recorded_node():
    graph = explore("u*v + (u*v)**2", {"u": 2, "v": 1}).graph
    ids = {node.id for node in graph.nodes}
    assert all(source in ids for node in graph.nodes for source in node.inputs if source is not None)


def test_each_leaf_has_its_own_accumulate_grad_node():
    graph = explore("u * v + u ** 2", {"u": 1, "v": 2}).graph
    leaves = [t for t in graph.tensors if t.is_leaf and t.requires_grad]
    accumulators = [n for n in graph.nodes if n.name == "AccumulateGrad"]
    assert sorted(n.tensor for n in accumulators) == sorted(t.id for t in leaves)
    for leaf in leaves:
        assert graph.node(leaf.node).name == "AccumulateGrad"
        assert graph.node(leaf.node).tensor == leaf.id


def test_pow_saves_its_exponent_and_its_input_as_a_record_of_its_own():
    graph = explore("x**2", {"x": 2}).graph
    x = next(t for t in graph.tensors if t.label == "x")
    (pow_node,) = [n for n in graph.nodes if n.name == "PowBackward0"]
    saved = {s.name: s for s in pow_node.saved}
    assert saved["exponent"] == Saved("exponent", False, 2)
    assert saved["self"].is_tensor and saved["self"].same_as == x.id and saved["self"].value == x.data
    # the saved tensor is a Saved record next to the node, not the tensor x itself
    assert isinstance(saved["self"], Saved) and not isinstance(saved["self"], TensorInfo)
    assert x.id not in {n.id for n in graph.nodes}


def test_x_times_x_is_one_mul_node_with_both_inputs_on_the_same_leaf():
    graph = explore("x*x", {"x": 3}).graph
    (mul,) = [n for n in graph.nodes if n.name == "MulBackward0"]
    (accumulate,) = [n for n in graph.nodes if n.name == "AccumulateGrad"]
    assert mul.inputs == (accumulate.id, accumulate.id)
    assert graph.tensor(accumulate.tensor).grad == 6.0


def test_equal_operations_stay_separate_nodes():
    # torchviz's id()-based names can merge distinct nodes (its issues #60 and #69); ours never do
    graph = explore("sin(x) + sin(x)", {"x": 1}).graph
    sines = [n for n in graph.nodes if n.name == "SinBackward0"]
    assert len(sines) == 2 and sines[0].id != sines[1].id
    assert graph.node("n0").inputs == (sines[0].id, sines[1].id)


def test_a_5000_operation_chain_records_without_recursion():
    x = torch.tensor(0.5, requires_grad=True)
    y = x
    for _ in range(5000):
        y = torch.sin(y) * 1.01 + x
    graph = record_tensor(y, {"x": x})
    names = [node.name for node in graph.nodes]
    assert len(names) == 3 * 5000 + 1
    assert (names.count("SinBackward0"), names.count("AccumulateGrad")) == (5000, 1)
    (expected,) = torch.autograd.grad(y, x)
    assert graph.tensor("t0").grad == pytest.approx(expected.item())


@pytest.mark.parametrize(("text", "at"), [("f = x", {"x": 2}), ("3", {})])
def test_a_function_without_grad_fn_is_a_valid_empty_graph(text, at):
    result = explore(text, at)
    assert result.graph.root is None
    assert result.graph.nodes == ()
    assert any("no grad_fn" in note for note in result.notes)
    assert result.graph.tensor(result.graph.output).grad_fn is None


def test_constant_tensors_are_recorded_without_requires_grad():
    graph = explore("where(x < 1, x, 0)", {"x": 0.5}).graph
    condition = next(t for t in graph.tensors if t.text == "x < 1")
    assert (condition.role, condition.requires_grad, condition.grad, condition.data) == ("constant", False, None, True)


def test_recorded_graph_survives_a_pickle_round_trip():
    graph = explore("u*v + (u*v)**2", {"u": 2, "v": 1}).graph
    assert pickle.loads(pickle.dumps(graph)) == graph


def test_recorded_graph_holds_no_live_torch_objects():
    graph = explore("x**2 + sin(x)", {"x": "0:1:5"}).graph
    stack: list = [graph]
    while stack:
        item = stack.pop()
        assert not isinstance(item, torch.Tensor | torch.autograd.graph.Node)
        if dataclasses.is_dataclass(item):
            stack.extend(getattr(item, f.name) for f in dataclasses.fields(item))
        elif isinstance(item, list | tuple):
            stack.extend(item)
