"""Program mode's interpreter (explorer/compute/interpreter.py), with CPython as the oracle.

Programs drawn at random from program mode's grammar run in program mode and in CPython (the session's
``program_oracle.Oracle``, a subprocess of the tests: tests may run text as code, the app never does), and
must agree; the lab's cells and the courses' programs are the files in ``tests/programs`` (held to the same
oracle by ``test_program_oracle.py``), used here for what a run records.
"""

from __future__ import annotations

import json
import math
import random
import subprocess
import sys

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from program_oracle import differences, sources

from explorer import run_program
from explorer.compute.interpreter import _FIRST, _LAST
from explorer.compute.program_steps import tensor_text
from explorer.language.program import Limits, ProgramRefused
from explorer.model.program_run import to_json
from explorer.serve import plain

# -- the programs: small ones drawn from program mode's grammar ------------------------------------------------
# The lab's cells, the tutorials and the courses' programs are the files in tests/programs, held to the same
# oracle by test_program_oracle.py; this module checks programs drawn at random, with what a run records.


def _random_programs(seed: int, count: int) -> dict[str, str]:
    """Small programs drawn from program mode's grammar: names, tensors, calls, loops, try, f-strings, backward."""
    draw = random.Random(seed)
    names = ["a", "b", "c", "v", "w"]

    def atom(depth: int) -> str:
        forms = [
            lambda: draw.choice(names), lambda: str(draw.randint(-3, 5)),
            lambda: f"torch.arange({draw.randint(1, 4)}.0, requires_grad={draw.choice(['True', 'False'])})",
            lambda: f"[{', '.join(str(draw.randint(0, 5)) for _ in range(draw.randint(0, 4)))}]",
            lambda: f"f({expression(depth + 1)})", lambda: f"g({expression(depth + 1)}, k={expression(depth + 1)})",
            lambda: f"[q * 2 for q in range({draw.randint(0, 4)}) if q != {draw.randint(0, 3)}]",
            lambda: f"{draw.choice(names)}[{draw.choice(['0', '-1', '1:', '::2', ':1'])}]",
            lambda: f"len({expression(depth + 1)})",
            lambda: f"{draw.choice(names)}.{draw.choice(['sum()', 'shape', 'tolist()', 'item()', 'T', 'grad'])}",
        ]
        return draw.choice(forms[:2] if depth > 2 else forms)()

    def expression(depth: int = 0) -> str:
        if depth > 2 or draw.random() < 0.45:
            return atom(depth)
        op = draw.choice(["+", "-", "*", "/", "@", "<", "==", "and", "or", "in"])
        return f"({expression(depth + 1)} {op} {expression(depth + 1)})"

    def statement(depth: int = 0, indent: str = "") -> str:
        body = lambda: "".join(statement(depth + 1, indent + "    ") for _ in range(draw.randint(1, 2)))  # noqa: E731
        name = draw.choice(names)
        forms = [
            lambda: f"{indent}{name} = {expression()}\n",
            lambda: f"{indent}{name}, {draw.choice(names)} = {expression()}, {expression()}\n",
            lambda: f"{indent}print({expression()}, {name!r}, sep={draw.choice(['None', repr(':')])})\n",
            lambda: f"{indent}print(f'{{{expression()}}}|{{{name}!r:>5}}', '%s' % ({expression()},))\n",
            lambda: (f"{indent}if isinstance({name}, torch.Tensor) and {name}.requires_grad and {name}.numel() == 1:\n"
                     f"{indent}    {name}.backward()\n"),
            lambda: f"{indent}with torch.no_grad():\n{indent}    {name} = {expression()}\n",
            lambda: f"{indent}for j, e in enumerate({expression()}):\n{body()}",
            lambda: f"{indent}k = 0\n{indent}while k < {draw.randint(0, 3)}:\n{indent}    k += 1\n{body()}",
            lambda: (f"{indent}try:\n{body()}{indent}except (TypeError, RuntimeError, ValueError) as err:\n"
                     f"{indent}    print('error', str(err)[:20])\n"),
        ]
        return draw.choice(forms[:6] if depth > 1 else forms)()

    head = ("import torch\ndef f(x, y=2):\n    return x * y\ndef g(x, k=1, *rest):\n    s = x\n    for r in rest:\n"
            "        s = s + r\n    return s - k\n")
    return {f"random program {seed}.{i}": head + "".join(f"{n} = {draw.randint(1, 3)}\n" for n in names)
            + "".join(statement() for _ in range(draw.randint(2, 9))) for i in range(count)}


