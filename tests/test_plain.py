"""Pages cross from the workers as JSON text and come back equal; nothing else can be built from it."""

from __future__ import annotations

import json
import pickle

import pytest

from explorer.compute.build import build, further
from explorer.compute.pitfall_demos import run as run_pitfall
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
])
def test_anything_but_the_explorers_own_results_is_refused(text):
    with pytest.raises(ValueError):
        plain.loads(text)


def test_a_pickle_is_not_read():
    with pytest.raises(ValueError):
        plain.loads(pickle.dumps(PageState()))


def test_every_result_class_has_a_name_of_its_own():
    names = [cls.__name__ for cls in plain.KINDS.values()]
    assert len(names) == len(set(names)) and {"Page", "Further", "StepView", "Outcome"} <= set(names)
