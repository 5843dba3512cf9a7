"""Server-side pictures: the real ``dot`` program, and one clear error whenever it cannot help."""

from __future__ import annotations

import shutil

import pytest

from explorer import explore
from explorer.dot import to_dot
from explorer.render import RenderError, has_dot, png, svg


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