RANDOM = _random_programs(seed=14, count=40)


@pytest.mark.parametrize("name", RANDOM)
def test_a_random_program_prints_and_leaves_what_cpython_does(name, oracle):
    assert differences(oracle.run(RANDOM[name]), run_program(RANDOM[name])) == []


def _fixture(name: str) -> str:
    return sources()[name]


def _line(source: str, text: str) -> int:
    """The number of the first line of ``source`` that is ``text`` once stripped."""
    return next(n for n, line in enumerate(source.splitlines(), 1) if line.strip() == text)



# -- what a run records -----------------------------------------------------------------------------------


def test_each_backward_call_records_the_graph_with_the_gradients_it_made():
    source = _fixture("lab_attributes")
    run = run_program(source)
    (recorded,) = run.graphs
    graph = recorded.graph
    assert (recorded.line, recorded.call) == (_line(source, "y.backward()"), "backward")
    assert [node.name for node in graph.nodes] == ["PowBackward0", "AccumulateGrad"]
    x = next(t for t in graph.tensors if t.label == "x")
    assert (x.data, x.grad, x.is_leaf) == (2.0, 4.0, True)
    assert [s.name for s in graph.node(graph.root).saved] == ["exponent", "self"]


def test_the_custom_function_runs_through_pytorchs_engine_and_its_graph_names_it():
    source = _fixture("lab_custom-function")
    run = run_program(source)
    assert [node.name for node in run.graphs[0].graph.nodes] == ["SQBackward", "AccumulateGrad"]
    assert run.shown == "tensor(4.)"  # the cell's last line, x.grad, as the notebook shows it
    backward_steps = [s for s in run.steps if s.scope == "backward"]  # the three lines of SQ.backward's body
    first = _line(source, "i, = ctx.saved_tensors")
    assert [s.line for s in backward_steps] == [first, first + 1, first + 2]


def test_autograd_grad_records_the_gradients_it_returns():
    run = run_program("import torch\nx = torch.tensor(3.0, requires_grad=True)\ny = x ** 3\n"
                      "(g,) = torch.autograd.grad(y, x)\n")
    graph = run.graphs[0].graph
    assert run.graphs[0].call == "autograd.grad"
    assert next(t for t in graph.tensors if t.label == "x").grad == 27.0


def test_the_forward_graph_grows_step_by_step():
    run = run_program("import torch\nx = torch.tensor(2.0, requires_grad=True)\ny = x ** 2\nz = y * 3 + 1\n"
                      "z.backward()\n")
    grown = {s.line: [n.name for n in run.forward[s.forward].nodes] for s in run.steps if s.forward is not None}
    assert grown == {3: ["PowBackward0", "AccumulateGrad"],
                     4: ["AddBackward0", "MulBackward0", "PowBackward0", "AccumulateGrad"]}
    assert next(s for s in run.steps if s.line == 5).graph == 0


def test_a_backward_call_past_the_graphs_bound_still_runs_and_is_counted():
    source = "import torch\nx = torch.ones(1, requires_grad=True)\nfor i in range(5):\n    (x * 2).backward()\n"
    run = run_program(source, limits=Limits(graphs=2))
    assert len(run.graphs) == 2 and run.graphs_skipped == 3
    assert run.tensors[0].grad == [10.0]


def test_a_long_loop_keeps_its_first_and_last_iterations_and_counts_the_rest():
    run = run_program("total = 0\nfor i in range(100):\n    total += i\nprint(total)\n")
    loop_steps = [s for s in run.steps if s.line == 3]
    skipped = [s for s in run.steps if s.kind == "skipped"]
    assert len(loop_steps) == _FIRST + _LAST
    assert [s.skipped for s in skipped] == [100 - _FIRST - _LAST]
    assert dict(loop_steps[-1].bound) == {"total": "4950"}
    assert run.stdout == "4950\n"


def test_a_while_loop_keeps_its_last_iteration_too():
    run = run_program("n = 0\nwhile n < 10:\n    n += 1\n")
    assert [dict(s.bound) for s in run.steps if s.line == 3] == [{"n": "1"}, {"n": "2"}, {"n": "10"}]
    assert [s.skipped for s in run.steps if s.kind == "skipped"] == [7]


