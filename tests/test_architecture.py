"""The lines the core holds: it never imports Streamlit, and it never evaluates text."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

import explorer

PACKAGE = Path(explorer.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))  # subpackages too: the language, model and compute layers

# Every module of the package, imported in a fresh interpreter; __main__ is left out
# because importing it runs the command line.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import explorer
names = sorted(m.name for m in pkgutil.iter_modules(explorer.__path__) if m.name != "__main__")
for name in names:
    importlib.import_module(f"explorer.{name}")
print(json.dumps({"modules": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""


def test_importing_every_module_of_the_core_does_not_import_streamlit(repo_root):
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL], cwd=repo_root, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert {"expression", "exploration", "graph", "dot", "render", "notebook", "cli"} <= set(report["modules"])
    assert report["streamlit"] == []


# Builtins that run or load text as code.
_RUNS_TEXT = {"eval", "exec", "compile", "__import__"}
# Modules whose attributes a name from user text must never select.
_TORCH_ROOTS = {"torch", "F", "nn", "np", "numpy", "math"}


def _root_name(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _offences(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in _RUNS_TEXT:
            found.append(f"line {node.lineno}: {func.id}(")
        if isinstance(func, ast.Attribute) and func.attr == "import_module":
            found.append(f"line {node.lineno}: import_module(")
        # getattr(torch..., name) with a computed name could reach any torch function; a literal is fine
        if isinstance(func, ast.Name) and func.id == "getattr" and node.args:
            computed = len(node.args) < 2 or not isinstance(node.args[1], ast.Constant)
            if _root_name(node.args[0]) in _TORCH_ROOTS and computed:
                found.append(f"line {node.lineno}: getattr({ast.unparse(node.args[0])}, <computed>)")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=[str(path.relative_to(PACKAGE)) for path in SOURCES])
def test_the_core_never_evaluates_text_or_looks_up_torch_by_a_computed_name(path):
    assert _offences(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("source", "caught"), [
    ("eval(text)", True),
    ("exec(text)", True),
    ("compile(text, '<typed>', 'eval')", True),
    ("__import__(name)", True),
    ("getattr(torch, name)(x)", True),
    ("getattr(torch.nn.functional, name)(x)", True),
    ("re.compile(r'x')", False),  # a regular expression, not code
    ("ast.parse(text, mode='eval')", False),  # read, never run
    ("getattr(torch.backends, 'mps', None)", False),  # a fixed name
    ("getattr(fn, attr)", False),  # graph.py: names from dir() of PyTorch's own node
])
def test_the_scan_tells_running_text_from_reading_it(source, caught):
    assert bool(_offences(source)) is caught
