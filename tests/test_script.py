"""The reproducing script: it runs in plain Python, draws the graph with torchviz, and prints the explorer's numbers.

Each fresh interpreter imports torch (seconds), so every script runs in one driver
process, each in its own folder, and only two also run alone as a learner would.
"""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import pytest

from explorer import explore, parse
from explorer.compute.script import python_script

# (as typed, where, dtype)
CASES = [
    ("y = x ** 2", {"x": "2"}, "float32"),
    ("y = x**2 + 2*x + 1", {"x": "2"}, "float32"),
    ("y = 2*x**3 + x", {"x": "1"}, "float32"),
    ("SQ(x)", {"x": "2"}, "float32"),
    ("3*SQ(x)", {"x": "2"}, "float32"),
    ("3*SQFixed(x)", {"x": "2"}, "float32"),
    ("f = u * v + u ** 2", {"u": "1", "v": "2"}, "float32"),
    ("f = u*v + (u*v)**2", {"u": "2", "v": "1"}, "float32"),
    ("y = torch.sum(x ** 2)", {"x": "-10:10:10"}, "float32"),
    ("Y = torch.relu(x)", {"x": "-10:10:1000"}, "float32"),
    ("softplus(x) * clamp(x, min=0)", {"x": "-1:1:5"}, "float32"),
    ("where(x > 0, x, 0) + max(x, 1)", {"x": "1"}, "float32"),
    ("sin(pi * x) / x^2", {"x": "0.25"}, "float64"),
    ("u * v + SQ(u) * SQFixed(v)", {"u": "0:1:3", "v": "-1:1:4"}, "float32"),
    ("exp(-x) * u", {"x": "0.5", "u": "-2:2:7"}, "float64"),
    ("f = x", {"x": "2"}, "float32"),  # the output is the leaf itself
    ("3", {}, "float32"),  # no variable: no grad_fn, nothing for backward
    ("where(x > 0, 1, 0)", {"x": "-1:1:4"}, "float32"),  # no gradient reaches x
]
IDS = [f"{text} at {','.join(at.values()) or 'nothing'}" for text, at, _ in CASES]
ALONE = ["y = x ** 2", "u * v + SQ(u) * SQFixed(v)"]  # also run as `python script.py`

# Runs every script folder given on the command line, as `python script.py` would, in one interpreter.
_DRIVER = """
import contextlib, io, os, runpy, sys, traceback
for folder in sys.argv[1:]:
    os.chdir(folder)
    printed = io.StringIO()
    try:
        with contextlib.redirect_stdout(printed):
            runpy.run_path("script.py", run_name="__main__")
        status = "ok"
    except BaseException:
        status = traceback.format_exc()
    with open("stdout.txt", "w") as out:
        out.write(printed.getvalue())
    with open("status.txt", "w") as out:
        out.write(status)
"""
_PYTHON = [sys.executable, "-W", "ignore::DeprecationWarning"]  # torchviz imports distutils
_LABEL = re.compile(r"^(d\w+/d\w+|\w+ (?:data|grad_fn|grad|is_leaf|requires_grad)): ", re.MULTILINE)
_NUMBER = re.compile(r"[-+]?(?:nan|inf|\d+\.?\d*(?:e[-+]?\d+)?)")


