"""The command line, run as a learner runs it: ``python -m explorer`` in a fresh interpreter."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from contextlib import redirect_stdout
from io import StringIO

import pytest
import torch

from explorer.cli import main
from explorer.render import has_dot


def _strict(text: str) -> object:
    """json.loads that refuses NaN and Infinity, which are not JSON."""

    def refuse(constant: str) -> None:
        raise ValueError(f"{constant} is not valid JSON")

    return json.loads(text, parse_constant=refuse)


# Each start imports torch (seconds), so the subprocess runs are few; main() runs in-process for the rest.
BAD_INPUT = {
    "bad function": ["x +* 2", "--at", "x=2"],  # refused by the core
    "unknown option": ["x ** 2", "--bogus"],  # refused by argparse
}


@pytest.fixture(scope="module")
def runs(run_cli, tmp_path_factory):
    """Every command line of this module, run side by side (each start imports torch, a few seconds)."""
    folder = tmp_path_factory.mktemp("cli")
    without_dot = {**os.environ, "PATH": os.path.dirname(sys.executable)}
    commands = {
        "json": (["x ** 2", "--at", "x=2", "--json"], None),
        "range": (["log(x)", "--at", "x=-10:10:1000", "--json"], None),  # nan where x < 0
        "dot": (["x ** 2", "--at", "x=2", "--dot"], None),
        "svg": (["x ** 2", "--at", "x=2", "--svg", str(folder / "graph.svg")], None),
        "svg without dot": (["x ** 2", "--at", "x=2", "--svg", str(folder / "missing.svg")], without_dot),
        **{name: (args, None) for name, args in BAD_INPUT.items()},
    }
    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {name: pool.submit(run_cli, *args, env=env) for name, (args, env) in commands.items()}
    return {name: future.result() for name, future in futures.items()} | {"folder": folder}


def test_json_prints_one_object_with_the_labs_answer(runs):
    done = runs["json"]
    assert (done.returncode, done.stderr) == (0, "")
    payload = _strict(done.stdout)
    assert (payload["value"], payload["grad"]) == (4.0, {"x": 4.0})


def test_json_nodes_carry_every_attribute_the_lab_prints(runs):
    nodes = {node["name"]: node for node in _strict(runs["json"].stdout)["nodes"]}
    assert {k: nodes["x"][k] for k in ("data", "grad", "grad_fn", "is_leaf", "requires_grad")} == {
        "data": 2.0, "grad": 4.0, "grad_fn": None, "is_leaf": True, "requires_grad": True}
    assert {k: nodes["y"][k] for k in ("data", "grad_fn", "is_leaf", "requires_grad")} == {
        "data": 4.0, "grad_fn": "PowBackward0", "is_leaf": False, "requires_grad": True}


def test_a_range_gives_one_value_and_grad_per_point(runs):
    done = runs["range"]
    assert done.returncode == 0
    payload = _strict(done.stdout)
    xs = torch.linspace(-10, 10, 1000)
    positive = xs > 0
    assert payload["reduced"] is True
    assert len(payload["value"]) == len(payload["grad"]["x"]) == 1000
    grads = torch.tensor([g for g, p in zip(payload["grad"]["x"], positive, strict=True) if p])
    assert torch.allclose(grads, 1 / xs[positive])  # d/dx log(x) = 1/x


def test_nan_is_the_string_nan_in_strict_json(runs):
    payload = _strict(runs["range"].stdout)
    xs = torch.linspace(-10, 10, 1000)
    assert all(v == "nan" for v, x in zip(payload["value"], xs, strict=True) if x < 0)
    assert any("log" in note and "nan" in note for note in payload["notes"])


def test_dot_prints_dot_source(runs):
    done = runs["dot"]
    assert done.returncode == 0
    assert done.stdout.startswith("digraph") and done.stdout.rstrip().endswith("}")
    assert "PowBackward0" in done.stdout and "AccumulateGrad" in done.stdout


def test_svg_writes_an_svg_file(runs):
    if not has_dot():
        pytest.skip("Graphviz's dot program is not on PATH")
    done = runs["svg"]
    assert done.returncode == 0
    svg_file = runs["folder"] / "graph.svg"
    assert done.stdout.strip() == f"wrote {svg_file}"
    assert "<svg" in svg_file.read_text(encoding="utf-8")


def test_svg_without_dot_exits_1_with_a_message_naming_graphviz(runs):
    done = runs["svg without dot"]
    assert done.returncode == 1
    assert "Graphviz" in done.stderr and "Traceback" not in done.stderr
    assert not (runs["folder"] / "missing.svg").exists()


@pytest.mark.parametrize("case", sorted(BAD_INPUT))
def test_bad_input_exits_2_with_one_line_and_no_traceback(runs, case):
    done = runs[case]
    assert done.returncode == 2
    assert done.stdout == ""
    assert len(done.stderr.splitlines()) == 1 and done.stderr.startswith("error: ")
    assert "Traceback" not in done.stderr


# -- in-process: main() with captured output ---------------------------------------------------------------


def test_several_at_options_and_gradcheck(capsys):
    assert main(["f = u*v + u**2", "--at", "u=1", "--at", "v=2", "--json", "--gradcheck"]) == 0
    payload = _strict(capsys.readouterr().out)
    assert (payload["output"], payload["value"], payload["grad"]) == ("f", 3.0, {"u": 4.0, "v": 1.0})
    assert {name: check["passed"] for name, check in payload["gradcheck"].items()} == {"SQ": False, "SQFixed": True}


def test_plain_output_reads_like_the_labs_printouts(capsys):
    assert main(["x**2 + 2*x + 1", "--at", "x=2"]) == 0
    out = capsys.readouterr().out
    assert "value: 9" in out and "x.grad: 6" in out
    assert "grad_fn: AddBackward0" in out and "is_leaf: True" in out


def test_torchviz_prints_what_make_dot_draws(capsys):
    assert main(["x ** 2", "--at", "x=2", "--torchviz"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("digraph") and "PowBackward0" in out


@pytest.mark.parametrize("args", [
    ["q + 1"],
    ["x ** 2", "--at", "x=nan"],
    ["x ** 2", "--at", "2"],
    ["x ** 2", "--at", "x=2", "--device", "tpu"],
    ["x ** 2", "--at", "x=1:2"],
    ["x ** 2", "--at", "x=2", "--dtype", "float16"],
    ["x ** 2", "--json", "--dot"],
])
def test_every_refusal_is_exit_2_and_one_line(args, capsys):
    try:
        code = main(args)
    except SystemExit as stop:  # argparse's own refusals exit from inside
        code = stop.code
    captured = capsys.readouterr()
    assert code == 2
    assert captured.out == ""
    assert len(captured.err.splitlines()) == 1 and captured.err.startswith("error: ")


# -- program mode: python -m explorer --program FILE --json ------------------------------------------------

LAB_PROGRAM = """import torch
x = torch.tensor(2.0, requires_grad = True)
print("The tensor x: ", x)
y = x ** 2
print("The result of y = x^2: ", y)
y.backward()
print("The dervative at x = 2: ", x.grad)
"""


@pytest.fixture(scope="module")
def program_runs(repo_root, tmp_path_factory):
    """The --program command lines, run side by side: a file, standard input, a refused and a failing program."""
    folder = tmp_path_factory.mktemp("programs")
    (folder / "lab.py").write_text(LAB_PROGRAM, encoding="utf-8")
    commands = {
        "file": (["--program", str(folder / "lab.py"), "--json"], None),
        "stdin": (["--program", "-", "--json"], LAB_PROGRAM),
        "refused": (["--program", "-", "--json"], "import torch\nimport os\n"),
        "raises": (["--program", "-", "--json"], "import torch\nx = torch.ones(2)\nprint(x)\ny = x @ torch.ones(3)\n"),
        "text": (["--program", "-"], LAB_PROGRAM),
    }

    def run(args, stdin):
        return subprocess.run([sys.executable, "-m", "explorer", *args], cwd=repo_root, input=stdin,
                              capture_output=True, text=True, timeout=120, check=False)

    with ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        futures = {name: pool.submit(run, args, stdin) for name, (args, stdin) in commands.items()}
    return {name: future.result() for name, future in futures.items()}


def test_program_json_prints_what_the_program_printed_and_its_tensors(program_runs):
    done = program_runs["file"]
    assert (done.returncode, done.stderr) == (0, "")
    payload = _strict(done.stdout)
    assert payload["stdout"] == ("The tensor x:  tensor(2., requires_grad=True)\n"
                                 "The result of y = x^2:  tensor(4., grad_fn=<PowBackward0>)\n"
                                 "The dervative at x = 2:  tensor(4.)\n")
    assert {k: payload["tensors"]["x"][k] for k in ("shape", "dtype", "data", "grad", "requires_grad", "is_leaf",
                                                    "grad_fn")} == {
        "shape": [], "dtype": "torch.float32", "data": 2.0, "grad": 4.0, "requires_grad": True, "is_leaf": True,
        "grad_fn": None}
    assert payload["tensors"]["y"]["grad_fn"] == "PowBackward0" and payload["tensors"]["y"]["grad"] is None
    assert "error" not in payload


def test_program_json_has_one_graph_per_backward_call_in_the_function_modes_format(program_runs):
    payload = _strict(program_runs["file"].stdout)
    (graph,) = payload["graphs"]
    assert [node["name"] for node in graph["grad_fns"]] == ["PowBackward0", "AccumulateGrad"]
    function_mode = _strict(runs_json_keys())
    assert set(graph["nodes"][0]) == set(function_mode["nodes"][0])
    assert set(graph["grad_fns"][0]) == set(function_mode["grad_fns"][0])
    assert [step["line"] for step in payload["steps"]] == [1, 2, 3, 4, 5, 6, 7]


def runs_json_keys() -> str:
    """The function mode's JSON for x**2, made in-process."""
    out = StringIO()
    with redirect_stdout(out):
        assert main(["x ** 2", "--at", "x=2", "--json"]) == 0
    return out.getvalue()


