"""The parsed expression: the lab's spellings are accepted, everything else is refused with a pointer."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from explorer import VARIABLES, ExpressionError, parse
from explorer.language.expression import MAX_LENGTH

# Each function exactly as the lab (or a learner copying from it) writes it.
LAB_SPELLINGS = [
    ("x ** 2", "y", ("x",), "pow"),
    ("y = x**2 + 2*x + 1", "y", ("x",), "add"),
    ("2*x**3 + x", "y", ("x",), "add"),
    ("u * v + u ** 2", "f", ("u", "v"), "add"),
    ("u*v + (u*v)**2", "f", ("u", "v"), "add"),
    ("torch.relu(x)", "y", ("x",), "relu"),
    ("torch.sum(x ** 2)", "y", ("x",), "sum"),
    ("x.exp()", "y", ("x",), "exp"),
    ("x^2", "y", ("x",), "pow"),
    ("f(x) = x**2", "f", ("x",), "pow"),
    ("sq(x)", "y", ("x",), "SQ"),
    ("SQ.apply(x)", "y", ("x",), "SQ"),
]


@pytest.mark.parametrize(("text", "output", "variables", "root_op"), LAB_SPELLINGS)
def test_every_lab_spelling_is_accepted(text, output, variables, root_op):
    expression = parse(text)
    assert (expression.output, expression.variables, expression.root.op) == (output, variables, root_op)


def test_caret_is_power_as_on_paper():
    caret, stars = parse("x^2").root, parse("x**2").root
    assert caret.op == stars.op == "pow"
    assert [(a.op, a.name, a.value) for a in caret.args] == [(a.op, a.name, a.value) for a in stars.args]


def test_output_prefix_is_kept_apart_from_the_body():
    expression = parse("y = x**2 + 2*x + 1")
    assert (expression.text, expression.body) == ("y = x**2 + 2*x + 1", "x**2 + 2*x + 1")


def test_terms_come_in_the_order_pytorch_computes_them():
    ops = [term.op for term in parse("u * v + u ** 2").terms()]
    assert ops == ["variable", "variable", "mul", "variable", "number", "pow", "add"]


@pytest.mark.parametrize(("text", "value"), [("2 * 3", 6), ("2 ** 10", 1024), ("1 / 4", 0.25), ("-(2 + 1)", -3),
                                             ("pi", 3.141592653589793), ("e", 2.718281828459045),
                                             ("torch.pi", 3.141592653589793), ("math.e", 2.718281828459045)])
def test_arithmetic_on_numbers_alone_is_folded_to_one_number(text, value):
    root = parse(text).root
    assert (root.op, root.value) == ("number", value)


# (typed text, column the error points at or None, a fragment the message must contain or None)
HOSTILE = [
    ("__import__('os').system('ls')", None, None),
    ("eval('1')", None, None),
    ("exec('x')", None, None),
    ("open('/etc/passwd')", None, None),
    ("lambda: 1", None, None),
    ("[i for i in range(9)]", None, None),
    ("x.__class__", 1, None),
    ("x.__class__.__bases__", 1, None),
    ("torch.load('f')", None, None),
    ("torch.save(x, 'f')", None, None),
    ("torch.set_num_threads(1)", 1, "not available"),
    ("torch.set_default_dtype(torch.float64)", 1, "not available"),
    ("torch.manual_seed(0)", 1, "not available"),
    ("torch.ones(10**9)", 1, "not available"),
    ("torch.autograd.set_detect_anomaly(True)", 1, "not available"),
    ("x.grad", 1, "x.grad"),
    ("x.data", 1, "x.data"),
    ("f'{x}'", None, None),
    ('"abc"', 1, None),
    ("9**9**9**9", None, None),
    ("10**400", 1, "finite"),
    ("1e999", 1, "too large"),
    ("x**2; import os", 5, None),
    ("x if x else 1", 3, "where("),  # at the word if
    ("x[0]", 2, None),
    ("(x := 2)", None, None),
    ("x @ x", 3, None),
    ("x // 2", 1, "'/'"),
    ("x % 2", 3, None),
    ("2x", 2, "2*x"),
    ("x(x+1)", None, None),
    ("(x+1)(x-1)", 2, "'*'"),
    ("", None, "type a function"),
    ("   ", None, "type a function"),
    ("x +", 4, None),  # the text stops mid-way: the pointer sits at its end
    ("(x", 1, "never closed"),
    ("x)", 2, "no partner"),
    ("\uff58**2", 1, "looks like 'x'"),
    ("x\u200b**2", 2, "invisible"),
    ("x \u00d7 2", 3, "*"),
    ("x\n+1", 2, "one line"),
    ("x+" * 1000 + "1", None, str(MAX_LENGTH)),
    ("sin(" * 300 + "x" + ")" * 300, None, None),
    ("torch.softplus(x)", 1, "softplus(x)"),
    ("F.sin(x)", 1, "torch.sin(x)"),
    ("unknownfn(x)", 1, "not available"),
    ("q + 1", 1, "unknown variable 'q'"),
    ("x > 0", 1, "where("),
    ("sin", 1, "sin(x)"),
    ("True", 1, None),
    ("1j", None, None),
    ("None", 1, None),
    ("x == 1", 1, None),
    ("0 < x < 1", 1, None),
    ("x < 1 and x > 0", 7, "'and'"),
    ("sin(x, x)", 1, "1 argument"),
    ("clamp(x)", 1, "min"),
    ("clamp(x, min=u)", 14, "number"),
    ("where(x, x, 0)", 7, "comparison"),
    ("where(x > 0, x > 0, 0)", 14, "where("),
    ("sin = x", 1, "cannot name the output"),
    ("f(q) = x", 3, "'q'"),
    ("y = ", 5, None),
    ("1/0", 1, "finite"),
    ("(-8)**0.5", 1, "finite"),
]


@pytest.mark.parametrize(("text", "column", "fragment"), HOSTILE, ids=[repr(text)[:40] for text, _, _ in HOSTILE])
def test_hostile_or_malformed_input_is_refused_with_an_expression_error(text, column, fragment):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    if column is not None:
        assert caught.value.column == column
    if fragment is not None:
        assert fragment in caught.value.message


def test_expression_error_is_a_value_error():
    assert issubclass(ExpressionError, ValueError)
    with pytest.raises(ValueError):
        parse("x +* 2")


@pytest.mark.parametrize(("text", "column"), [
    ("x + q", 5),
    ("y = x + q", 9),  # past the output prefix
    ("x^2 + q", 7),  # '^' becomes '**' for Python's parser, the column stays where it was typed
    ("x + sin(q)", 9),
    ("   x + q", 8),  # leading blanks are dropped for the parser, not for the column
])
def test_error_column_points_at_the_offending_character(text, column):
    with pytest.raises(ExpressionError) as caught:
        parse(text)
    assert caught.value.column == column
    assert text[column - 1] == "q"


def test_error_pointer_puts_a_caret_under_the_column():
    with pytest.raises(ExpressionError) as caught:
        parse("x + q")
    assert caught.value.pointer("x + q") == "x + q\n    ^"


def test_unknown_variable_message_lists_every_variable():
    with pytest.raises(ExpressionError) as caught:
        parse("q + 1")
    assert all(variable in caught.value.message for variable in VARIABLES)


def test_softplus_hint_names_spellings_that_work():
    with pytest.raises(ExpressionError) as caught:
        parse("torch.softplus(x)")
    suggested = [s for s in ("torch.nn.functional.softplus", "F.softplus") if f"{s}(x)" in caught.value.message]
    assert suggested
    for spelling in suggested:
        assert parse(f"{spelling}(x)").root.op == "softplus"


def test_non_text_is_refused():
    with pytest.raises(ExpressionError):
        parse(42)


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.text(max_size=120))
def test_arbitrary_text_raises_nothing_but_expression_error(text):
    try:
        parse(text)
    except ExpressionError:
        pass


_TOKENS = ["x", "u", "v", "1", "2", "0.5", "1e3", "pi", "e", "+", "-", "*", "/", "**", "^", "(", ")", ",", ".", " ",
           "=", ">", "<=", "sin", "torch.", "F.", "nn.", "functional.", "exp", "log", "where", "clamp", "min=", "max=",
           "max", "pow", "sum", "SQ", ".apply", "y =", "f(x) =", "__class__", "'", "[", "]", ":", "\u00d7", "\u200b"]


@settings(max_examples=300, deadline=None, derandomize=True, database=None)
@given(st.lists(st.sampled_from(_TOKENS), max_size=16).map("".join))
def test_near_miss_text_raises_nothing_but_expression_error(text):
    try:
        parse(text)
    except ExpressionError:
        pass


@pytest.mark.parametrize(("text", "words"), [
    ("y = x*y", "is also a variable"),
    ("lambda = x**2", "a word Python or the script already uses"),
    ("print = x", "a word Python or the script already uses"),
    ("make_dot = x", "a word Python or the script already uses"),
    # every dunder: in a notebook's namespace, __builtins__ = x**2 breaks the next cell
    ("__builtins__ = x**2", "a word Python or the script already uses"),
    ("__name__ = x", "a word Python or the script already uses"),
    ("__anything__ = x", "a word Python or the script already uses"),
])
def test_output_names_that_would_break_the_script_or_the_labels_are_refused(text, words):
    with pytest.raises(ExpressionError, match=words):
        parse(text)
