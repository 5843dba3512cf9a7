"""A GPU gives the same lab as the CPU: every view computed on the accelerator, compared with the CPU's.

These run where PyTorch sees an accelerator (cuda or mps) and are skipped elsewhere (CI has none).
Each compares everything a user reads (values, grads, the graph's nodes and ids, the backward player's
steps, the deeper views, the page's tables) with the same run on the CPU, and checks that every tensor
really lived on the accelerator.
"""

from __future__ import annotations

import dataclasses
import json
import math
import re
import subprocess
import sys

import pytest
from program_oracle import sources

from explorer import available_devices, explore, run_program
from explorer.compute.build import build, further
from explorer.compute.differentiation import derivative_graph, forward_mode, hessian, second_derivative_plot
from explorer.compute.explore import play
from explorer.content.lessons import LESSONS
from explorer.draw.render import has_dot
from explorer.language.points import Range
from explorer.model.state import PageState
from explorer.serve.pool import Limits, Pool

ACCELERATORS = [d for d in available_devices() if d != "cpu"]
pytestmark = pytest.mark.skipif(not ACCELERATORS, reason="PyTorch sees no GPU here")

# the lab's functions, each at its lab point, then every function of the language and the harder cases
LAB = [(lesson.function, dict(lesson.points)) for lesson in LESSONS]
LAB += [(text, {"x": "2"}) for lesson in LESSONS for text in lesson.compare]
FUNCTIONS = [
    "sin(x) + cos(x) + tan(x) + asin(x) + acos(x) + atan(x)",
    "sinh(x) * cosh(x) - tanh(x) + exp(x) + log(x) + log2(x) + log10(x) + sqrt(x)",
    "abs(x - 0.5) + relu(x - 0.5) + sigmoid(x) + F.softplus(x) + SQ(x) + SQFixed(x)",
    "sum(x ** 2) + mean(x) + max(x) + min(x) + pow(x, 3) + x ** x",
    "max(x, 0.5) + min(x, 0.5) + clamp(x, 0.3, 0.6) + where(x > 0.5, x ** 2, 2 * x)",
]
CASES = LAB + [(text, {"x": "0.2:0.8:4"}) for text in FUNCTIONS] + [
    ("u * v + sin(u) ** 2 / (1 + exp(v))", {"u": "-1:1:5", "v": "0:2:3"}),  # a grid of leaves
    ("log(x) + sqrt(x)", {"x": "0"}),  # -inf and an infinite slope: the notes must say the same
    ("relu(x)", {"x": "0"}),  # the kink: PyTorch's convention must hold on the device too
]


