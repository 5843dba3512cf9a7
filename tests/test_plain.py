"""Pages cross from the workers as JSON text and come back equal; nothing else can be built from it."""

from __future__ import annotations

import dataclasses
import importlib
import json
import pickle
import pkgutil
import types

import pytest

from explorer.compute.build import build, further
from explorer.compute.pitfall_runs import run as run_pitfall
from explorer.content.lessons import LESSONS
from explorer.content.pitfalls import PITFALLS
from explorer.model.state import PageState
from explorer.serve import plain


def lesson_state(key: str) -> PageState:
    chosen = next(lesson for lesson in LESSONS if lesson.key == key)
    return PageState(function=chosen.function, points=chosen.points, lesson=key)


@pytest.mark.parametrize("key", [lesson.key for lesson in LESSONS])
def test_every_lessons_page_comes_back_equal(key):
    page = build(lesson_state(key))
    assert plain.loads(plain.dumps(page)) == page


@pytest.mark.parametrize("topic", ["second", "hessian", "derivative-graph", "forward"])
def test_the_deeper_views_come_back_equal(topic):
    view = further(PageState(function="u*v + u**2", points=(("u", "1"), ("v", "2"))), topic)
    assert plain.loads(plain.dumps(view)) == view


def test_a_pitfalls_outcome_comes_back_equal():
    outcome = run_pitfall(PITFALLS[0].key)
    assert plain.loads(plain.dumps(outcome)) == outcome


def test_nan_and_infinity_survive_the_trip():
    page = build(PageState(function="1/x", points=(("x", "0"),)))
    back = plain.loads(plain.dumps(page))
    assert back.result.value == float("inf") and back == page


def test_the_text_is_json_and_names_no_python_module():
    text = plain.dumps(build(PageState(function="x**2", points=(("x", "2"),))))
    json.loads(text)
    assert "explorer." not in text and "__" not in text


@pytest.mark.parametrize("text", [
    '{"@": "Popen", "f": {"args": "sh"}}',  # a class that is not one of the explorer's results
    '{"@": "__import__", "f": {}}',
    '{"@": "Range", "f": {"start": 0, "stop": 1, "count": 2, "extra": 1}}',  # a field Range does not have
    '{"@d": [[[1], 2]]}',  # a list as a key
    '{"a": 1}',  # an object that is none of the encodings
    "not json",
    '{"@r": 0}',  # a reference to nothing read before
    '{"@t": [{"@": "Range", "f": {"start": 0, "stop": 1, "count": 2}}, {"@r": 1}]}',  # past what was read
    '{"@": "Plot", "f": {"title": {"@r": 0}}}',  # to the dataclass still being read: a cycle
    '{"@t": [{"@": "Range", "f": {"start": 0, "stop": 1, "count": 2}}, {"@r": true}]}',  # not a number
])
def test_anything_but_the_explorers_own_results_is_refused(text):
    with pytest.raises(ValueError):
        plain.loads(text)


def test_a_part_two_results_share_crosses_once_and_comes_back_shared():
    # a page's graph is its exploration's and its player's: the app reads it once, and holds it once
    page = build(PageState(function="torch.sin(x) * x + x", points=(("x", "0.5"),)))
    assert page.result.graph is page.playback.graph
    text = plain.dumps(page)
    back = plain.loads(text)
    assert back == page and back.result.graph is back.playback.graph
    assert text.count('"@":"Graph"') == 1


def test_a_pickle_is_not_read():
    with pytest.raises(ValueError):
        plain.loads(pickle.dumps(PageState()))


def test_two_result_classes_with_one_name_are_refused():
    """The JSON names a class by its name alone: a second class of the same name would be read as the first."""
    first, second = types.ModuleType("first"), types.ModuleType("second")
    for module in (first, second):
        cls = dataclasses.make_dataclass("Result", [("value", int)], frozen=True)
        cls.__module__ = module.__name__
        module.Result = cls
    with pytest.raises(TypeError, match="two result classes are named Result"):
        plain.kinds((first, second))
    assert list(plain.kinds((first,))) == ["Result"]


def test_every_dataclass_of_the_model_layer_is_frozen_and_can_cross_between_processes():
    """A result the app reads from a worker must be a frozen dataclass that the JSON can name."""
    import explorer.model

    for info in pkgutil.iter_modules(explorer.model.__path__, "explorer.model."):
        module = importlib.import_module(info.name)
        for cls in vars(module).values():
            if isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__:
                assert cls.__dataclass_params__.frozen, cls
                assert plain.KINDS.get(cls.__name__) is cls, f"{cls.__name__} is not in plain.KINDS"
