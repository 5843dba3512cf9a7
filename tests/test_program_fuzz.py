"""Random small programs from program mode's grammar, run by CPython and by ``run_program``: they must agree.

``programs()`` writes programs the way a student does after the lab: leaves made with ``requires_grad=True``
(some drawn from the seeded generator), arithmetic and a few functions of them, sums and means, ``backward``
(once at the end, sometimes also midway with ``retain_graph=True``), ``torch.autograd.grad``, a gradient step
under ``torch.no_grad()``, prints of values, flags and gradients (plain, f-string, ``%`` and ``.format``), a
bare expression, ``if`` on a value, ``for`` over a small range, a comprehension, ``detach``, a ``def`` with a
default, a custom autograd Function. Every program it writes is in the language, so ``run_program`` must run it, and
``program_oracle.differences`` must find nothing between the two runs: the same printed text, the same
tensors (data and grad to float tolerance), the same error if one is raised (a gradient step on a leaf that an
earlier graph saved makes PyTorch's in-place error, which both must raise). ``shaped_programs()`` does the same
over tensors of several shapes (products, shape ops, indexing, softmax), where most shapes do not fit together:
then PyTorch's error, its type, message and line, is what both runs must agree on.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from program_oracle import differences

from explorer import run_program

_NUMBERS = st.sampled_from(["0.5", "2", "-1.5", "3.0", "0.25", "-2", "1"])
_VALUES = st.sampled_from(["0.5", "2.0", "-1.5", "3.0", "0.25", "-2.0", "1.0", "0.0"])  # a leaf's: floats
_UNARY = ["torch.sin({})", "torch.cos({})", "torch.tanh({})", "torch.sigmoid({})", "torch.relu({})",
          "({}).abs()", "torch.exp({} / 4)", "({}) ** 2", "-({})", "f({})", "f({}, k=3)", "torch.log1p(({}) ** 2)",
          "Cube.apply({})"]
_BINARY = ["({} + {})", "({} - {})", "({} * {})", "({} / (1 + ({}) ** 2))", "torch.maximum({}, {})",
           "torch.where({0} > 0, {0}, -{1})", "({}).detach() * {}"]
_PRINTS = ["print({0})", "print({0}.shape, {0}.requires_grad, {0}.is_leaf)", "print({0}.grad_fn)",
           'print(f"{{{0}.sum().item():.4f}}")', "print({0}.detach().tolist())", "print({0}.sum(), {0}.mean())",
           'print("%.3e" % {0}.sum().item(), "{{:>9.2f}}".format({0}.mean().item()))',
           "print([round(v, 3) for v in {0}.detach().reshape(-1).tolist()])", "{0}"]
_PRELUDE = """import torch


def f(t, k=2):
    return t ** k + 1


class Cube(torch.autograd.Function):
    @staticmethod
    def forward(ctx, t):
        ctx.save_for_backward(t)
        return t ** 3

    @staticmethod
    def backward(ctx, grad_output):
        t, = ctx.saved_tensors
        return grad_output * 3 * t ** 2