def assert_same(on_device, on_cpu, device: str, path: str = "") -> None:
    """Every field equal, floats to float32's noise, and every ``device`` field naming the accelerator."""
    if dataclasses.is_dataclass(on_device):
        on_device, on_cpu = dataclasses.asdict(on_device), dataclasses.asdict(on_cpu)
    if isinstance(on_device, dict):
        assert on_device.keys() == on_cpu.keys(), path
        for key in on_device:
            if key == "device":
                assert str(on_device[key]).startswith(device) and str(on_cpu[key]) == "cpu", path
            else:
                assert_same(on_device[key], on_cpu[key], device, f"{path}.{key}")
    elif isinstance(on_device, (list, tuple)):
        assert len(on_device) == len(on_cpu), path
        for i, (a, b) in enumerate(zip(on_device, on_cpu, strict=True)):
            assert_same(a, b, device, f"{path}[{i}]")
    elif isinstance(on_device, float) and isinstance(on_cpu, float):
        if math.isnan(on_cpu):
            assert math.isnan(on_device), path
        else:
            assert on_device == pytest.approx(on_cpu, rel=1e-5, abs=1e-5), path
    else:
        assert on_device == on_cpu, path


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize(("text", "at"), CASES, ids=[text for text, _ in CASES])
def test_the_exploration_on_the_device_is_the_cpus(device, text, at):
    on_device = explore(text, at, device=device, torchviz=False)
    assert_same(on_device, explore(text, at, torchviz=False), device)
    assert on_device.device == device
    tensors = on_device.graph.tensors
    assert tensors and all(t.device.startswith(device) for t in tensors), "every tensor lived on the device"


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_each_dtype_runs_on_the_device(device, dtype):
    result = explore("u * v + (u * v) ** 2", {"u": "2", "v": "1"}, device=device, dtype=dtype)
    assert (result.value, result.grad) == (6.0, {"u": 5.0, "v": 10.0})
    assert {(t.dtype, t.device.split(":")[0]) for t in result.graph.tensors} == {(dtype, device)}


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize(("text", "at"), LAB, ids=[text for text, _ in LAB])
def test_the_backward_player_steps_the_same_on_the_device(device, text, at):
    assert_same(play(text, at, device=device), play(text, at), device)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_the_deeper_views_run_on_the_device(device):
    at = {"u": 2.0, "v": 1.0}
    text = "u * v + (u * v) ** 2"
    assert_same(hessian(text, at, device=device), hessian(text, at), device)
    assert_same(forward_mode(text, at, "u", device=device), forward_mode(text, at, "u"), device)
    assert_same(derivative_graph(text, at, "u", device=device), derivative_graph(text, at, "u"), device)
    window = Range(-3.0, 3.0, 61)
    assert_same(second_derivative_plot("x ** 3", {"x": 1.0}, "x", window, device=device),
                second_derivative_plot("x ** 3", {"x": 1.0}, "x", window), device)


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("lesson", LESSONS, ids=[lesson.key for lesson in LESSONS])
def test_each_lessons_page_on_the_device_shows_what_the_cpus_shows(device, lesson):
    state = PageState(function=lesson.function, points=lesson.points, lesson=lesson.key)
    here, there = build(dataclasses.replace(state, device=device)), build(state)
    assert_same(here.result, there.result, device)
    assert_same(here.rows, there.rows, device)
    assert_same(here.comparisons, there.comparisons, device)
    assert here.text == there.text and here.dot == there.dot, "the drawing reads the same"
    assert f"device={device!r}" in here.script and here.script.replace(repr(device), "'cpu'") == there.script
    for mine, theirs in zip(here.plots, there.plots, strict=True):
        assert (mine.kind, mine.variables, mine.notes) == (theirs.kind, theirs.variables, theirs.notes)
        assert [t.get("name") for t in mine.figure["data"]] == [t.get("name") for t in theirs.figure["data"]]


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("topic", ["second", "hessian", "derivative-graph", "forward"])
def test_each_further_view_of_the_page_runs_on_the_device(device, topic):
    state = PageState(function="f = u * v + u ** 2", points=(("u", "1"), ("v", "2")))
    assert_same(further(dataclasses.replace(state, device=device), topic), further(state, topic), device)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_the_apps_workers_see_the_device_and_compute_on_it(device):
    """The app's pages are built in worker processes, each under a memory bound: the GPU must survive it."""
    pool = Pool(Limits(workers=1))
    try:
        assert device in pool.run("devices")
        page = pool.run("page", PageState(function="u * v + u ** 2", points=(("u", "1"), ("v", "2")),
                                          device=device), False)
        assert (page.result.value, page.result.grad) == (3.0, {"u": 4.0, "v": 1.0})
        assert all(t.device.startswith(device) for t in page.result.graph.tensors)
        assert pool.replaced == 0
    finally:
        pool.close()


