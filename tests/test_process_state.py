"""Process-wide settings: nothing a visitor does (a lesson, a pitfall, a deeper view, hostile text) changes them.

A hosted explorer serves every visitor from one Python process. PyTorch's thread count, default dtype and
device, grad and anomaly mode, random state and print options are shared by all of them, so one visitor's
input must never be able to change what the next visitor's run does. ``process_settings`` reads every one of
them; each test compares a snapshot taken before the work with one taken after.
"""

from __future__ import annotations

import os
import sys
import warnings
from collections.abc import Callable

import pytest
import torch
import torch.autograd.forward_ad as forward_ad

from explorer import ExpressionError, explore, gradcheck_function, parse
from explorer.compute.build import build, further, step_view
from explorer.compute.pitfall_runs import run as run_pitfall
from explorer.content.lessons import LESSONS, check_answer
from explorer.content.pitfalls import PITFALLS
from explorer.language.points import read_point
from explorer.model.page import TOPICS
from explorer.model.state import PageState, from_query


def process_settings() -> dict[str, object]:
    """Every process-wide (or thread-wide) setting a run of PyTorch could leave changed behind it."""
    return {
        "threads": torch.get_num_threads(),
        "interop threads": torch.get_num_interop_threads(),
        "default dtype": torch.get_default_dtype(),
        "default device": torch.get_default_device(),
        "grad mode": torch.is_grad_enabled(),
        "inference mode": torch.is_inference_mode_enabled(),
        "anomaly mode": torch.is_anomaly_enabled(),
        "anomaly nan check": torch.is_anomaly_check_nan_enabled(),
        "forward-mode level": forward_ad._current_level,
        "initial seed": torch.initial_seed(),
        "random state": tuple(torch.get_rng_state().tolist()),
        "print options": dict(vars(torch._tensor_str.PRINT_OPTS)),
        "deterministic algorithms": (torch.are_deterministic_algorithms_enabled(),
                                     torch.is_deterministic_algorithms_warn_only_enabled()),
        "float32 matmul precision": torch.get_float32_matmul_precision(),
        "warn always": torch.is_warn_always_enabled(),
        "autograd multithreading": torch.autograd.is_multithreading_enabled(),
        "cpu autocast": torch.is_autocast_enabled("cpu"),
        "mkldnn": torch.backends.mkldnn.enabled,
        "cudnn": (torch.backends.cudnn.enabled, torch.backends.cudnn.deterministic, torch.backends.cudnn.benchmark),
        "recursion limit": sys.getrecursionlimit(),
        "int digits": sys.get_int_max_str_digits(),
        "working directory": os.getcwd(),
        # pytest names the running test and its phase here; nothing else may come or go
        "environment": {key: value for key, value in os.environ.items() if key != "PYTEST_CURRENT_TEST"},
        "warning filters": list(warnings.filters),
    }


def changed_settings(before: dict[str, object], after: dict[str, object]) -> list[str]:
    """The names of the settings that differ, for a readable failure."""
    return [name for name in before if before[name] != after[name]]


# A module PyTorch, Plotly or SymPy imports the first time it is needed may add its own warning filter or
# environment variable: that happens once per process, whoever comes first, and changes no setting above.
_FIRST_IMPORTS = ("warning filters", "environment")


def _only_added(before: object, after: object) -> bool:
    if isinstance(before, dict):
        return before.items() <= after.items()
    return set(before) <= set(after)


@pytest.fixture(scope="module", autouse=True)
def warmed_up():
    """Run each kind of work once, so the tests below see a process whose modules are all imported."""
    before = process_settings()
    state = PageState(function="y = x ** 2")
    build(state)
    for topic in TOPICS:
        further(state, topic)
    for pitfall in PITFALLS:
        run_pitfall(pitfall.key)
    gradcheck_function("SQ")
    after = process_settings()
    changed = changed_settings(before, after)
    assert set(changed) <= set(_FIRST_IMPORTS), changed
    assert all(_only_added(before[name], after[name]) for name in changed)


# Each way a setting can change, with how to put it back: the snapshot must see every one.
_CHANGES: dict[str, tuple[Callable[[], None], Callable[[], None]]] = {
    "threads": (lambda: torch.set_num_threads(torch.get_num_threads() + 1),
                lambda: torch.set_num_threads(torch.get_num_threads() - 1)),
    "default dtype": (lambda: torch.set_default_dtype(torch.float64), lambda: torch.set_default_dtype(torch.float32)),
    "grad mode": (lambda: torch.set_grad_enabled(False), lambda: torch.set_grad_enabled(True)),
    "anomaly mode": (lambda: torch.autograd.set_detect_anomaly(True), lambda: torch.autograd.set_detect_anomaly(False)),
    "print options": (lambda: torch.set_printoptions(precision=9), lambda: torch.set_printoptions(precision=4)),
    "deterministic algorithms": (lambda: torch.use_deterministic_algorithms(True),
                                 lambda: torch.use_deterministic_algorithms(False)),
}