def test_steps_carry_what_was_printed_so_far_and_the_graph_index():
    source = _fixture("lab_polynomial")
    run = run_program(source)
    backward = next(s for s in run.steps if s.line == _line(source, "y.backward()"))
    assert backward.graph == 0
    assert run.stdout[:backward.stdout].endswith("grad_fn=<AddBackward0>)\n")


def test_a_plot_is_recorded_as_data_for_a_figure():
    run = run_program(_fixture("lab_sum-trick"))
    assert [p.name for p in run.plots] == ["plot", "plot", "xlabel", "legend", "show"]
    first = run.plots[0]
    assert len(first.args[0]) == 10 and dict(first.kwargs) == {"label": "function"}


def test_a_tensor_named_twice_says_so():
    run = run_program("import torch\na = torch.ones(2)\nb = a\nc = a.clone()\n")
    assert {row.name: row.same_as for row in run.tensors} == {"a": None, "b": "a", "c": None}


def test_a_run_crosses_processes_as_plain_json():
    run = run_program(_fixture("lab_custom-function"))
    assert plain.loads(plain.dumps(run)) == run
    assert json.loads(json.dumps(to_json(run)))["tensors"]["x"]["grad"] == 4.0


def test_pytorchs_global_state_is_put_back_after_a_run():
    run = run_program("import torch\ntorch.set_grad_enabled(False)\nx = torch.ones(1, requires_grad=True) * 2\n")
    assert run.error is None and torch.is_grad_enabled()


def test_every_run_starts_from_the_same_seed():
    source = "import torch\nprint(torch.randn(3))\n"
    assert run_program(source).stdout == run_program(source).stdout


def test_dtype_sets_the_default_for_the_run_only():
    run = run_program("import torch\nx = torch.tensor(1.0)\n", dtype="float64")
    assert run.tensors[0].dtype == "torch.float64" and torch.get_default_dtype() == torch.float32


# -- bounds: each refused with the line it was passed on ---------------------------------------------------

SMALL = Limits(steps=5_000, iterations=1_000, depth=20, elements=10_000, items=10_000, string=10_000,
               output=1_000)


@pytest.mark.parametrize(("source", "line", "words"), [
    ("x = 0\nwhile True:\n    x += 1\n", 2, "iterations"),
    ("x = 0\nfor i in range(999):\n    for j in range(999):\n        x += 1\n", 3, "steps"),
    ("for i in range(10**9):\n    pass\n", 1, "loop of 1,000,000,000"),
    ("def f(n):\n    return f(n + 1)\nf(0)\n", 2, "nest more than 20"),
    ("import torch\nx = torch.ones(10**9)\n", 2, "torch.ones would make 1,000,000,000"),
    ("import torch\nx = torch.ones(1000)\ny = x[:, None] * x[None, :]\n", 3, "broadcasting"),
    ("s = 'ab' * 10**9\n", 1, "repeating"),
    ("import torch\nn = torch.tensor([10**6])[0]\ns = 'ab' * n\n", 3, "repeating"),  # Python repeats by __index__
    ("import torch\nn = torch.tensor([10**6])[0]\nxs = n * [0]\n", 3, "repeating"),
    ("n = 10 ** 10 ** 10\n", 1, "more digits"),
    ("xs = list(range(10**9))\n", 1, "items"),
    ("s = '{:>99999}'.format(1)\n", 1, ""),
    ("for i in range(500):\n    print('0123456789')\n", 2, "printed more than 1,000"),
    ("import torch\nx = torch.cat([torch.ones(5000)] * 5)\n", 2, "torch.cat would make 25,000"),
])
def test_a_bound_stops_the_program_with_the_line_it_was_passed_on(source, line, words):
    run = run_program(source, limits=SMALL)
    assert run.error is not None and run.error.line == line
    assert words in run.error.message
    assert run.error.type in ("LimitExceeded", "ValueError")


def test_a_program_cannot_catch_a_bound():
    run = run_program("try:\n    while True:\n        pass\nexcept Exception:\n    print('caught')\n", limits=SMALL)
    assert run.error.type == "LimitExceeded" and run.stdout == ""


# -- what stays out of reach at run time ------------------------------------------------------------------