@pytest.mark.parametrize("device", ACCELERATORS)
def test_the_command_line_runs_on_the_device(device, repo_root):
    done = subprocess.run([sys.executable, "-m", "explorer", "x ** 2 + 2 * x + 1", "--at", "x=2", "--device", device,
                           "--json"], cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert (answer["device"], answer["value"], answer["grad"]) == (device, 9.0, {"x": 6.0})


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.skipif(not has_dot(), reason="the script draws its graph with Graphviz's dot")
def test_the_downloaded_script_runs_on_the_device_and_prints_the_same_grads(device, tmp_path):
    page = build(PageState(function="u * v + u ** 2", points=(("u", "1"), ("v", "2")), device=device))
    (tmp_path / "lab.py").write_text(page.script)
    done = subprocess.run([sys.executable, "lab.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"df/du: tensor(4., device='{device}:0')" in done.stdout
    assert f"df/dv: tensor(1., device='{device}:0')" in done.stdout


# -- program mode on the device ----------------------------------------------------------------------------------

PROGRAMS = sources()
_DEVICE_ERROR = re.compile(r"cuda.*(cpu|numpy|host)|(cpu|numpy|host).*cuda", re.IGNORECASE)
_RANDOM = re.compile(r"\b(rand|randn|randint|randperm|rand_like|randn_like|normal_?|uniform_|Linear|Dropout|"
                     r"kaiming_\w+|xavier_\w+)\b")


def _without_device(text: str) -> str:
    """PyTorch's printout names the device (``device='cuda:0'``) and objects' addresses; the rest reads the same."""
    return re.sub(r" at 0x[0-9a-f]+", "", re.sub(r",\s*device='[a-z]+:?\d*'", "", text))


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("name", sorted(PROGRAMS))
def test_a_program_on_the_device_prints_and_leaves_what_it_does_on_the_cpu(device, name):
    source = PROGRAMS[name]
    here, there = run_program(source, device=device), run_program(source)
    if here.error is not None and _DEVICE_ERROR.search(here.error.message):
        # PyTorch's own answer to code written for the CPU (numpy() of a device tensor, torch.FloatTensor's CPU
        # gradient for a device output): the device run stops there, as a notebook on a GPU would
        assert there.error is None or there.error.line >= here.error.line
        return
    assert (here.error is None) == (there.error is None), (here.error, there.error)
    # a GPU draws its random numbers from its own generator: a program that draws some gets other values there
    same_numbers = not _RANDOM.search(source)
    printed_here, printed_there = _without_device(here.stdout), _without_device(there.stdout)
    if same_numbers:
        assert printed_here == printed_there or _numbers_close(printed_here, printed_there), (here.stdout,
                                                                                            there.stdout)
    mine, theirs = {t.name: t for t in here.tensors}, {t.name: t for t in there.tensors}
    assert mine.keys() == theirs.keys()
    for name, tensor in mine.items():
        if "device" not in source:  # a program that names its device keeps its tensors where it says
            assert tensor.device.startswith(device), f"{name} lived on the device"
        assert (tensor.shape, tensor.dtype, tensor.grad_fn, tensor.is_leaf) == (
            theirs[name].shape, theirs[name].dtype, theirs[name].grad_fn, theirs[name].is_leaf), name
        if same_numbers:
            assert_same(tensor.data, theirs[name].data, device, name)
            assert_same(tensor.grad, theirs[name].grad, device, name)
    if same_numbers:  # other random numbers may take other branches (d2l's while loop over a random norm)
        assert [(g.line, g.call, [n.name for n in g.graph.nodes]) for g in here.graphs] == [
            (g.line, g.call, [n.name for n in g.graph.nodes]) for g in there.graphs]


def _numbers_close(printed_here: str, printed_there: str) -> bool:
    """The same text but for the last digits of some numbers (a GPU's kernels round differently)."""
    number = re.compile(r"-?\d+\.\d*(?:e[-+]?\d+)?")
    if number.sub("#", printed_here) != number.sub("#", printed_there):
        return False
    pairs = zip(number.findall(printed_here), number.findall(printed_there), strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=1e-3, abs_tol=1e-4) for a, b in pairs)


@pytest.mark.parametrize("device", ACCELERATORS)
def test_the_command_line_runs_a_program_on_the_device(device, repo_root):
    program = PROGRAMS["lab_attributes"]
    done = subprocess.run([sys.executable, "-m", "explorer", "--program", "-", "--device", device, "--json"],
                          input=program, cwd=repo_root, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    answer = json.loads(done.stdout)
    assert answer["tensors"]["x"]["grad"] == 4.0 and answer["tensors"]["x"]["device"].startswith(device)


@pytest.mark.parametrize("device", ACCELERATORS)
@pytest.mark.parametrize("run_on", ["cpu", "device"])
def test_a_programs_random_numbers_on_the_device_are_the_same_on_every_run(device, run_on):
    """A shared link shows everyone the same numbers, also where the program picks the GPU itself."""
    import torch

    source = f"import torch\ntorch.set_default_device({device!r})\nprint(torch.randn(3))\n"
    first = run_program(source, device=device if run_on == "device" else "cpu")
    torch.randn(5, device=device)  # the process's generator moves on between two visitors' runs
    again = run_program(source, device=device if run_on == "device" else "cpu")
    assert first.error is None and again.stdout == first.stdout
