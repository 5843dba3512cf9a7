"""The backward playback: PyTorch's own order and numbers, step by step."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
import torch

from explorer.compute.explore import play


def _nodes(output: torch.Tensor) -> Iterator[Any]:
    """Every autograd node below ``output``, each once, walked with an explicit stack, independently of explorer."""
    stack, seen = [output.grad_fn], set()
    while stack:
        fn = stack.pop()
        if fn is None or fn in seen:
            continue
        seen.add(fn)
        yield fn
        stack.extend(nxt for nxt, _ in fn.next_functions)


def _engine_order(build) -> list[str]:
    """The grad_fn names in the order PyTorch runs them, hooked independently of explorer."""
    order: list[str] = []
    output = build()
    for fn in _nodes(output):
        name = type(fn).__name__
        if name == "AccumulateGrad":
            fn.register_prehook(lambda grads, name=name: order.append(name))
        else:
            fn.register_hook(lambda inputs, outputs, name=name: order.append(name))
    output.backward()
    return order


def test_polynomial_steps_follow_the_engine_and_end_with_x_grad_six_as_four_plus_two():
    playback = play("y = x**2 + 2*x + 1", {"x": 2})

    def build():
        x = torch.tensor(2.0, requires_grad=True)
        return x**2 + 2 * x + 1

    assert [s.name for s in playback.steps] == _engine_order(build)
    last = playback.steps[-1]
    assert last.name == "AccumulateGrad" and last.leaf == "x"
    assert sorted(a.value for a in last.arrivals) == [2.0, 4.0]
    assert last.upstream == 6.0 and last.grad_after == 6.0
    assert "2 + 4 = 6" in last.story


def test_each_step_sends_upstream_times_local_derivative():
    playback = play("y = x**2 + 2*x + 1", {"x": 2})
    power = next(s for s in playback.steps if s.name == "PowBackward0")
    (sent,) = [item for item in power.sent if item.target is not None]
    assert power.upstream == 1.0 and sent.local == 4.0 and sent.value == 4.0  # d(x^2)/dx = 2x = 4
    assert "p·a^(p−1)" in power.story


def test_partial_derivatives_arrive_at_each_leaf():
    playback = play("f = u*v + u**2", {"u": 1, "v": 2})
    grads = {s.leaf: s.grad_after for s in playback.steps if s.name == "AccumulateGrad"}
    assert grads == {"u": 4.0, "v": 1.0}


def test_the_first_step_starts_from_one():
    first = play("y = x**3", {"x": 2}).steps[0]
    assert first.upstream == 1.0 and first.arrivals == () and "backward starts here" in first.story


def test_every_step_names_a_node_of_the_recorded_graph_once():
    playback = play("f = u*v + (u*v)**2", {"u": 2, "v": 1})
    ids = [s.node for s in playback.steps]
    assert len(ids) == len(set(ids)) == len(playback.graph.nodes)
    assert set(ids) == {n.id for n in playback.graph.nodes}


def test_arrivals_add_up_to_what_the_node_received():
    for step in play("y = x*x + sin(x)*x", {"x": 0.7}).steps:
        if step.arrivals:
            assert math.isclose(sum(a.value for a in step.arrivals), step.upstream, rel_tol=1e-6)


def test_lab_sq_visibly_drops_the_upstream_gradient():
    steps = play("3*SQ(x)", {"x": 2}).steps
    sq = next(s for s in steps if s.name == "SQBackward")
    assert sq.upstream == 3.0 and sq.sent[0].value == 4.0  # 3 arrived, 2·x = 4 left: the 3 is lost
    assert "threw it away" in sq.story
    fixed = next(s for s in play("3*SQFixed(x)", {"x": 2}).steps if s.name == "SQFixedBackward")
    assert fixed.sent[0].value == 12.0


def test_relu_at_zero_sends_zero_by_pytorchs_convention():
    relu = next(s for s in play("torch.relu(x)", {"x": 0}).steps if s.name == "ReluBackward0")
    assert relu.sent[0].value == 0.0


def test_sum_trick_over_a_range_gives_vector_gradients():
    steps = play("x ** 2", {"x": "-10:10:10"}).steps
    assert steps[0].name == "SumBackward0" and steps[0].upstream == 1.0
    expected = (2 * torch.linspace(-10, 10, 10)).tolist()
    assert steps[-1].grad_after == pytest.approx(expected)


def test_a_function_without_grad_fn_has_no_steps():
    assert play("f = x", {"x": 1}).steps == ()


def _known_after_each_node(build) -> list[set[str]]:
    """PyTorch's own answer to "whose grad is computed after k nodes have run": each named tensor's hook fires
    when its grad is computed, each node's post-hook when the node has run."""
    events: list[tuple[str, str]] = []
    output, named = build()
    for name, tensor in named.items():
        tensor.register_hook(lambda grad, name=name: events.append(("grad", name)))
    for fn in _nodes(output):
        fn.register_hook(lambda inputs, outputs: events.append(("ran", "")))
    output.backward()
    known, after = set(), []
    for kind, name in events:
        if kind == "grad":
            known.add(name)
        else:
            after.append(set(known))
    return after


@pytest.mark.parametrize(("text", "at"), [("y = x ** 2 + 2 * x + 1", {"x": 2}),
                                          ("f = u * v + u ** 2", {"u": 1, "v": 2})])
def test_what_is_known_at_each_step_is_what_pytorch_has_computed_by_then(text, at):
    """The player's "what is known" (every panel shows a grad only where it says) against PyTorch's own hooks."""
    from explorer.model.playback import known_at

    playback = play(text, at)
    labels = {t.id: t.label for t in playback.graph.tensors}

    def torch_build():
        leaves = {v: torch.tensor(float(p), requires_grad=True) for v, p in at.items()}
        if "u" in leaves:
            u, v = leaves["u"], leaves["v"]
            uv, uu = u * v, u ** 2
            output = uv + uu
            return output, {"u": u, "v": v, "u * v": uv, "u ** 2": uu, "f": output}
        x = leaves["x"]
        square, double = x ** 2, 2 * x
        partial = square + double
        output = partial + 1
        return output, {"x": x, "x ** 2": square, "2 * x": double, "x ** 2 + 2 * x": partial, "y": output}

    expected = _known_after_each_node(torch_build)
    assert len(expected) == len(playback.steps)
    for step, computed in enumerate(expected, start=1):
        known = known_at(playback, step)
        assert {labels[t] for t in known.tensors} == computed, f"step {step}"
    assert known_at(playback, 0).everything
    assert not any(known_at(playback, 3, hidden=True).grad(t) for t in labels)