def test_program_from_standard_input_is_the_same_as_from_a_file(program_runs):
    assert _strict(program_runs["stdin"].stdout)["stdout"] == _strict(program_runs["file"].stdout)["stdout"]


def test_a_refused_program_exits_2_with_one_line_naming_its_place(program_runs):
    done = program_runs["refused"]
    assert done.returncode == 2 and done.stdout == ""
    assert done.stderr.startswith("line 2, column 1: program mode cannot import 'os'")
    assert done.stderr.count("\n") == 1


def test_a_program_that_raises_exits_1_with_its_output_and_the_error(program_runs):
    done = program_runs["raises"]
    assert done.returncode == 1
    payload = _strict(done.stdout)
    assert payload["stdout"] == "tensor([1., 1.])\n"
    assert payload["error"]["line"] == 4 and payload["error"]["type"] == "RuntimeError"
    assert "size" in payload["error"]["message"] or "shape" in payload["error"]["message"]
    assert payload["tensors"]["x"]["data"] == [1.0, 1.0]


def test_program_without_json_prints_what_the_program_printed(program_runs):
    done = program_runs["text"]
    assert done.returncode == 0 and done.stdout.endswith("The dervative at x = 2:  tensor(4.)\n")


def test_program_refuses_options_that_belong_to_a_function(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--program", "-", "--dot"])
    assert stopped.value.code == 2
    assert "--program takes a program alone" in capsys.readouterr().err


def test_program_runs_in_process_through_main(tmp_path, capsys):
    path = tmp_path / "cell.py"
    path.write_text("import torch\nx = torch.ones(2, requires_grad=True)\n(x * 3).sum().backward()\nprint(x.grad)\n")
    assert main(["--program", str(path), "--json"]) == 0
    payload = _strict(capsys.readouterr().out)
    assert payload["stdout"] == "tensor([3., 3.])\n" and payload["tensors"]["x"]["grad"] == [3.0, 3.0]