@pytest.mark.parametrize(("source", "kind"), [
    ("import torch\nx = torch.ones(2)\ns = '{0.data}'.format(x)\n", "ValueError"),  # attribute through a format
    ("import torch\nx = torch.ones(2)\ns = '{0[0]}'.format([x])\n", "ValueError"),  # index through a format
    ("import torch\nx = torch.ones(1)\ns = f'{x.item():{chr(123)}0.__class__}'\n", "ValueError"),
    ("import torch\nn = torch.nn.Linear(1, 1)\nn.parameters = 1\n", "AttributeError"),
    ("xs = [1]\nxs.append.count = 1\n", "AttributeError"),
    ("import torch\nf = torch.ones(1).grad_fn\nx = (1).real.name\n", "AttributeError"),
    ("import torch\nwith open('x'):\n    pass\n", None),
])
def test_what_the_allow_list_leaves_out_stays_out_at_run_time(source, kind):
    try:
        run = run_program(source)
    except ProgramRefused:
        assert kind is None
        return
    assert run.error is not None and run.error.type == kind


def test_a_modules_parameters_are_named_in_the_graph_as_the_program_writes_them():
    run = run_program(_fixture("examples_polynomial_module.py"))
    labels = {t.label for t in run.graphs[0].graph.tensors}
    assert {"model.a", "model.b", "model.c", "model.d", "x", "y", "y_pred", "loss"} <= labels


def test_a_programs_module_cannot_replace_nn_modules_own_methods():
    source = ("import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
              "        self.parameters = 1\nm = M()\n")
    run = run_program(source)
    assert run.error.type == "AttributeError" and run.error.line == 5


def test_a_with_block_takes_only_pytorchs_context_managers():
    run = run_program("import torch\nwith torch.ones(1):\n    pass\n")
    assert run.error.type == "TypeError" and "torch.no_grad()" in run.error.message


@pytest.mark.parametrize(("source", "words"), [
    ("import torch\na = torch.ones(5000, 1)\nb = torch.ones(1, 5000)\nc = a @ b\n", "@ would make 25,000,000"),
    ("import torch\na = torch.ones(5000, 1)\nc = torch.add(a, a.t())\n", "broadcasting shapes"),
    ("import torch\nv = torch.ones(5000)\nd = torch.diag(v)\n", "torch.diag would make"),
    ("import torch\nv = torch.ones(5000)\nd = torch.einsum('i,j->ij', v, v)\n", "torch.einsum would make"),
    ("import torch\nimport torch.nn.functional as F\nd = F.one_hot(torch.arange(5000), 5000)\n", "one_hot"),
    ("import torch\nv = torch.ones(5000, 1)\nd = v.mm(v.t())\n", "Tensor.mm would make"),
    ("s = 'x'.ljust(10**9)\n", "str.ljust would make"),
    ("xs = []\nxs.extend(range(10**9))\n", "list.extend would make"),
    ("a = [0] * 1000\nb = [a] * 1000\nimport torch\nt = torch.tensor([b] * 1000)\n", "torch.tensor would make"),
])
def test_a_call_that_would_allocate_past_the_bound_is_refused_before_it_runs(source, words):
    run = run_program(source, limits=Limits(elements=100_000))
    assert run.error is not None and run.error.type == "LimitExceeded", run.error
    assert words in run.error.message


def test_a_warning_is_kept_with_its_line_as_a_notebook_shows_it():
    run = run_program("import torch\nimport torch.nn.functional as F\nx = torch.ones(3)\n"
                      "loss = F.mse_loss(x, torch.ones(3, 1))\n")
    assert run.error is None
    (warning,) = run.warnings
    assert (warning.line, warning.type) == (4, "UserWarning") and "target size" in warning.message


@pytest.mark.parametrize("decorator", ["@torch.no_grad()", "@torch.no_grad", "@torch.inference_mode()"])
def test_a_def_decorated_with_a_grad_mode_runs_in_it(decorator):
    run = run_program(f"import torch\n{decorator}\ndef f(t):\n    return t * 2\n"
                      "y = f(torch.ones(1, requires_grad=True))\nprint(y.requires_grad)\n")
    assert run.stdout == "False\n"


