"""The page state in a link: what a page shows survives the URL, and a crafted link still opens a working page."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import DTYPES, VARIABLES
from explorer.content.lessons import LESSONS
from explorer.content.pitfalls import PITFALLS
from explorer.language.expression import MAX_LENGTH
from explorer.model.state import DEEPER_VIEWS, DEFAULT_POINTS, VIEWS, PageState, from_query, to_query

DEVICES = ("cpu", "cuda")  # as on a machine with a GPU; from_query is told what is present

_numbers = st.one_of(
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda v: f"{v:g}"),
    st.sampled_from(["pi", "-pi", "2pi", "0.5*pi", ".5", "-3.", "1e-3"]),
)
_ranges = st.builds(lambda a, b, n: f"{a}:{b}:{n}", _numbers, _numbers, st.integers(1, 10_000))
_nodes = st.one_of(st.just(""), st.builds(lambda kind, n: f"{kind}{n}", st.sampled_from("tn"), st.integers(0, 999_999)),
                   st.builds(lambda n, s: f"n{n}.s{s}", st.integers(0, 999), st.integers(0, 9999)))
_states = st.builds(
    PageState,
    function=st.one_of(st.sampled_from([each.function for each in LESSONS]), st.text(min_size=1, max_size=200)),
    points=st.dictionaries(st.sampled_from(VARIABLES), st.one_of(_numbers, _ranges), max_size=4).map(
        lambda points: tuple(sorted(points.items()))),
    window=_ranges,
    device=st.sampled_from(DEVICES),
    dtype=st.sampled_from(sorted(DTYPES)),
    view=st.sampled_from(VIEWS),
    lesson=st.sampled_from(["", *(each.key for each in LESSONS)]),
    node=_nodes,
    further=st.sampled_from(["", *DEEPER_VIEWS]),
    pitfall=st.sampled_from(["", *(each.key for each in PITFALLS)]),
)


@settings(max_examples=150, deadline=None)
@given(_states)
def test_every_valid_state_survives_the_link(state):
    assert from_query(to_query(state), DEVICES) == (state, ())


@pytest.mark.parametrize("state", [
    PageState(),
    PageState(function="f = u * v + u ** 2", points=(("u", "1"), ("v", "2"))),
    PageState(function="Y = torch.relu(x)", points=(("x", "-10:10:1000"),), lesson="relu"),
    PageState(function="y = x ** 2", window="-2:2:101", dtype="float64", view="torchviz", node="n0.s1"),
    PageState(function="f = u * v + u ** 2", further="hessian"),
    PageState(further="pitfalls", pitfall=PITFALLS[-1].key),
], ids=["default", "partial", "relu lesson", "every field", "the Hessian open", "a pitfall open"])
def test_typical_states_survive_the_link(state):
    assert from_query(to_query(state)) == (state, ())


def test_a_default_state_links_only_its_function():
    assert to_query(PageState()) == {"f": "y = x ** 2"}


@pytest.mark.parametrize(("field", "name", "value"), [
    ("window", "plot", "-1:1:5"),
    ("dtype", "dtype", "float64"),
    ("view", "view", "torchviz"),
    ("lesson", "lesson", "relu"),
    ("node", "node", "t3"),
])
def test_a_link_carries_only_what_differs_from_the_default(field, name, value):
    query = to_query(PageState(**{field: value}))
    assert query == {"f": PageState().function, name: value}


# A link with every kind of parameter; each bad case below replaces one of them.
GOOD = {"f": "u*v + u**2", "u": "3", "v": "-1:1:5", "plot": "-2:2:101", "device": "cpu", "dtype": "float64",
        "view": "torchviz", "lesson": "partial", "node": "n1", "further": "symbols"}

BAD = [
    ("x", "nan"),
    ("u", "inf"),
    ("x", "1:2"),
    ("v", "0:1:0"),
    ("u", "__import__('os')"),
    ("plot", "5"),
    ("plot", "a:b:c"),
    ("device", "cuda"),
    ("device", "cpu; rm -rf /"),
    ("dtype", "float16"),
    ("view", "svg"),
    ("further", "__class__"),
    ("pitfall", "../etc"),
    ("lesson", "../x"),
    ("node", "<script>"),
    ("node", "n0\nt1"),
    ("f", "x" * (MAX_LENGTH + 1)),
]


@pytest.mark.parametrize(("name", "value"), BAD, ids=[f"{name}={value[:20]!r}" for name, value in BAD])
def test_a_bad_parameter_is_dropped_with_a_message_and_the_rest_kept(name, value):
    without = {key: text for key, text in GOOD.items() if key != name}
    state, problems = from_query({**GOOD, name: value})
    assert state == from_query(without)[0]  # as if the link had left it out
    assert from_query(without)[1] == ()
    (problem,) = problems
    assert ("function" if name == "f" else name) in problem


def test_a_device_is_kept_only_where_it_is_present():
    assert from_query({"device": "cuda"}, ("cpu", "cuda")) == (PageState(device="cuda"), ())
    state, problems = from_query({"device": "cuda"}, ("cpu",))
    assert state.device == "cpu" and len(problems) == 1


def test_a_function_of_exactly_the_longest_length_is_kept():
    text = "x ** 2" + " " * (MAX_LENGTH - 6)
    assert len(text) == MAX_LENGTH
    assert from_query({"f": text}) == (PageState(function=text), ())


def test_list_values_as_streamlit_gives_them_use_the_last():
    state, problems = from_query({"f": ["x**2", "x**3"], "x": ["1", "5"], "dtype": ["float32", "float64"]})
    assert (state.function, state.point("x"), state.dtype, problems) == ("x**3", "5", "float64", ())


def test_parameters_the_state_does_not_know_are_ignored_silently():
    assert from_query({"present": "1", "utm_source": "mail"}) == (PageState(), ())


def test_a_point_is_read_with_its_spaces_trimmed():
    state, problems = from_query({"x": "  3 "})
    assert (state.point("x"), problems) == ("3", ())


def test_a_variable_without_a_point_reads_its_default():
    state = PageState(points=(("u", "7"),))
    assert {v: state.point(v) for v in VARIABLES} == {**DEFAULT_POINTS, "u": "7"}


def test_with_point_drops_a_value_equal_to_the_default_and_keeps_points_sorted():
    state = PageState().with_point("x", "3").with_point("v", "5").with_point("u", "7")
    assert state.points == (("u", "7"), ("v", "5"), ("x", "3"))
    assert state.with_point("x", DEFAULT_POINTS["x"]).points == (("u", "7"), ("v", "5"))
    assert PageState().with_point("x", DEFAULT_POINTS["x"]) == PageState()
    assert "x" not in to_query(state.with_point("x", DEFAULT_POINTS["x"]))


@pytest.mark.parametrize("value", [None, 5, [], [None], ["x**2", 3], {"a": "b"}])
def test_a_parameter_that_is_not_text_is_dropped_with_a_message(value):
    for name in ("f", "x", "plot", "device", "step"):
        state, problems = from_query({name: value})
        shown = "function" if name == "f" else name
        assert (state, problems) == (PageState(), (f"the link's {shown} was not text and was ignored",))


@pytest.mark.parametrize(("name", "value", "reason"), [
    ("device", "cuda", "the devices here are cpu"),
    ("dtype", "float16", "the dtypes are float32, float64"),
    ("view", "svg", "the views are explorer, torchviz"),
    ("lesson", "../x", "there is no lesson of that name"),
    ("node", "<script>", "a node is named like t3 or n0.s1"),
    ("step", "-1", "a step is a whole number from 0 to 9999"),
    ("plot", "0:1:0", "a range for the plot has 1 to 10,000 points, not 0"),
])
def test_a_dropped_parameter_says_why(name, value, reason):
    _, problems = from_query({name: value})
    assert problems == (f"the link's {name}={value!r} was ignored: {reason}",)


@pytest.mark.parametrize(("name", "value"), [("step", "\u0663"), ("node", "t\u0663"), ("x", "\uff12"),
                                             ("plot", "0:1:\u0663")])
def test_digits_of_other_scripts_are_refused_not_read_as_ascii(name, value):
    state, problems = from_query({name: value})
    assert state == PageState() and len(problems) == 1
