"""The notebook entry: a learner's own tensors are recorded without touching their .grad or their graph."""

from __future__ import annotations

import graphviz
import pytest
import torch

from explorer.compute.notebook import draw, record_tensor


@pytest.fixture
def linear_loss():
    """A small model's loss, as a learner would build it: (Linear(3, 2)(inputs) ** 2).mean()."""
    torch.manual_seed(0)
    model = torch.nn.Linear(3, 2)
    inputs = torch.randn(4, 3)
    return model, (model(inputs) ** 2).mean()


def test_parameters_are_named_and_get_pytorchs_grads(linear_loss):
    model, loss = linear_loss
    params = dict(model.named_parameters())
    expected = dict(zip(params, torch.autograd.grad(loss, list(params.values()), retain_graph=True), strict=True))
    graph = record_tensor(loss, params)
    recorded = {t.label: t for t in graph.tensors}
    for name, param in params.items():
        assert (recorded[name].role, recorded[name].is_leaf, recorded[name].shape) == ("input", True,
                                                                                      tuple(param.shape))
        assert torch.allclose(torch.tensor(recorded[name].grad), expected[name])
    assert graph.tensor(graph.output).grad_fn == "MeanBackward0"
    accumulated = {n.tensor for n in graph.nodes if n.name == "AccumulateGrad"}
    assert {recorded["weight"].id, recorded["bias"].id} == accumulated


def test_recording_leaves_the_learners_grads_and_graph_untouched(linear_loss):
    model, loss = linear_loss
    model.bias.grad = torch.ones(2)  # a grad the learner already had
    record_tensor(loss, dict(model.named_parameters()))
    assert model.weight.grad is None
    assert torch.equal(model.bias.grad, torch.ones(2))
    loss.backward()  # the graph was kept: backward still works afterwards
    assert model.weight.grad is not None


def test_record_tensor_without_names_still_finds_the_leaves():
    x = torch.tensor(2.0, requires_grad=True)
    graph = record_tensor(x**2)
    leaves = [t for t in graph.tensors if t.is_leaf and t.requires_grad]
    assert [(t.data, t.grad) for t in leaves] == [(2.0, 4.0)]


def test_record_tensor_refuses_what_is_not_a_tensor():
    with pytest.raises(TypeError):
        record_tensor(4.0)


def test_draw_gives_a_graphviz_source_jupyter_can_show(linear_loss):
    model, loss = linear_loss
    drawn = draw(loss, dict(model.named_parameters()))
    assert isinstance(drawn, graphviz.Source)
    assert "AccumulateGrad" in drawn.source and "weight" in drawn.source
    assert model.weight.grad is None


def _long_chain(ops: int) -> tuple[torch.Tensor, torch.Tensor]:
    x = torch.tensor(2.0, requires_grad=True)
    y = x
    for _ in range(ops // 3):
        y = torch.sin(y) * 1.01 + x
    return x, y


def test_draw_folds_a_1000_op_chain_into_a_box_that_says_what_it_stands_for(dot_program, svg_ids):
    x, y = _long_chain(1000)
    drawn = draw(y, {"x": x})
    steps = 1000 // 3  # three ops a step; 3 steps stay drawn at the output end and 2 at x
    # the steps in the order backward meets them, as the arrows run
    assert f"… {steps - 5} more steps of AddBackward0 → MulBackward0 → SinBackward0 …" in drawn.source
    assert drawn.source.count(' [id="') < 60
    assert {"f0", "t0"} <= svg_ids(drawn.pipe(format="svg").decode())  # the box and the leaf x, laid out
    assert x.grad is None


def test_draw_expand_draws_every_node():
    x, y = _long_chain(300)
    graph = record_tensor(y, {"x": x})
    source = draw(y, {"x": x}, expand=True).source
    assert "more steps" not in source
    assert all(f'"{n.id}" [id=' in source for n in graph.nodes)


def test_draw_a_5000_op_chain_without_recursion(dot_program):
    x, y = _long_chain(5000)
    drawn = draw(y, {"x": x})
    assert "more steps of" in drawn.source and "<svg" in drawn.pipe(format="svg").decode()