def test_autograd_functions_take_their_arguments_by_keyword():
    run = run_program("import torch\nx = torch.tensor(2.0, requires_grad=True)\n"
                      "g = torch.autograd.grad(outputs=x ** 2, inputs=x)\n"
                      "torch.autograd.backward(tensors=x ** 3)\nprint(g, x.grad)\n")
    assert run.stdout == "(tensor(4.),) tensor(12.)\n"
    assert [g.call for g in run.graphs] == ["autograd.grad", "autograd.backward"]


def test_reading_a_non_leafs_grad_gives_none_and_pytorchs_warning_as_a_notebook_shows():
    source = _fixture("lab_attributes")
    run = run_program(source)
    assert "grad: None\n" in run.stdout
    assert [(w.line, w.type) for w in run.warnings] == [(_line(source, "print('grad:',y.grad)"), "UserWarning")]
    assert ".grad attribute of a Tensor that is not a leaf" in run.warnings[0].message


def test_recorded_values_are_bounded_across_graphs_and_the_table():
    source = ("import torch\nx = torch.ones(400, requires_grad=True)\nfor i in range(4):\n    y = (x * i).sum()\n"
              "    y.backward()\nz = torch.ones(600)\n")
    run = run_program(source, limits=Limits(recorded_values=2_000))
    assert len(run.graphs) + run.graphs_skipped == 4 and run.graphs_skipped >= 2
    assert {row.name: row.kept for row in run.tensors}["z"] is False
    assert {row.name: row.data for row in run.tensors}["z"] is None


@pytest.mark.parametrize(("source", "words"), [
    ("import torch\nl = torch.nn.Linear(10**4, 10**4)\n", "torch.nn.Linear would make"),
    ("import torch\nx = torch.ones(2000)\nh = torch.autograd.functional.hessian(lambda t: t.sum(), x)\n", "hessian"),
    ("import torch\nx = torch.ones(100, 100)\ni = torch.zeros(1001, dtype=torch.long)\ny = x[i]\n", "indexing"),
    ("import torch\nx = torch.ones(2000, 1)\ny = x.add(x.t())\n", "broadcasting"),
    ("import torch\nx = torch.ones(2000)\ny = x.outer(x)\n", "Tensor.outer"),
    ("import torch\nx = torch.ones(2000)\ny = x.repeat(100, 1)\n", "Tensor.repeat"),
    ("import numpy as np\na = np.array(range(10**9))\n", "numpy.array would make"),
])
def test_more_calls_that_would_allocate_past_the_bound_are_refused_before_they_run(source, words):
    run = run_program(source, limits=Limits(elements=100_000))
    assert run.error is not None and run.error.type == "LimitExceeded", run.error
    assert words in run.error.message


@pytest.mark.parametrize("source", [
    "s = ''.join(map(str, iter(int, 1)))\n",  # iter with a sentinel: refused, it could run without end
    "n = pow(2 ** 50_000, 2 ** 50_000, 2 ** 50_000 + 1)\n",
    "x = 2\nfor i in range(40):\n    x = x * x\n",
    "f = lambda: f()\nf()\n",
])
def test_work_without_end_in_c_is_refused(source):
    run = run_program(source, limits=Limits(steps=10_000))
    assert run.error is not None and run.error.type in ("LimitExceeded", "TypeError")


def test_plot_labels_and_odd_arguments_are_kept_as_plain_data():
    run = run_program("import matplotlib.pyplot as plt\nplt.legend(['f', 'g'])\nplt.title({'a': 1})\n")
    assert run.error is None
    assert [p.args for p in run.plots] == [(["f", "g"],), ("{'a': 1}",)]
    plain.loads(plain.dumps(run))


def test_a_local_read_before_it_is_assigned_is_unbound_as_in_python():
    source = "x = 1\ndef f():\n    print(x)\n    x = 2\nf()\n"
    run = run_program(source)
    assert (run.error.line, run.error.type) == (3, "UnboundLocalError")
    assert run_program("x = 1\ndef f():\n    return [x for _ in range(2)]\nprint(f())\n").stdout == "[1, 1]\n"


def test_an_attribute_a_value_lacks_is_pythons_own_attribute_error():
    run = run_program("x = 1\ny = x.item()\n")
    assert (run.error.type, run.error.message) == ("AttributeError", "'int' object has no attribute 'item'")


def test_and_or_return_their_last_operand_untested_as_python_does():
    run = run_program("import torch\nx = 2 and torch.ones(3)\ny = 0 or torch.zeros(2)\nprint(x, y)\n")
    assert run.stdout == "tensor([1., 1., 1.]) tensor([0., 0.])\n"


