"""The notebook entry: a learner's own tensors are recorded without touching their .grad or their graph."""

from __future__ import annotations

import graphviz
import pytest
import torch

from explorer.notebook import draw, record_tensor


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
