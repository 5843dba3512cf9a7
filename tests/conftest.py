"""Shared fixtures: PyTorch as the oracle, the real ``dot`` program, and the command line as a subprocess."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import torch
from hypothesis import settings
from program_oracle import Oracle
from program_sandbox import Sandbox

from explorer.draw.render import has_dot

# tests/programs holds programs for program mode to run, not modules: --doctest-modules would import (run) them
collect_ignore = ["programs"]

# every property test draws the same cases on every run and keeps no database: a red CI run is reproducible,
# and a green one is not luck
settings.register_profile("explorer", derandomize=True, database=None)
settings.load_profile("explorer")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository root: where ``python -m explorer`` finds the package."""
    return REPO


@pytest.fixture(scope="session")
def oracle() -> Iterator[Oracle]:
    """CPython as program mode's oracle (``program_oracle.Oracle``): one interpreter for the whole session."""
    cpython = Oracle()
    yield cpython
    cpython.close()


@pytest.fixture(scope="session")
def sandbox() -> Iterator[Sandbox]:
    """Hostile programs' ``run_program``, each in a forked child with a memory and time cap (``program_sandbox``)."""
    box = Sandbox()
    yield box
    box.close()


@pytest.fixture
def torch_grads() -> Callable[..., tuple[torch.Tensor, dict[str, torch.Tensor]]]:
    """The oracle: value and gradients of ``fn`` computed directly with PyTorch in float64.

    ``torch_grads(lambda x: x ** 2, x=[1.0, 2.0])`` returns ``(value, {"x": grad})``;
    an output with several elements is summed first, as the lab's sum trick does.
    """

    def compute(fn: Callable[..., torch.Tensor], **points: object) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        leaves = {name: torch.tensor(point, dtype=torch.float64, requires_grad=True) for name, point in points.items()}
        value = fn(**leaves)
        grads = torch.autograd.grad(value.sum(), list(leaves.values()), allow_unused=True)
        return value.detach(), {name: grad for name, grad in zip(leaves, grads, strict=True)}

    return compute


@pytest.fixture
def dot_program() -> None:
    """Skip where Graphviz's ``dot`` is not installed (the suite still runs everything else)."""
    if not has_dot():
        pytest.skip("Graphviz's dot program is not on PATH")


@pytest.fixture(scope="session")
def svg_ids() -> Callable[[str], set[str]]:
    """The ids of the ``<g>`` elements in an SVG that ``dot`` wrote."""

    def ids(svg_text: str) -> set[str]:
        return set(re.findall(r'<g id="([^"]+)" class="node"', svg_text))

    return ids


@pytest.fixture(scope="session")
def run_cli() -> Callable[..., subprocess.CompletedProcess]:
    """Run ``python -m explorer ARGS`` in a fresh interpreter from the repository root."""

    def run(*args: str, env: Mapping[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "explorer", *args], cwd=REPO, capture_output=True, text=True,
                              timeout=120, check=False, env=dict(env) if env is not None else dict(os.environ))

    return run
