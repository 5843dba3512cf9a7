"""The pitfalls: the errors every learner hits, each as a small runnable demonstration.

Each ``Pitfall`` is the snippet a learner would write, what went wrong in our own
words, and the corrected snippet. ``explorer.compute.pitfall_runs.run`` runs both
as program mode runs a pasted program and returns an ``Outcome``: the error (or
warning) PyTorch really raised, read at run time and never typed in here, and
what the fixed snippet prints.

>>> PITFALLS[0].key
'non-scalar-backward'

NOTE [the displayed code is what runs]
The ``code`` and ``fix`` strings are programs, written for a notebook that has
imported torch: what the page shows is exactly what program mode's interpreter
runs, so the two cannot drift apart. Nothing here imports torch, so the app's
process reads ``PITFALLS`` without it. Some pitfalls raise nothing: PyTorch only
warns (reading ``.grad`` of a non-leaf), and the interpreter keeps the warning
with its line, or says nothing at all (gradients adding up), and then the
surprising value is set against the fix's.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Pitfall", "Outcome", "PITFALLS"]


@dataclass(frozen=True)
class Pitfall:
    """One mistake: the snippet a learner writes, why it fails, and the snippet that works."""

    key: str
    title: str
    code: str  # valid Python to paste into a notebook that has imported torch
    explanation: str
    fix: str


@dataclass(frozen=True)
class Outcome:
    """What PyTorch did with a pitfall's snippet and with its fix, captured at run time."""

    key: str
    error_type: str | None  # the exception's or warning's class name; None when PyTorch said nothing
    message: str  # PyTorch's own words; when it said nothing, the surprising value set against the fix's
    fixed_output: str  # what the fixed snippet prints, one line per print call
    printed: str = ""  # what the broken snippet printed before failing or in place of failing


PITFALLS: tuple[Pitfall, ...] = (
    Pitfall(
        "non-scalar-backward", "backward() on an output with several elements",
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.grad)",
        "`y` holds three numbers, so there is no single 'dy/dx' to compute: backward() needs to know how much "
        "each element of `y` counts. For one number PyTorch assumes 1; for several it refuses to guess. "
        "Summing first (the lab's sum trick) makes one number whose gradient, element by element, is the "
        "derivative of each y with respect to its own x. Passing `gradient=torch.ones_like(y)` to backward() "
        "says the same thing and gives the same `x.grad`.",
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "y = x ** 2\n"
        "y.sum().backward()  # or: y.backward(gradient=torch.ones_like(y))\n"
        "print(x.grad)",
    ),
    Pitfall(
        "backward-twice", "backward() twice through the same graph",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "y.backward()\n"
        "print(x.grad)",
        "To differentiate `x ** 2`, the graph saved `x` during the forward pass. The first backward() used "
        "it and then freed it, to save memory, so the second backward() has nothing left to work with. "
        "`retain_graph=True` on the first call keeps the saved values. Notice the second print: the two "
        "passes add up in `x.grad` (see 'Gradients add up').",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward(retain_graph=True)  # keep what the graph saved\n"
        "print(x.grad)\n"
        "y.backward()\n"
        "print(x.grad)  # 4 + 4: the second pass added to the first",
    ),
    Pitfall(
        "grads-add-up", "Gradients add up across backward() calls",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.grad)  # dy/dx at x = 2 should be 4",
        "No error, just a wrong-looking number. backward() does not overwrite `x.grad`: it adds the new "
        "gradient to whatever is there, so two calls give twice the derivative. That is on purpose (a tensor "
        "used in two places must collect both contributions), which is why training loops clear gradients "
        "before each step. Zero `x.grad` in place, or set it to None, between calls.",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "x.grad.zero_()  # or: x.grad = None\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.grad)",
    ),
    Pitfall(
        "numpy-requires-grad", ".numpy() on a tensor that requires grad",
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "y = x ** 2\n"
        "print(y.numpy())",
        "A NumPy array cannot take part in autograd: anything you did with it would be invisible to the "
        "graph. PyTorch refuses to hand out a tensor that is still being tracked, rather than let the graph "
        "silently lose track. `.detach()` gives the same numbers without the graph, and that can become a "
        "NumPy array (the lab does this before plotting).",
        "x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)\n"
        "y = x ** 2\n"
        "print(y.detach().numpy())",
    ),
    Pitfall(
        "moved-leaf", "Converting a tensor after setting requires_grad",
        "x = torch.tensor(2.0, requires_grad=True).to(torch.float64)  # .to('cuda') does the same\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.is_leaf, x.grad)",
        "`requires_grad=True` made a leaf, but `.to(...)` then made a new tensor from it, and that new tensor "
        "is what `x` names. It was made by an operation, so it is not a leaf, and backward() fills `.grad` "
        "only on leaves: `x.grad` stays None and PyTorch warns. Moving to a GPU with `.to('cuda')` or "
        "`.cuda()` does exactly the same; this page converts the dtype instead so it runs on any machine. "
        "Give the device and dtype to the constructor, so the tensor you keep is the leaf.",
        "x = torch.tensor(2.0, requires_grad=True, dtype=torch.float64)  # and device='cuda' if you have one\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.is_leaf, x.grad)",
    ),
    Pitfall(
        "in-place", "Changing in place a value backward needs",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = torch.exp(x)  # exp keeps its result: it is its own derivative\n"
        "y += 1  # changes that kept result in place\n"
        "y.backward()\n"
        "print(x.grad)",
        "The derivative of exp(x) is exp(x), so the graph keeps the result `y` to use during backward. "
        "`y += 1` changes that very tensor in place. PyTorch counts every in-place change (a version number) "
        "and, seeing the count moved, refuses to compute a gradient from a value that is no longer the one "
        "the forward pass made. Write `y = y + 1`: a new tensor, the kept one untouched.",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = torch.exp(x)\n"
        "y = y + 1  # a new tensor: the kept result is untouched\n"
        "y.backward()\n"
        "print(x.grad)",
    ),
    Pitfall(
        "no-requires-grad", "backward() when nothing requires grad",
        "x = torch.tensor(2.0)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.grad)",
        "Autograd records only operations on tensors that ask for it. `x` was made without "
        "`requires_grad=True`, so `x ** 2` was computed but never recorded: `y` has no grad_fn and there is "
        "no graph to walk back through. Ask for gradients when you create the leaf.",
        "x = torch.tensor(2.0, requires_grad=True)\n"
        "y = x ** 2\n"
        "y.backward()\n"
        "print(x.grad)",
    ),
)