@dataclass(frozen=True)
class Run:
    folder: Path
    status: str
    stdout: str


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[str, Run]:
    """Every case's script, run in its own folder by the driver; the ALONE ones also in fresh interpreters."""
    root = tmp_path_factory.mktemp("scripts")
    folders = {}
    for i, (text, at, dtype) in enumerate(CASES):
        result = explore(text, at, dtype=dtype)
        folder = root / f"case{i}"
        folder.mkdir()
        (folder / "script.py").write_text(python_script(parse(text), result.points, dtype=dtype))
        folders[text] = folder
    for text in ALONE:
        alone = root / f"alone{len(folders)}"
        alone.mkdir()
        (alone / "script.py").write_text((folders[text] / "script.py").read_text())
        folders[f"alone: {text}"] = alone

    def driver() -> subprocess.CompletedProcess:
        return subprocess.run([*_PYTHON, "-c", _DRIVER, *(str(folders[text]) for text, _, _ in CASES)],
                              capture_output=True, text=True, timeout=300, check=False)

    def alone(text: str) -> subprocess.CompletedProcess:
        return subprocess.run([*_PYTHON, "script.py"], cwd=folders[f"alone: {text}"], capture_output=True, text=True,
                              timeout=120, check=False)

    with ThreadPoolExecutor(max_workers=1 + len(ALONE)) as pool:
        started = pool.submit(driver)
        singles = {text: pool.submit(alone, text) for text in ALONE}
        done = started.result()
    assert done.returncode == 0, done.stderr
    found = {text: Run(folders[text], (folders[text] / "status.txt").read_text(),
                       (folders[text] / "stdout.txt").read_text()) for text, _, _ in CASES}
    for text, single in singles.items():
        finished = single.result()
        found[f"alone: {text}"] = Run(folders[f"alone: {text}"], "ok" if finished.returncode == 0 else finished.stderr,
                                      finished.stdout)
    return found


def _printed(stdout: str) -> dict[str, str]:
    """The script's printouts by label ('dy/dx', 'x grad', ...); a tensor may span several lines."""
    starts = list(_LABEL.finditer(stdout))
    return {m.group(1): stdout[m.end():(starts[i + 1].start() if i + 1 < len(starts) else len(stdout))].strip()
            for i, m in enumerate(starts)}


def _numbers(printed: str) -> list[float]:
    """The numbers of a printed tensor, as PyTorch formats it (4 decimals or 4 digits of mantissa)."""
    body = re.sub(r",\s*(dtype|device)=[^,)]+", "", printed)
    return [float(number) for number in _NUMBER.findall(body)]


def _flat(value) -> list[float]:
    if isinstance(value, list):
        return [item for inner in value for item in _flat(inner)]
    return [float(value)]


def _matches(printed: str, value) -> bool:
    if value is None:
        return printed == "None"
    return _numbers(printed) == pytest.approx(_flat(value), rel=2e-4, abs=1e-4, nan_ok=True)


@pytest.mark.parametrize(("text", "at", "dtype"), CASES, ids=IDS)
def test_the_script_runs_and_writes_the_torchviz_graph(text, at, dtype, dot_program, runs):
    run = runs[text]
    assert run.status == "ok", run.status.strip().splitlines()[-1]
    drawn = (run.folder / "autograd_graph.svg").read_text()
    assert "<svg" in drawn and "</svg>" in drawn


@pytest.mark.parametrize(("text", "at", "dtype"), CASES, ids=IDS)
def test_the_script_prints_the_gradients_the_explorer_computes(text, at, dtype, dot_program, runs):
    result = explore(text, at, dtype=dtype)
    printed = _printed(runs[text].stdout)
    for variable in result.variables:
        label = f"d{result.output}/d{variable}"
        assert _matches(printed[label], result.grad[variable]), (label, printed[label], result.grad[variable])


@pytest.mark.parametrize(("text", "at", "dtype"), CASES, ids=IDS)
def test_the_scripts_attribute_printouts_match_the_explorers_tensor_table(text, at, dtype, dot_program, runs):
    result = explore(text, at, dtype=dtype)
    printed = _printed(runs[text].stdout)
    tensors = {t.label: t for t in result.graph.tensors}
    for name in [*result.variables, result.output]:
        tensor = tensors.get(name) or result.graph.tensor(result.graph.output)  # f = x: the output is the leaf
        assert _matches(printed[f"{name} data"], tensor.data), name
        assert _matches(printed[f"{name} grad"], tensor.grad), name
        assert (printed[f"{name} is_leaf"], printed[f"{name} requires_grad"]) == (
            str(tensor.is_leaf), str(tensor.requires_grad)), name
        grad_fn = re.fullmatch(r"<(?:[\w.]+\.)?(\w+) object at 0x[0-9a-f]+>", printed[f"{name} grad_fn"])
        assert (grad_fn.group(1) if grad_fn else printed[f"{name} grad_fn"]) == str(tensor.grad_fn), name
        if dtype != "float32":
            assert f"dtype=torch.{dtype}" in printed[f"{name} data"]


