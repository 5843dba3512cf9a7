"""Program mode against CPython: every program in ``tests/programs`` runs in both, and the two must agree.

The programs are the lab's code cells, the code of PyTorch's own autograd tutorials and of the "Autograd
mechanics" note, verbatim, and programs of the kind a course writes next; each file's header names its source.
CPython (``program_oracle.Oracle``, a separate interpreter) runs each as plain Python from
``torch.manual_seed(0)``; ``run_program`` runs the same text. What they printed must be equal character for
character, every top-level tensor equal in shape, dtype, requires_grad, is_leaf, grad_fn and the names that
hold it, and in data and grad to float tolerance, an error equal in line, type and message. Beside that: the
warnings a notebook shows, a graph for each backward or autograd.grad call on its line, each cell's last bare
expression shown in its step, and nothing process-wide changed after. The command line
(``python -m explorer --program FILE --json``) is held to the same oracle.

A program the interpreter refuses or does not match yet is listed in ``REFUSED`` or ``NOT_YET`` with the
reason, as a strict xfail: the day it passes, the suite says so.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import torch
from program_oracle import PROGRAMS, Oracle, OracleRun, differences, sources, without_addresses
from test_process_state import changed_settings, process_settings

from explorer import ProgramRefused, run_program
from explorer.language.program import LIMITS

SOURCES = sources()
NAMES = sorted(SOURCES)

# the fixtures that stop with an error, as CPython reports it: (exception type, line)
ERRORS = {
    "own_error_backward_twice.py": ("RuntimeError", 9),
    "own_error_grad_of_none.py": ("AttributeError", 8),
    "own_error_name.py": ("NameError", 7),
    "own_error_numpy_of_grad.py": ("RuntimeError", 9),
    "own_error_shape_mismatch.py": ("RuntimeError", 8),
}

# fixture -> why program mode refuses it (strict xfails: the day one runs, the suite says so)
REFUSED: dict[str, str] = {}

# fixture -> why program mode runs it but does not match CPython yet
NOT_YET: dict[str, str] = {**REFUSED}


def _cases(names: list[str], not_yet: dict[str, str] = NOT_YET) -> list[object]:
    """A parameter per program, a strict xfail for each that ``not_yet`` names."""
    marks = {name: pytest.mark.xfail(strict=True, reason=reason) for name, reason in not_yet.items()}
    return [pytest.param(name, id=name, marks=marks.get(name, ())) for name in names]


def _source(name: str) -> str:
    return SOURCES[name]


_CPYTHON: dict[str, OracleRun] = {}


def cpython(oracle: Oracle, name: str) -> OracleRun:
    """CPython's run of a program, once per session (the two training loops take a few seconds)."""
    if name not in _CPYTHON:
        _CPYTHON[name] = oracle.run(_source(name))
    return _CPYTHON[name]


def test_the_fixtures_cover_the_lab_the_tutorials_and_the_courses():
    prefixes = {name.split("_")[0] for name in NAMES}
    assert {"lab", "tutorial", "examples", "mechanics", "textbook", "own"} <= prefixes
    assert "lab_all_cells" in NAMES


@pytest.mark.parametrize("name", [name for name in NAMES if name.endswith(".py")])
def test_each_fixture_names_its_source_in_its_header(name):
    header = _source(name).splitlines()[0]
    assert header.startswith(("# Source: ", "# Written for this test suite")), header
    if header.startswith("# Source: "):
        assert "https://" in _source(name).split("\n\n")[0], "the header gives the source's address"


@pytest.mark.parametrize("name", NAMES)
def test_cpython_runs_each_fixture_to_its_end_or_its_expected_error(oracle, name):
    run = cpython(oracle, name)
    if name in ERRORS:
        assert run.error is not None and (run.error.type, run.error.line) == ERRORS[name]
    else:
        assert run.error is None, run.error
    assert run.tensors, "every fixture leaves tensors to compare"


def test_cpython_shows_the_lab_cells_last_expressions_as_the_notebook_does(oracle):
    run = cpython(oracle, "lab_custom-function")
    # the cell ends with `x.grad`: the notebook shows tensor(4.); the bare `y` above it shows nothing
    assert [text for _, text in run.displays] == ["tensor(4.)"]
    assert run.last == "tensor(4.)"
    assert run.printed.startswith("<torch.autograd.function.SQBackward object at 0x")


@pytest.mark.parametrize("name", _cases(NAMES))
def test_program_mode_prints_and_leaves_what_cpython_does(oracle, name):
    assert differences(cpython(oracle, name), run_program(_source(name))) == []


# programs that seed, train, switch grad mode, warn, set the default device and fail
SETTLED = ["lab_all_cells", "examples_polynomial_autograd.py", "own_nn_module.py", "own_no_grad_detach.py",
           "own_autograd_functional.py", "own_error_backward_twice.py", "own_course_idioms.py"]
# the process's random generator, which test_program_hostile holds on its own
_SEED = ("initial seed", "random state")


@pytest.mark.parametrize("name", SETTLED)
def test_a_program_leaves_every_process_wide_setting_as_it_found_it(name):
    """The app serves every visitor from one process: a program's grad mode or default device is its own.

    The program runs once first, so the modules PyTorch imports on first use (and the warning filters and
    environment variables they set, once per process) are in place.
    """
    source = _source(name)
    with torch.random.fork_rng():
        _run_or_refuse(source)
        before = process_settings()
        _run_or_refuse(source)
        changed = changed_settings(before, process_settings())
    assert [setting for setting in changed if setting not in _SEED] == []


