"""The glossary covers every grad_fn a typed function can produce."""

from __future__ import annotations

import pytest

from explorer import explore
from explorer.content.glossary import GLOSSARY, explain

FUNCTIONS = [
    "x + 1", "x - 1", "x * x", "x / (x + 1)", "x ** 2", "x ** x", "-x", "1 / x", "exp(x)", "log(x)", "log2(x)",
    "log10(x)", "sqrt(x)", "sin(x)", "cos(x)", "tan(x)", "asin(x / 4)", "acos(x / 4)", "atan(x)", "sinh(x)",
    "cosh(x)", "tanh(x)", "sigmoid(x)", "softplus(x)", "relu(x)", "abs(x)", "sum(x)", "mean(x)", "max(x)",
    "min(x)", "max(x, x * 2)", "min(x, x * 2)", "clamp(x, 0, 1)", "clamp(x, min=0)", "clamp(x, max=1)",
    "where(x > 0, x, 0)", "SQ(x)", "SQFixed(x)", "pow(x, 3)",
]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_every_grad_fn_a_function_produces_is_explained(function):
    graph = explore(function, {"x": 1.5}).graph
    for node in graph.nodes:
        assert node.name in GLOSSARY, f"{function} makes {node.name}, which the glossary does not explain"


def test_unknown_names_get_a_plain_entry_rather_than_an_error():
    entry = explain("SomethingNewBackward0")
    assert entry.name == "SomethingNewBackward0" and entry.local


def test_entries_say_what_backward_computes_and_what_is_saved():
    for entry in GLOSSARY.values():
        assert entry.forward and entry.local and entry.saved
