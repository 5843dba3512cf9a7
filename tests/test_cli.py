"""The command line, run as a learner runs it: ``python -m explorer`` in a fresh interpreter."""

from __future__ import annotations

import json
import os
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest
import torch

from explorer.cli import main
from explorer.draw.render import has_dot


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