""".splitlines()


@st.composite
def _expression(draw: st.DrawFn, names: list[str], depth: int = 2) -> str:
    """An expression over the tensors ``names``; it always uses at least one of them, so it is a tensor."""
    name = draw(st.sampled_from(names))
    if depth == 0:
        return name
    kind = draw(st.sampled_from(["name", "unary", "binary", "constant"]))
    if kind == "unary":
        return draw(st.sampled_from(_UNARY)).format(draw(_expression(names, depth - 1)))
    if kind == "binary":
        left, right = draw(_expression(names, depth - 1)), draw(_expression(names, depth - 1))
        return draw(st.sampled_from(_BINARY)).format(left, right, right)
    if kind == "constant":
        return draw(st.sampled_from(["({} * {})", "({} + {})", "({} - {})"])).format(name, draw(_NUMBERS))
    return name


@st.composite
def _statements(draw: st.DrawFn, names: list[str], leaves: list[str], fresh: list[int]) -> list[str]:
    """One statement (a few lines); a name it binds is added to ``names``."""

    def new_name() -> str:
        fresh[0] += 1
        return f"t{fresh[0]}"

    kind = draw(st.sampled_from(["assign", "assign", "print", "if", "for", "no_grad", "reduce", "backward", "grad",
                                 "comprehension", "step"]))
    if kind == "print":
        return [draw(st.sampled_from(_PRINTS)).format(draw(st.sampled_from(names)))]
    target = new_name()
    if kind == "if":
        test = draw(st.sampled_from(names))
        body = [f"if {test}.sum().item() > {draw(_NUMBERS)}:", f"    {target} = {draw(_expression(names))}",
                "else:", f"    {target} = {draw(_expression(names))}"]
    elif kind == "for":
        body = [f"{target} = {draw(st.sampled_from(names))}",
                f"for i in range({draw(st.integers(1, 4))}):",
                f"    {target} = {target} * 0.5 + i * {draw(_expression(names, 1))}"]
    elif kind == "no_grad":  # its result takes no part in later backward calls, so it is not one of names
        return ["with torch.no_grad():", f"    {target} = {draw(_expression(names))}",
                f"print({target}.requires_grad, {target})"]
    elif kind == "grad":  # the gradient without .grad, as torch.autograd.grad gives it
        leaf = draw(st.sampled_from(leaves))
        return [f"({target},) = torch.autograd.grad(({draw(_expression(names))}).sum() + {leaf}.sum(), [{leaf}], "
                "retain_graph=True)", f"print({target})"]
    elif kind == "comprehension":
        body = [f"{target} = torch.stack([{draw(_expression(names, 1))} * k for k in range(1, 3)]).sum(dim=0)"]
    elif kind == "step":  # one step of gradient descent on a leaf, as a training loop takes it
        leaf = draw(st.sampled_from(leaves))
        return [f"if {leaf}.grad is not None:", "    with torch.no_grad():", f"        {leaf} -= 0.1 * {leaf}.grad",
                f"    {leaf}.grad.zero_()", f"print({leaf!r}, {leaf})"]
    elif kind == "reduce":
        body = [f"{target} = ({draw(_expression(names))}).{draw(st.sampled_from(['sum', 'mean']))}()"]
    elif kind == "backward":
        body = [f"{target} = ({draw(_expression(names))}).sum()", f"{target}.backward(retain_graph=True)",
                *[f"print({leaf!r}, {leaf}.grad)" for leaf in leaves]]
    else:
        body = [f"{target} = {draw(_expression(names))}"]
    names.append(target)
    return body


@st.composite
def programs(draw: st.DrawFn) -> str:
    """A small program from program mode's grammar, ending in a backward and the leaves' gradients."""
    size = draw(st.sampled_from([None, 2, 3]))  # scalars, or vectors of that many elements
    leaves = [f"x{i}" for i in range(draw(st.integers(1, 3)))]
    lines = list(_PRELUDE)
    for leaf in leaves:
        if draw(st.booleans()):  # drawn from the seeded generator, as a course's weights are
            lines.append(f"{leaf} = torch.randn({size or '()'}, requires_grad=True)")
            continue
        values = draw(st.lists(_VALUES, min_size=size, max_size=size)) if size else [draw(_VALUES)]
        literal = f"[{', '.join(values)}]" if size else values[0]
        lines.append(f"{leaf} = torch.tensor({literal}, requires_grad=True)")
    names, fresh = list(leaves), [0]
    for _ in range(draw(st.integers(2, 6))):
        lines.extend(draw(_statements(names, leaves, fresh)))
    lines.append(f"out = {' + '.join(f'{name}.sum()' for name in names)}")
    lines.append("out.backward()")
    lines.extend(f"print({leaf!r}, {leaf}.grad)" for leaf in leaves)
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=programs())
def test_random_programs_print_and_leave_what_cpython_does(oracle, source):
    expected = oracle.run(source)
    assert differences(expected, run_program(source)) == [], source


@settings(max_examples=25, deadline=None)
@given(source=programs())
def test_cpython_runs_every_random_program_to_its_end(oracle, source):
    """The generator writes working programs: a failure here is the generator's, not the interpreter's.

    The one error it may write on purpose is PyTorch's: a gradient step changed a leaf an earlier graph saved.
    """
    run = oracle.run(source)
    assert run.error is None or "modified by an inplace operation" in run.error.message, (run.error, source)
    assert run.error is not None or run.tensors["out"].grad_fn is not None


_SHAPES = st.sampled_from(["()", "(3,)", "(2, 3)", "(3, 2)", "(1, 3)", "(3, 1)"])
_SHAPED = ["({} @ {})", "torch.matmul({}, {})", "torch.cat([{}, {}])", "torch.stack([{}, {}])", "({} * {})",
           "({} + {})", "torch.where({0} > {1}, {0}, {1})"]
_SHAPED_UNARY = ["({}).t()", "({}).sum(dim=0)", "({}).mean(dim=-1)", "({}).reshape(-1)", "({}).unsqueeze(0)",
                 "({}).squeeze()", "({})[0]", "({})[..., -1]", "({}).T", "({}).flatten()", "F.softmax({}, dim=-1)",
                 "F.relu({})", "({}).max()", "({}).exp().log()", "({}).clamp(min=-1, max=1)"]


@st.composite
def _shaped_expression(draw: st.DrawFn, names: list[str], depth: int = 2) -> str:
    name = draw(st.sampled_from(names))
    if depth == 0 or draw(st.booleans()):
        return name
    if draw(st.booleans()):
        return draw(st.sampled_from(_SHAPED_UNARY)).format(draw(_shaped_expression(names, depth - 1)))
    left, right = draw(_shaped_expression(names, depth - 1)), draw(_shaped_expression(names, depth - 1))
    return draw(st.sampled_from(_SHAPED)).format(left, right)


@st.composite
def shaped_programs(draw: st.DrawFn) -> str:
    """A program over tensors of several shapes: products, shape ops, indexing, softmax. Many shapes do not fit
    together, and then PyTorch's error (its type, its message, its line) is what both runs must agree on."""
    leaves = [f"w{i}" for i in range(draw(st.integers(2, 3)))]
    lines = ["import torch", "import torch.nn.functional as F", ""]
    lines += [f"{leaf} = torch.randn({draw(_SHAPES)}, requires_grad=True)" for leaf in leaves]
    names = list(leaves)
    for i in range(draw(st.integers(1, 4))):
        lines.append(f"h{i} = {draw(_shaped_expression(names))}")
        lines.append(f"print(h{i}.shape, h{i}.grad_fn)")
        names.append(f"h{i}")
    lines.append(f"loss = ({draw(_shaped_expression(names))}).sum()")
    lines += ["loss.backward()", *[f"print({leaf}.grad)" for leaf in leaves]]
    return "\n".join(lines) + "\n"


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(source=shaped_programs())
def test_random_programs_over_shapes_do_and_fail_as_cpython_does(oracle, source):
    assert differences(oracle.run(source), run_program(source)) == [], source