@pytest.mark.parametrize("setting", sorted(_CHANGES))
def test_the_snapshot_sees_each_setting_a_visitor_could_change(setting):
    change, restore = _CHANGES[setting]
    change()
    restore()  # once first: the first toggle of some settings imports modules that set an environment variable
    before = process_settings()
    change()
    try:
        assert setting in changed_settings(before, process_settings())
    finally:
        restore()
    assert changed_settings(before, process_settings()) == []


def test_the_snapshot_sees_the_random_state_move():
    before = process_settings()
    state = torch.get_rng_state()
    torch.rand(1)  # what dropout or any random function in a visitor's text would do
    try:
        assert changed_settings(before, process_settings()) == ["random state"]
    finally:
        torch.set_rng_state(state)


@pytest.mark.parametrize("chosen", LESSONS, ids=[each.key for each in LESSONS])
def test_every_lesson_leaves_the_process_as_it_found_it(chosen):
    before = process_settings()
    state = PageState(function=chosen.function, points=chosen.points, lesson=chosen.key)
    page = build(state, hide_grads=chosen.question is not None)
    if chosen.question is not None:
        for typed in ("0", "7", "5", "not a number"):
            check_answer(chosen.question, typed, build(state).result.grad)
    else:
        for step in range(1, len(page.playback.steps) + 1):
            step_view(page, step)
    assert changed_settings(before, process_settings()) == []


@pytest.mark.parametrize("name", ["SQ", "SQFixed"])
def test_the_lab_functions_gradcheck_leaves_the_process_as_it_found_it(name):
    before = process_settings()
    gradcheck_function(name)
    assert changed_settings(before, process_settings()) == []


@pytest.mark.parametrize("pitfall", PITFALLS, ids=[each.key for each in PITFALLS])
def test_every_pitfall_leaves_the_process_as_it_found_it(pitfall):
    before = process_settings()
    run_pitfall(pitfall.key)
    assert changed_settings(before, process_settings()) == []


@pytest.mark.parametrize("topic", sorted(TOPICS))
@pytest.mark.parametrize("state", [
    PageState(function="y = x ** 2 + 2 * x + 1"),
    PageState(function="f = u * v + u ** 2"),
    PageState(function="y = torch.relu(x)", points=(("x", "-2:2:41"),)),
], ids=["one variable", "two variables", "a range"])
def test_every_further_topic_leaves_the_process_as_it_found_it(topic, state):
    before = process_settings()
    further(state, topic)
    assert changed_settings(before, process_settings()) == []


# Text that names each process-wide setting, typed where a visitor types: the function box, a point, a link.
SETTING_CHANGERS = [
    "torch.set_num_threads(1)",
    "torch.set_num_interop_threads(1)",
    "torch.set_default_dtype(torch.float64)",
    "torch.set_default_device(x)",
    "torch.set_default_tensor_type(x)",
    "torch.set_grad_enabled(0)",
    "torch.no_grad()",
    "torch.inference_mode()",
    "torch.autograd.set_detect_anomaly(1)",
    "torch.autograd.set_grad_enabled(0)",
    "torch.manual_seed(0)",
    "torch.seed()",
    "torch.set_rng_state(x)",
    "torch.rand(1)",
    "F.dropout(x)",
    "torch.set_printoptions(precision=9)",
    "torch.use_deterministic_algorithms(1)",
    "torch.set_float32_matmul_precision(x)",
    "torch.set_warn_always(1)",
    "torch.set_flush_denormal(1)",
    "torch.backends.cudnn.enabled = 0",
    "torch.autograd.set_multithreading_enabled(0)",
    "torch.autograd.forward_ad.enter_dual_level()",
    "sys.setrecursionlimit(10)",
    "os.chdir(x)",
    "os.environ.clear()",
    "warnings.simplefilter(x)",
]


@pytest.mark.parametrize("text", SETTING_CHANGERS)
def test_text_naming_a_process_setting_is_refused_everywhere_a_visitor_types(text, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    before = process_settings()
    with pytest.raises(ExpressionError):
        parse(text)
    with pytest.raises(ExpressionError):
        explore(text, {"x": 2})
    state, problems = from_query({"f": text, "x": text, "plot": text, "device": text, "dtype": text})
    assert len(problems) == 4  # every parameter but the function, which the page parses like typed text
    with pytest.raises(ExpressionError):
        build(state)
    with pytest.raises(ExpressionError):
        read_point(text)
    question = next(each.question for each in LESSONS if each.question is not None)
    assert not check_answer(question, text, explore("y = 2 * x ** 3 + x", {"x": 1}).grad).correct
    assert changed_settings(before, process_settings()) == []
    assert list(tmp_path.iterdir()) == []