@pytest.mark.parametrize("text", ALONE)
def test_the_script_runs_alone_in_a_fresh_interpreter_and_prints_the_same(text, dot_program, runs):
    alone, driven = runs[f"alone: {text}"], runs[text]
    assert alone.status == "ok"
    assert (alone.folder / "autograd_graph.svg").is_file()

    def addresses(printed: str) -> str:
        return re.sub(r"0x[0-9a-f]+", "0x?", printed)

    assert addresses(alone.stdout) == addresses(driven.stdout)


@pytest.mark.parametrize(("typed", "written", "absent"), [
    ("x^2", "y = x ** 2", "^"),
    ("2*x", "y = 2 * x", None),
    ("sin(x)", "y = torch.sin(x)", "= sin("),
    ("x.sin()", "y = torch.sin(x)", ".sin()"),
    ("torch.nn.functional.relu(x)", "y = torch.relu(x)", "nn.functional.relu"),
    ("softplus(x)", "y = F.softplus(x)", "= softplus("),
    ("SQ(x)", "y = SQ.apply(x)", "= SQ(x)"),
    ("(x + 1) * (x - 1) ** 2 / -x", "y = (x + 1) * (x - 1) ** 2 / -x", None),
    ("(x ** 2) ** 3", "y = (x ** 2) ** 3", None),
    ("x - (x - 1)", "y = x - (x - 1)", None),
])
def test_the_script_spells_the_function_as_pytorch_does_never_as_typed(typed, written, absent):
    script = python_script(parse(typed), explore(typed, {"x": 2}).points)
    ast.parse(script)  # valid Python
    assert f"\n{written}\n" in script
    if absent is not None:
        assert absent not in script


@pytest.mark.parametrize("typed", [
    "(x + 1) * (x - 1) ** 2 / -x",
    "2 ** -x",
    "-x ** 2",
    "(-x) ** 2",
    "(x ** 2) ** 3",
    "2 ** x ** 2",
    "x - (x - 1) - x / (x / 2)",
    "x / 2 * x",
])
def test_the_scripts_parentheses_keep_the_meaning_of_the_function(typed):
    script = python_script(parse(typed), {"x": 3.0})
    (line,) = [line for line in script.splitlines() if line.startswith("y = ")]
    # the same Python tree: the same order of operations
    assert ast.dump(ast.parse(line.removeprefix("y = "))) == ast.dump(ast.parse(typed))


def test_the_script_defines_only_the_custom_functions_it_uses():
    both = python_script(parse("SQ(x) + SQFixed(x)"), {"x": 2.0})
    fixed = python_script(parse("3 * SQFixed(x)"), {"x": 2.0})
    plain = python_script(parse("x ** 2"), {"x": 2.0})
    assert both.count("class SQ(") == 1 and both.count("class SQFixed(") == 1
    assert "class SQFixed(" in fixed and "class SQ(" not in fixed
    assert "class SQ" not in plain


@pytest.mark.parametrize(("typed", "backward"), [
    ("x ** 2", True),
    ("where(x > 0, x, 0)", True),
    ("where(x > 0, 1, 0)", False),  # only the condition sees x: no gradient reaches it
    ("3", False),
])
def test_the_script_calls_backward_only_where_a_gradient_reaches_a_variable(typed, backward):
    result = explore(typed, {"x": 2})
    script = python_script(parse(typed), result.points)
    assert ("y.backward()" in script) == backward == any(grad is not None for grad in result.grad.values())
    assert ("y.retain_grad()" in script) == backward


def test_a_constant_function_is_a_tensor_in_the_script_as_in_the_explorer():
    assert "\ny = torch.tensor(math.pi, dtype=torch.float64, device='cpu')\n" in python_script(parse("pi"), {},
                                                                                                dtype="float64")
    assert "\ny = torch.tensor(6, dtype=torch.float32, device='cpu')\n" in python_script(parse("2 * 3"), {})
