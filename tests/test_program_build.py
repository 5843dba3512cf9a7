"""Program mode's page as the worker builds it: the run, each graph drawn with its player, the views by step."""

from __future__ import annotations

import pytest

from explorer.compute.program_build import build_program, program_view
from explorer.errors import ExpressionError

PROGRAM = """import torch
x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = y + 2 * x
z.backward()
print(x.grad)
"""


def test_a_program_comes_back_run_with_its_graph_drawn_and_the_players_steps():
    page = build_program(PROGRAM)
    assert page.refusal is None and page.run.stdout == "tensor(6.)\n"
    (drawn,) = page.drawn
    assert drawn.line == 5 and drawn.call == "backward"
    assert {"PowBackward0", "MulBackward0", "AddBackward0"} <= {n.name for n in drawn.playback.graph.nodes}
    names = [step.name for step in drawn.playback.steps]
    assert names[0] == "AddBackward0" and names[-1] == "AccumulateGrad"
    assert "x.grad = 6" in drawn.playback.steps[-1].story


def test_a_refused_program_comes_back_with_its_line_and_column_and_nothing_run():
    page = build_program("import torch\nx = torch.ones(2)\nprint(x.__class__)\n")
    assert page.run is None and page.refusal.line == 3 and page.refusal.column > 1


def test_the_forward_graph_grows_step_by_step():
    page = build_program(PROGRAM)
    forward = [s.forward for s in page.run.steps]
    grown = [len(page.run.forward[i].nodes) for i in dict.fromkeys(f for f in forward if f is not None)]
    assert grown == sorted(grown) and grown[0] < grown[-1]  # y's graph, then z's, which holds y's
    view = program_view(page, "forward", forward[2], 0)
    assert "PowBackward0" in view.dot and "MulBackward0" not in view.dot


def test_the_backward_view_shows_grads_only_where_backward_has_reached():
    page = build_program(PROGRAM)
    first = program_view(page, "backward", 0, 1)
    last = program_view(page, "backward", 0, len(page.drawn[0].playback.steps))
    assert first.running and "grad 6" not in first.dot and "grad 6" in last.dot


@pytest.mark.parametrize(("view", "index", "step"), [("forward", 99, 0), ("backward", 0, 99), ("sideways", 0, 1)])
def test_a_view_that_does_not_exist_is_refused(view, index, step):
    with pytest.raises(ExpressionError):
        program_view(build_program(PROGRAM), view, index, step)


def test_a_runs_first_backward_calls_keep_torchviz_drawing_and_the_view_draws_it():
    calls = "".join(f"y = x * {i}\ny.backward()\n" for i in range(5))
    page = build_program("import torch\nx = torch.tensor(2.0, requires_grad=True)\n" + calls)
    assert [g.torchviz_dot is not None for g in page.run.graphs] == [True, True, True, False, False]
    view = program_view(page, "torchviz", 0, 0)
    assert view.dot.startswith("digraph") and "MulBackward0" in view.dot
