"""Server-side pictures: the real ``dot`` program, and one clear error whenever it cannot help."""

from __future__ import annotations

import shutil
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from explorer import explore
from explorer.draw.dot import to_dot
from explorer.draw.render import RenderError, has_dot, png, svg


def test_has_dot_says_whether_dot_is_on_path():
    assert has_dot() is (shutil.which("dot") is not None)


def test_svg_of_a_recorded_graph(dot_program):
    text = svg(to_dot(explore("x ** 2", {"x": 2}).graph))
    assert "<svg" in text and "PowBackward0" in text


def test_png_of_a_recorded_graph(dot_program):
    assert png(to_dot(explore("x ** 2", {"x": 2}).graph)).startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("source", ["digraph {", "not dot at all", 'digraph { a -> }'])
def test_malformed_dot_is_a_render_error(source, dot_program):
    with pytest.raises(RenderError) as caught:
        svg(source)
    assert "dot failed" in str(caught.value)


def test_a_layout_past_its_time_limit_is_a_render_error(dot_program):
    with pytest.raises(RenderError) as caught:
        svg(to_dot(explore("x ** 2", {"x": 2}).graph), timeout=1e-6)
    assert "longer than" in str(caught.value)


def test_missing_dot_is_a_render_error_that_names_graphviz(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert not has_dot()
    with pytest.raises(RenderError) as caught:
        svg("digraph { a -> b }")
    assert "Graphviz" in str(caught.value)


def _one_shot(source: str) -> str:
    return subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode(), capture_output=True,
                          check=True).stdout.decode()


GRAPHS = [to_dot(explore(text, {"x": 2}).graph) for text in ("x ** 2", "sin(x) * x + x", "relu(x - 1)")]


def test_graphs_laid_out_one_after_another_each_get_their_own_drawing_as_a_one_shot_dot_draws_it(dot_program):
    for source in GRAPHS * 3:
        assert svg(source) == _one_shot(source)


@pytest.mark.parametrize("broken", ["digraph {", 'digraph { a -> }', "not dot at all"])
def test_after_a_graph_dot_cannot_read_the_next_graph_is_drawn_right(broken, dot_program):
    with pytest.raises(RenderError):
        svg(broken)
    assert svg(GRAPHS[1]) == _one_shot(GRAPHS[1])


def test_after_a_layout_stopped_at_its_time_limit_the_next_graph_is_drawn_right(dot_program):
    with pytest.raises(RenderError):
        svg(GRAPHS[1], timeout=1e-6)
    assert svg(GRAPHS[2]) == _one_shot(GRAPHS[2])


def test_layouts_asked_for_at_once_each_get_their_own_graph(dot_program):
    with ThreadPoolExecutor(max_workers=6) as pool:
        drawn = list(pool.map(svg, GRAPHS * 4))
    assert drawn == [_one_shot(source) for source in GRAPHS * 4]


def test_the_dot_kept_running_ends_with_the_process(dot_program, repo_root):
    """A server stopped (or a test run ended) leaves no dot behind, and Python has nothing to warn about."""
    script = ("import sys; sys.path.insert(0, sys.argv[1]); from explorer.draw.render import svg, _RUNNING; "
              "svg('digraph { a -> b }'); print(_RUNNING._child.process.pid)")
    done = subprocess.run([sys.executable, "-W", "error", "-X", "dev", "-c", script, str(repo_root)],
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "ResourceWarning" not in done.stderr, done.stderr
    pid = int(done.stdout)
    assert not Path(f"/proc/{pid}").exists() or "zombie" in Path(f"/proc/{pid}/status").read_text().lower()