def test_each_cells_last_bare_expression_is_kept_as_a_notebook_shows_it():
    source = ("import torch\nx = torch.tensor(2.0, requires_grad=True)\nx\n# %%\ny = x ** 2\ny.backward()\n"
              "x.grad\n#%% a third cell\nprint(y)\n")
    run = run_program(source)
    assert run.outputs == ((3, "tensor(2., requires_grad=True)"), (7, "tensor(4.)"))
    assert run.shown is None  # the last cell ends with print, which shows nothing


def test_a_notebook_cell_with_magics_and_matplotlib_use_runs():
    run = run_program("%matplotlib inline\nimport matplotlib\nmatplotlib.use('Agg')\nimport matplotlib.pyplot as plt\n"
                      "plt.plot([1, 2], [3, 4])\nprint('ok')\n")
    assert run.error is None and run.stdout == "ok\n"
    assert [(p.line, p.name) for p in run.plots] == [(3, "use"), (5, "plot")]


def test_a_complex_tensor_is_kept_as_real_and_imaginary_pairs_and_the_run_stays_plain():
    run = run_program("import torch\nz = torch.tensor((-4.0) ** 0.5, requires_grad=True)\nw = (z * z).abs()\n"
                      "w.backward()\nprint(z.grad)\n")
    assert run.error is None
    assert {row.name: row.data for row in run.tensors}["z"] == pytest.approx([0.0, 2.0])
    assert json.loads(json.dumps(to_json(run)))["tensors"]["z"]["dtype"] == "torch.complex64"
    plain.loads(plain.dumps(run))


_FUNCTION_PEEKING = """
import torch
class Peek(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x):
        print(ctx.{name})
        return x * 2
    @staticmethod
    def backward(ctx, g):
        return g * 2
y = Peek.apply(torch.ones(1, requires_grad=True))
"""


@pytest.mark.parametrize("name", ["real", "values", "get", "set", "saved_variables", "to_save", "apply"])
def test_a_functions_ctx_reaches_nothing_but_pytorchs_listed_attributes_and_the_programs_values(name):
    run = run_program(_FUNCTION_PEEKING.format(name=name))
    assert run.error is not None and run.error.type == "AttributeError" and run.stdout == ""


@pytest.mark.parametrize("name", ["saved_tensors", "needs_input_grad"])
def test_a_functions_ctx_reads_pytorchs_own_attributes(name):
    assert run_program(_FUNCTION_PEEKING.format(name=name)).error is None


@pytest.mark.parametrize("source", [
    "import torch\nclass M(torch.nn.Module):\n    def f(self):\n        return self.real\nprint(M().f())\n",
    "import torch\nclass M(torch.nn.Module):\n    def __init__(self):\n        super().__init__()\n"
    "        self.forward = print\nM()\n",
    "import torch\nm = torch.nn.Linear(1, 1)\nm.training = 1\n",
    "import torch\nx = torch.ones(1, requires_grad=True)\n(x * x).grad_fn._saved_self = x\n",
    "import torch\nx = torch.ones(1)\nx.shape = None\n",
])
def test_attributes_a_program_may_not_set_or_read_at_run_time_stay_out(source):
    run = run_program(source)
    assert run.error is not None and run.error.type == "AttributeError", run.error


def test_a_training_loop_records_the_graphs_of_the_iterations_its_steps_keep():
    source = ("import torch\nw = torch.ones(1, requires_grad=True)\nfor i in range(10):\n    loss = (w * i).sum()\n"
              "    loss.backward()\n")
    run = run_program(source)
    assert len(run.graphs) == _FIRST + _LAST and run.graphs_skipped == 10 - _FIRST - _LAST
    kept = [s.graph for s in run.steps if s.line == 5]
    assert kept == list(range(_FIRST + _LAST))


def test_subplots_axes_calls_are_kept_with_the_axes_they_were_made_on():
    source = ("import matplotlib.pyplot as plt\nfig, ax = plt.subplots(figsize=(6, 3))\nax.plot([1, 2], label='f')\n"
              "ax.set_xlabel('x')\nfig, (left, right) = plt.subplots(1, 2)\nright.set_title('g')\n"
              "fig, grid = plt.subplots(2, 2)\ngrid[1, 0].grid(True)\nfig.tight_layout()\nplt.show()\n")
    run = run_program(source)
    assert run.error is None
    assert [(p.name, p.axes) for p in run.plots] == [
        ("subplots", None), ("plot", 0), ("set_xlabel", 0), ("subplots", None), ("set_title", 1),
        ("subplots", None), ("grid", 2), ("tight_layout", None), ("show", None)]
    plain.loads(plain.dumps(run))


