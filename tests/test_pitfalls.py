"""The pitfalls: PyTorch's own error for each broken snippet and the fix's output, from the displayed code itself."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest
import torch

from explorer.compute.pitfall_runs import run
from explorer.content.pitfalls import PITFALLS, Outcome
from explorer.language.program import check

KEYS = [pitfall.key for pitfall in PITFALLS]

# key: (error type, a fragment of PyTorch's own wording, what the fix prints, what the broken snippet prints).
# Fragments rather than whole messages: PyTorch rewords its errors between versions.
EXPECTED = {
    "non-scalar-backward": ("RuntimeError", "implicitly created only for scalar outputs", "tensor([2., 4., 6.])", ""),
    "backward-twice": ("RuntimeError", "backward through the graph a second time", "tensor(4.)\ntensor(8.)", ""),
    "grads-add-up": (None, "tensor(8.)", "tensor(4.)", "tensor(8.)"),
    "numpy-requires-grad": ("RuntimeError", "Use tensor.detach().numpy() instead", "[1. 4. 9.]", ""),
    "moved-leaf": ("UserWarning", "not a leaf Tensor is being accessed", "True tensor(4., dtype=torch.float64)",
                   "False None"),
    "in-place": ("RuntimeError", "has been modified by an inplace operation", "tensor(7.3891)", ""),
    "no-requires-grad": ("RuntimeError", "does not require grad and does not have a grad_fn", "tensor(4.)", ""),
}


@pytest.mark.parametrize("key", list(EXPECTED))
def test_each_pitfall_reports_pytorchs_own_words_and_what_the_fix_prints(key):
    error_type, fragment, fixed_output, printed = EXPECTED[key]
    outcome = run(key)
    assert outcome.key == key
    assert outcome.error_type == error_type
    assert fragment in outcome.message
    assert outcome.fixed_output == fixed_output
    assert outcome.printed == printed


def test_every_pitfall_the_issue_asked_for_is_there_and_nothing_is_untested():
    assert KEYS == list(EXPECTED)


def test_when_pytorch_says_nothing_the_message_sets_the_surprise_against_the_fix():
    outcome = run("grads-add-up")
    assert outcome.printed in outcome.message and outcome.fixed_output in outcome.message
    assert "no error" in outcome.message


@pytest.mark.parametrize("pitfall", PITFALLS, ids=KEYS)
def test_every_pitfall_has_a_title_code_explanation_and_a_different_fix(pitfall):
    assert pitfall.title and pitfall.code and pitfall.explanation and pitfall.fix
    assert pitfall.fix != pitfall.code
    check("import torch\n" + pitfall.code)  # program mode accepts both as a learner pastes them
    check("import torch\n" + pitfall.fix)


def test_keys_are_unique():
    assert len(KEYS) == len(set(KEYS))


def test_an_unknown_key_raises_key_error_naming_the_known_ones():
    with pytest.raises(KeyError, match="no pitfall 'nope'") as caught:
        run("nope")
    assert all(key in str(caught.value) for key in KEYS)


def test_running_every_pitfall_twice_gives_the_same_outcomes():
    first = [run(key) for key in KEYS]
    assert [run(key) for key in KEYS] == first
    assert all(isinstance(outcome, Outcome) for outcome in first)


def test_running_the_pitfalls_leaves_torch_and_warnings_as_they_were():
    before = (torch.is_grad_enabled(), torch.is_anomaly_enabled(), torch.get_default_dtype(), list(warnings.filters))
    for key in KEYS:
        run(key)
    after = (torch.is_grad_enabled(), torch.is_anomaly_enabled(), torch.get_default_dtype(), list(warnings.filters))
    assert after == before


def test_a_fix_that_fails_is_the_explorers_fault_and_says_so(monkeypatch):
    from explorer.compute import pitfall_runs
    from explorer.content.pitfalls import Pitfall

    broken_fix = Pitfall("broken-fix", "a fix that fails", "x = 1", "why", "y = torch.ones(2) @ torch.ones(3)")
    monkeypatch.setitem(pitfall_runs._BY_KEY, "broken-fix", broken_fix)
    with pytest.raises(RuntimeError, match="the fix of pitfall 'broken-fix' raised RuntimeError"):
        run("broken-fix")


# CPython runs each displayed snippet as a learner's notebook would, as the oracle that program mode's
# interpreter reports what PyTorch really says; the core never runs text.
_RUN_SNIPPETS = """
import contextlib, io, json, sys, warnings
import torch
results = {}
for name, source in json.loads(sys.stdin.read()).items():
    out, said = io.StringIO(), None
    with warnings.catch_warnings(record=True) as caught, contextlib.redirect_stdout(out):
        warnings.simplefilter("always")
        try:
            exec(source, {"torch": torch})
        except Exception as err:
            said = [type(err).__name__, str(err)]
    if said is None and caught:
        said = [caught[0].category.__name__, str(caught[0].message)]
    results[name] = {"printed": out.getvalue().rstrip("\\n"), "said": said}
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def snippets_run_alone() -> dict[str, dict]:
    sources = {f"{p.key}:{side}": getattr(p, side) for p in PITFALLS for side in ("code", "fix")}
    done = subprocess.run([sys.executable, "-c", _RUN_SNIPPETS], input=json.dumps(sources), capture_output=True,
                          text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.splitlines()[-1])


@pytest.mark.parametrize("key", KEYS)
def test_the_displayed_snippets_say_and_print_what_run_reports(key, snippets_run_alone):
    outcome = run(key)
    broken, fixed = snippets_run_alone[f"{key}:code"], snippets_run_alone[f"{key}:fix"]
    said = [outcome.error_type, outcome.message] if outcome.error_type else None
    assert broken == {"printed": outcome.printed, "said": said}
    assert fixed == {"printed": outcome.fixed_output, "said": None}
