"""The glossary: what each grad_fn a learner meets computes in backward, and what it saved and why.

>>> explain("PowBackward0").local
'd(a^p)/da = p·a^(p−1)'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Entry", "GLOSSARY", "explain"]


@dataclass(frozen=True)
class Entry:
    """One grad_fn: the forward op it stands for, its local derivative, and what it keeps."""

    name: str
    forward: str
    local: str
    saved: str


def _entry(name: str, forward: str, local: str, saved: str = "nothing: its derivative needs no values") -> Entry:
    return Entry(name, forward, local, saved)


GLOSSARY: dict[str, Entry] = {e.name: e for e in (
    _entry("AccumulateGrad", "a leaf tensor you created with requires_grad=True",
           "adds the arriving gradient into the leaf's .grad (so several paths add up)",
           "the leaf itself (as .variable), to know where .grad lives"),
    _entry("AddBackward0", "a + b", "d(a+b)/da = 1, d(a+b)/db = alpha (1): the gradient passes through",
           "alpha, the multiplier of b (1 unless add(..., alpha=) was used)"),
    _entry("SubBackward0", "a − b", "d(a−b)/da = 1, d(a−b)/db = −1", "alpha, the multiplier of b"),
    _entry("MulBackward0", "a · b", "d(a·b)/da = b, d(a·b)/db = a",
           "each factor (self and other), because each one is the other's derivative"),
    _entry("DivBackward0", "a / b", "d(a/b)/da = 1/b, d(a/b)/db = −a/b²", "both operands, for those two formulas"),
    _entry("PowBackward0", "a ** p with a number p", "d(a^p)/da = p·a^(p−1)",
           "the base (self) and the exponent, to compute p·a^(p−1)"),
    _entry("PowBackward1", "a ** b with a tensor b", "d(a^b)/da = b·a^(b−1), d(a^b)/db = a^b·ln a",
           "base, exponent and result"),
    _entry("NegBackward0", "−a", "d(−a)/da = −1"),
    _entry("ReciprocalBackward0", "1 / a", "d(1/a)/da = −1/a²", "the result 1/a, since −1/a² = −(1/a)²"),
    _entry("ExpBackward0", "exp(a)", "d(exp a)/da = exp(a)", "the result: the derivative of exp is itself"),
    _entry("LogBackward0", "log(a)", "d(log a)/da = 1/a", "the input a"),
    _entry("Log2Backward0", "log2(a)", "1/(a·ln 2)", "the input a"),
    _entry("Log10Backward0", "log10(a)", "1/(a·ln 10)", "the input a"),
    _entry("SqrtBackward0", "sqrt(a)", "d(√a)/da = 1/(2√a) (infinite at 0)", "the result √a"),
    _entry("SinBackward0", "sin(a)", "d(sin a)/da = cos(a)", "the input a, to compute cos(a)"),
    _entry("CosBackward0", "cos(a)", "d(cos a)/da = −sin(a)", "the input a"),
    _entry("TanBackward0", "tan(a)", "d(tan a)/da = 1 + tan²(a)", "the result tan(a)"),
    _entry("AsinBackward0", "asin(a)", "1/√(1−a²)", "the input a"),
    _entry("AcosBackward0", "acos(a)", "−1/√(1−a²)", "the input a"),
    _entry("AtanBackward0", "atan(a)", "1/(1+a²)", "the input a"),
    _entry("SinhBackward0", "sinh(a)", "cosh(a)", "the input a"),
    _entry("CoshBackward0", "cosh(a)", "sinh(a)", "the input a"),
    _entry("TanhBackward0", "tanh(a)", "d(tanh a)/da = 1 − tanh²(a)", "the result tanh(a)"),
    _entry("SigmoidBackward0", "sigmoid(a)", "σ(a)·(1 − σ(a))", "the result σ(a)"),
    _entry("SoftplusBackward0", "softplus(a)", "σ(a) = 1/(1+e^−a)", "the input, beta and threshold"),
    _entry("ReluBackward0", "relu(a) = max(a, 0)", "1 where a > 0, else 0 (PyTorch uses 0 at a = 0)",
           "the result, whose sign says where the gradient passes"),
    _entry("AbsBackward0", "|a|", "sign(a) (PyTorch uses 0 at a = 0)", "the input a"),
    _entry("SumBackward0", "sum of all elements", "1 for every element: the arriving gradient is copied to each",
           "the input's shape, to copy the gradient back to it"),
    _entry("MeanBackward0", "mean of all elements", "1/n for every element", "the input's shape and size n"),
    _entry("MaxBackward1", "the largest element", "1 at the largest element, 0 elsewhere", "the input and result"),
    _entry("MinBackward1", "the smallest element", "1 at the smallest element, 0 elsewhere", "the input and result"),
    _entry("MaximumBackward0", "elementwise max(a, b)", "1 to the larger operand (split half-half on ties)",
           "both operands"),
    _entry("MinimumBackward0", "elementwise min(a, b)", "1 to the smaller operand (split half-half on ties)",
           "both operands"),
    _entry("ClampBackward1", "clamp(a, min, max)", "1 inside [min, max], 0 outside", "the input and the bounds"),
    _entry("ClampMinBackward0", "clamp(a, min)", "1 above min, 0 below", "the input and min"),
    _entry("ClampMaxBackward0", "clamp(a, max)", "1 below max, 0 above", "the input and max"),
    _entry("WhereBackward0", "where(cond, a, b)", "1 to a where cond holds, 1 to b elsewhere",
           "the condition, to route the gradient"),
    _entry("ExpandBackward0", "a broadcast to a bigger shape", "sums the gradient back to the original shape",
           "the original shape"),
    _entry("SQBackward", "the lab's custom Function SQ: i ** 2",
           "the lab's backward returns 2·i and IGNORES the arriving gradient: the chain rule breaks",
           "the input i (ctx.save_for_backward)"),
    _entry("SQFixedBackward", "the corrected square Function: i ** 2", "grad_output · 2·i: the chain rule holds",
           "the input i (ctx.save_for_backward)"),
)}


def explain(name: str) -> Entry:
    """The glossary entry for a grad_fn name; a plain one for names not in the table."""
    return GLOSSARY.get(name) or Entry(name, "an operation PyTorch recorded", "see PyTorch's documentation",
                                       "whatever its formula needs")