@pytest.mark.parametrize(("source", "line"), [
    ("import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
     "        return x * 2\n    @staticmethod\n    def backward(ctx, g):\n        while True:\n            pass\n"
     "y = F.apply(torch.ones(1, requires_grad=True))\ny.backward()\n", 8),
    ("import torch\nx = torch.ones(1, requires_grad=True)\ndef hook(g):\n    while True:\n        pass\n"
     "x.register_hook(hook)\n(x * 2).backward()\n", 4),
    ("import torch\ndef pack(t):\n    while True:\n        pass\nx = torch.ones(1, requires_grad=True)\n"
     "with torch.autograd.graph.saved_tensors_hooks(pack, lambda t: t):\n    y = x * x\n", 3),
])
def test_a_bound_holds_inside_code_pytorch_calls_back(source, line):
    run = run_program(source, limits=Limits(iterations=1_000))
    assert (run.error.type, run.error.line) == ("LimitExceeded", line)
    assert torch.is_grad_enabled()


def test_a_program_that_runs_past_its_time_is_stopped_between_statements():
    run = run_program("import torch\nx = torch.ones(300, 300)\nwhile True:\n    y = x @ x\n",
                      limits=Limits(seconds=0.5, iterations=10**9, steps=10**9))
    assert run.error.type == "LimitExceeded" and "longer than 0.5 seconds" in run.error.message


def test_a_scripts_main_guard_runs_its_body():
    run = run_program("def main():\n    print('main')\n\nif __name__ == '__main__':\n    main()\n")
    assert run.stdout == "main\n"


def test_an_old_tutorials_future_import_is_read_as_python_3():
    assert run_program("from __future__ import print_function, division\nprint(7 / 2)\n").stdout == "3.5\n"


def test_builtin_types_stay_types_for_isinstance():
    run = run_program("print(isinstance([1], (list, tuple)), isinstance({}, dict), isinstance(1, int))\n")
    assert run.stdout == "True True True\n"


def test_a_run_decodes_in_a_process_without_torch(repo_root):
    text = plain.dumps(run_program(_fixture("lab_custom-function")))
    code = ("import sys\nfrom explorer.serve import plain\nrun = plain.loads(sys.stdin.read())\n"
            "print(type(run).__name__, run.graphs[0].graph.nodes[0].name, 'torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], input=text, cwd=repo_root, capture_output=True, text=True,
                          timeout=60, check=False)
    assert done.stdout.split() == ["ProgramRun", "SQBackward", "False"], done.stderr


def test_a_for_loops_header_is_a_step_per_kept_iteration_with_its_variable():
    run = run_program("total = 0\nfor i in range(5):\n    total += i\n")
    assert [(s.line, s.kind, dict(s.bound)) for s in run.steps] == [
        (1, "run", {"total": "0"}), (2, "run", {"i": "0"}), (3, "run", {"total": "0"}), (2, "run", {"i": "1"}),
        (3, "run", {"total": "1"}), (2, "skipped", {}), (2, "run", {"i": "4"}), (3, "run", {"total": "10"})]


def test_a_comprehension_keeps_the_steps_of_its_first_and_last_calls_only():
    run = run_program("def f(v):\n    return v * 2\nys = [f(i) for i in range(50)]\nprint(sum(ys))\n")
    assert run.stdout == "2450\n"
    assert len([s for s in run.steps if s.scope == "f"]) == _FIRST + _LAST


def test_the_error_step_names_the_function_the_error_came_from():
    run = run_program("import torch\ndef mix(u, v):\n    return u @ v\nm = mix(torch.ones(2, 3), torch.ones(2, 3))\n")
    assert (run.steps[-1].kind, run.steps[-1].line, run.steps[-1].scope) == ("error", 3, "mix")


def test_print_to_the_output_takes_file_none_as_python_does_and_refuses_any_other_file():
    assert run_program('print("x", file=None)').stdout == "x\n"
    run = run_program('import math\nprint("x", file=math)')
    assert run.error is not None and run.error.type == "TypeError" and "file=" in run.error.message