def _run_or_refuse(source: str) -> None:
    try:
        run_program(source)
    except ProgramRefused:  # a refusal changes nothing either; the comparison above reports it
        pass


# the fixtures during which PyTorch warns; a notebook shows each warning under its cell
WARNED = {"lab_attributes", "lab_all_cells", "own_warning_broadcast_loss.py"}
# PyTorch raises this one warning once per process (TORCH_WARN_ONCE), so only the first run anywhere shows it
WARNED_ONCE = {"own_autograd_functional.py"}


@pytest.mark.parametrize("name", sorted(WARNED))
def test_program_mode_keeps_the_warnings_a_notebook_shows(oracle, name):
    expected = cpython(oracle, name)
    assert expected.warnings, "CPython warns on this program"
    kept = run_program(_source(name)).warnings
    assert [f"{warning.type}: {warning.message}" for warning in kept] == [text for _, text in expected.warnings]
    assert all(line in (None, warning.line) for (line, _), warning in zip(expected.warnings, kept, strict=True))


def test_the_other_programs_run_without_a_warning(oracle):
    """WARNED and WARNED_ONCE are complete: a fixture that starts to warn is noticed."""
    warned = [name for name in NAMES if cpython(oracle, name).warnings]
    assert warned == sorted(WARNED | WARNED_ONCE)


# programs whose graphs hold a tensor too big to record (TinyModel's 1000 x 100 weights): they are counted instead
BIG_GRAPHS = {"tutorial_fundamentals_of_autograd.py"}


@pytest.mark.parametrize("name", _cases(NAMES, REFUSED))
def test_program_mode_records_the_graphs_of_the_backward_calls(oracle, name):
    """The graphs of backward() and autograd.grad calls, on their lines, in order; the calls not kept are counted.

    A loop keeps the graphs of its first iterations, as the line-by-line view keeps its first steps, so the graphs
    recorded are some of the calls CPython made, in order, and every line that made a call has one.
    """
    expected = list(cpython(oracle, name).calls)
    run = run_program(_source(name))
    recorded = [(graph.line, graph.call) for graph in run.graphs]
    calls = iter(expected)
    assert all(call in calls for call in recorded), f"recorded {recorded}, CPython called {expected}"
    lines = {line for line, _ in expected}
    if name not in BIG_GRAPHS and len(lines) <= LIMITS.graphs:
        assert {line for line, _ in recorded} == lines
    if run.error is None:
        assert len(recorded) + run.graphs_skipped == len(expected)


CELLS = [name for name in NAMES if "\n# %%\n" in _source(name)]  # the programs written as notebook cells


@pytest.mark.parametrize("name", _cases(CELLS, REFUSED))
def test_stepping_through_cells_shows_each_cells_last_expression(oracle, name):
    """A notebook shows a cell's last bare expression (the lab's `x.grad`, d2l's `x`); its step shows the same."""
    expected = cpython(oracle, name)
    steps = run_program(_source(name)).steps
    shown = {(step.line, without_addresses(step.shown)) for step in steps if step.shown is not None}
    # a cell ending in plt.plot(...) shows matplotlib's Line2D list in a notebook; program mode draws the plot instead
    displays = [(line, text) for line, text in expected.displays if "<matplotlib." not in text]
    missing = [(line, text) for line, text in displays if (line, without_addresses(text)) not in shown]
    assert missing == [], f"CPython shows {expected.displays}; the steps show {sorted(shown)}"


@pytest.mark.parametrize("name", ["lab_custom-function", "tutorial_autograd_basics.py"])
def test_the_command_line_prints_what_cpython_did(oracle, run_cli, name, tmp_path):
    path = tmp_path / "program.py"
    path.write_text(_source(name), encoding="utf-8")
    result = run_cli("--program", str(path), "--json")
    assert result.returncode == 0, result.stderr
    printed = json.loads(result.stdout)
    assert {"stdout", "tensors", "graphs", "steps"} <= set(printed)
    expected = cpython(oracle, name)
    assert differences(expected, printed) == []
    assert [(graph["line"], graph["call"]) for graph in printed["graphs"]] == list(expected.calls)


def test_the_command_line_reads_a_program_from_standard_input(oracle, repo_root):
    name = "lab_attributes"
    result = subprocess.run([sys.executable, "-m", "explorer", "--program", "-", "--json"], input=_source(name),
                            cwd=repo_root, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert differences(cpython(oracle, name), json.loads(result.stdout)) == []


def test_a_program_that_raises_exits_1_with_what_it_printed_and_the_error(oracle, run_cli):
    path = PROGRAMS / "own_error_backward_twice.py"
    result = run_cli("--program", str(path), "--json")
    assert result.returncode == 1, result.stderr
    printed = json.loads(result.stdout)
    expected = cpython(oracle, path.name)
    assert printed["stdout"] == "first backward: tensor(4.)\n"
    assert printed["error"] == {"line": 9, "type": "RuntimeError", "message": expected.error.message}
    assert differences(expected, printed) == []
