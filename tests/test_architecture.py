"""The lines the core holds: its layers, torch in one of them, no Streamlit, and it never evaluates text."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

import explorer

PACKAGE = Path(explorer.__file__).resolve().parent
SOURCES = sorted(PACKAGE.rglob("*.py"))
LAYERS = ("serve", "compute", "draw", "model", "content", "language")

# Every module of the package, imported in a fresh interpreter; __main__ is left out
# because importing it runs the command line.
_IMPORT_ALL = """
import importlib, json, pkgutil, sys
import explorer
names = sorted(m.name for m in pkgutil.walk_packages(explorer.__path__, "explorer.") if m.name != "explorer.__main__")
for name in names:
    importlib.import_module(name)
print(json.dumps({"modules": names, "streamlit": sorted(m for m in sys.modules if m.split(".")[0] == "streamlit")}))
"""


def test_importing_every_module_of_the_core_does_not_import_streamlit(repo_root):
    done = subprocess.run([sys.executable, "-c", _IMPORT_ALL], cwd=repo_root, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout.splitlines()[-1])
    assert {f"explorer.{layer}" for layer in LAYERS} <= set(report["modules"])
    assert report["streamlit"] == []


def test_the_import_contracts_hold(repo_root):
    """pyproject.toml's contracts: the layers in order, torch in explorer.compute alone, no Streamlit."""
    done = subprocess.run([str(Path(sys.executable).with_name("lint-imports")), "--no-cache"], cwd=repo_root,
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


def test_the_types_of_the_core_check(repo_root):
    """mypy over explorer/ as pyproject.toml configures it (`make lint` runs it too), so CI checks the types."""
    done = subprocess.run([sys.executable, "-m", "mypy"], cwd=repo_root, capture_output=True, text=True,
                          timeout=300, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.startswith("Success: no issues found")


def test_the_layers_show_in_the_folders():
    """A newcomer sees the layers as subpackages; few modules are left at the top."""
    top = sorted(path.stem for path in PACKAGE.glob("*.py"))
    assert set(top) <= {"__init__", "__main__", "cli", "errors", "child"}, top
    assert all((PACKAGE / layer / "__init__.py").is_file() for layer in LAYERS)


def _module_names(root: Path) -> list[tuple[str, Path]]:
    return [(path.stem, path) for path in sorted(root.rglob("*.py")) if path.stem != "__init__"]


def test_no_two_modules_share_a_name_or_shadow_the_standard_library(repo_root):
    seen: dict[str, Path] = {}
    for name, path in _module_names(PACKAGE) + _module_names(repo_root / "panels"):
        assert name not in seen, f"{path} and {seen[name]} share the name {name}"
        assert name not in sys.stdlib_module_names or name == "__main__", f"{path} shadows the standard library"
        seen[name] = path


def _function_level_imports(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            for inner in ast.walk(node):
                if isinstance(inner, ast.ImportFrom) and (inner.level or (inner.module or "").split(".")[0]
                                                           in {"explorer", "panels"}):
                    found.append(f"line {inner.lineno}: from {'.' * inner.level}{inner.module or ''} import ...")
                if isinstance(inner, ast.Import) and any(a.name.split(".")[0] in {"explorer", "panels"}
                                                         for a in inner.names):
                    found.append(f"line {inner.lineno}: import {', '.join(a.name for a in inner.names)}")
    return found


_PROJECT_SOURCES = SOURCES + sorted((PACKAGE.parent / "panels").glob("*.py")) + [PACKAGE.parent / "app.py"]


@pytest.mark.parametrize("path", _PROJECT_SOURCES, ids=lambda p: str(p.relative_to(PACKAGE.parent)))
def test_no_module_imports_a_project_module_inside_a_function(path):
    assert _function_level_imports(path.read_text(encoding="utf-8")) == []


@pytest.mark.parametrize(("source", "caught"), [
    ("def f():\n    from explorer.compute import build", True),
    ("def f():\n    from . import plain", True),
    ("def f():\n    import explorer.serve.pool", True),
    ("def f():\n    import json", False),
    ("from explorer.compute import build", False),
])
def test_the_function_level_import_scan_finds_what_it_should(source, caught):
    assert bool(_function_level_imports(source)) is caught


def _cycles(imports: dict[str, set[str]]) -> list[list[str]]:
    """Every import cycle reachable in ``imports`` (module -> modules it imports), found with an explicit stack."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    found = []
    for start in sorted(imports):
        if start in state:
            continue
        path, stack = [start], [iter(sorted(imports[start]))]
        state[start] = 1
        while stack:
            child = next(stack[-1], None)
            if child is None:
                state[path.pop()] = 2
                stack.pop()
            elif state.get(child) == 1:
                found.append(path[path.index(child):] + [child])
            elif child not in state:
                state[child] = 1
                path.append(child)
                stack.append(iter(sorted(imports.get(child, ()))))
    return found


def test_no_module_of_the_core_is_in_an_import_cycle():
    graph = grimp.build_graph("explorer", cache_dir=None)
    imports = {m: graph.find_modules_directly_imported_by(m) for m in graph.modules}
    assert _cycles(imports) == []


def test_the_cycle_finder_finds_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


# Builtins that run or load text as code.
_RUNS_TEXT = {"eval", "exec", "compile", "__import__"}
# Modules whose attributes a name from user text must never select.
_TORCH_ROOTS = {"torch", "F", "nn", "np", "numpy", "math"}


def _root_name(node: ast.AST) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _fixed_table(call: ast.Call) -> bool:
    """``import_module(f"explorer.{_HOMES[name]}")``: a module named by the package's own fixed table."""
    arg = call.args[0] if call.args else None
    return (isinstance(arg, ast.JoinedStr) and len(arg.values) == 2 and isinstance(arg.values[0], ast.Constant)
            and arg.values[0].value == "explorer." and isinstance(arg.values[1], ast.FormattedValue)
            and isinstance(arg.values[1].value, ast.Subscript) and isinstance(arg.values[1].value.value, ast.Name)
            and arg.values[1].value.value.id == "_HOMES")


def _offences(source: str) -> list[str]:
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in _RUNS_TEXT:
            found.append(f"line {node.lineno}: {func.id}(")
        if isinstance(func, ast.Attribute) and func.attr == "import_module" and not _fixed_table(node):
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
    ("importlib.import_module(name)", True),
    ("importlib.import_module(f'explorer.{_HOMES[name]}')", False),  # the package's fixed table of names
    ("getattr(torch.backends, 'mps', None)", False),  # a fixed name
    ("getattr(fn, attr)", False),  # graph.py: names from dir() of PyTorch's own node
])
def test_the_scan_tells_running_text_from_reading_it(source, caught):
    assert bool(_offences(source)) is caught