def test_a_run_leaves_no_default_device_mode_behind():
    """torch.set_default_device(cpu) would leave a device mode that every later torch call in the worker meets."""
    from torch.overrides import _get_current_function_mode_stack

    before = list(_get_current_function_mode_stack())
    run_program("import torch\ntorch.set_default_device('cpu')\nx = torch.ones(2)")
    run_program("import torch\nx = torch.ones(2)")
    assert list(_get_current_function_mode_stack()) == before


# -- a small tensor's text, written without PyTorch's formatter: PyTorch's repr is the oracle -------------------

_AWKWARD = [0.0, -0.0, 1.0, -1.0, 2.0, 0.5, 1e-5, 1e-4, 9.9e-5, 1e8, 1.0001e8, 1234.5678, -3.25, math.nan, math.inf,
            -math.inf, 1e30, 65504.0, 1000.0, 0.001, 123456789.0, 1 / 3]
_DTYPES = [torch.float32, torch.float64, torch.float16, torch.bfloat16, torch.int64, torch.int32, torch.int8,
           torch.uint8, torch.bool]


@st.composite
def _small_tensors(draw: st.DrawFn) -> torch.Tensor:
    shape = draw(st.lists(st.integers(1, 4), max_size=4).filter(lambda s: math.prod(s) <= 100))
    number = st.one_of(st.sampled_from(_AWKWARD), st.integers(-1000, 1000).map(float),
                       st.floats(-1e12, 1e12, allow_nan=False), st.floats(-1e-3, 1e-3, allow_nan=False))
    values = torch.tensor(draw(st.lists(number, min_size=math.prod(shape), max_size=math.prod(shape))),
                          dtype=torch.float64).reshape(shape)
    dtype = draw(st.sampled_from(_DTYPES))
    if dtype == torch.bool:
        return values.nan_to_num(0) > 0
    if not dtype.is_floating_point:
        low = 0 if dtype == torch.uint8 else -100
        return values.nan_to_num(0, 0, 0).clamp(low, 100).to(dtype)
    tensor = values.to(dtype)
    grad = draw(st.sampled_from(["none", "leaf", "made"]))
    return tensor if grad == "none" else tensor.requires_grad_() if grad == "leaf" else tensor.requires_grad_() * 1


@settings(max_examples=400, deadline=None)
@given(tensor=_small_tensors(), default=st.sampled_from([torch.float32, torch.float64]))
def test_a_small_tensors_text_is_pytorchs_own_repr(tensor, default):
    """A step's text of a tensor is written here, not by PyTorch's (slow) formatter: it must read exactly the same."""
    before = torch.get_default_dtype()
    torch.set_default_dtype(default)
    try:
        assert tensor_text(tensor) == repr(tensor)
    finally:
        torch.set_default_dtype(before)


def test_a_tensor_text_leaves_what_it_does_not_follow_to_pytorch():
    assert tensor_text(torch.nn.Parameter(torch.ones(2))) is None  # "Parameter containing:"
    assert tensor_text(torch.ones(2, dtype=torch.complex64)) is None
    assert tensor_text(torch.ones(0)) is None
    with torch.device("meta"):
        assert tensor_text(torch.ones(2)) is None
    torch.set_printoptions(precision=2)
    try:
        assert tensor_text(torch.ones(2) / 3) is None
    finally:
        torch.set_printoptions(profile="default")
    assert tensor_text(torch.ones(2) / 3) == repr(torch.ones(2) / 3)


@pytest.mark.parametrize("loop", ["for i in range(1, 31):\n", "i = 0\nwhile i < 30:\n    i += 1\n"])
def test_every_graph_a_loop_records_belongs_to_a_step_it_keeps(loop):
    """The iterations a loop leaves out (a for's middle, a while's before its last) record no graph either."""
    body = "    y = (x * i).sum()\n    y.backward()\n"
    run = run_program("import torch\nx = torch.ones(2, requires_grad=True)\n" + loop + body)
    assert run.error is None and run.graphs_skipped + len(run.graphs) == 30
    assert sorted(s.graph for s in run.steps if s.graph is not None) == list(range(len(run.graphs)))
    assert sorted({s.forward for s in run.steps if s.forward is not None}) == list(range(len(run.forward)))
