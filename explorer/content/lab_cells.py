# ruff: noqa: W291, W293 (a cell keeps the trailing spaces the lab has)
"""The lab's own code cells, verbatim: each lesson also opens as a program, the cells the notebook runs for it.

The cells are copied character for character (trailing spaces, the lab's typos and all) from the lab
"Differentiation in PyTorch" as ``shared/seed/000_321deb01af88aff3.txt`` holds it; ``tests/test_lab_cells.py``
checks each against that text. ``LESSON_CELLS`` says which cells make each lesson's program: the imports cell,
then the cells of that part of the lab, in the notebook's order, so each program runs on its own.

>>> print(lab_program("derivative").splitlines()[4])
import matplotlib.pylab as plt
"""

from __future__ import annotations

__all__ = ["CELLS", "LESSON_CELLS", "lab_program"]

# each cell by a name of ours, in the lab's order
CELLS: dict[str, str] = {
    "imports": """\
# These are the libraries will be useing for this lab.

import torch 
import matplotlib.pylab as plt""",
    "x": """\
# Create a tensor x

x = torch.tensor(2.0, requires_grad = True)
print("The tensor x: ", x)""",
    "y": """\
# Create a tensor y according to y = x^2

y = x ** 2
print("The result of y = x^2: ", y)""",
    "backward": """\
# Take the derivative. Try to print out the derivative at the value x = 2

y.backward()
print("The dervative at x = 2: ", x.grad)""",
    "x-attributes": """\
print('data:',x.data)
print('grad_fn:',x.grad_fn)
print('grad:',x.grad)
print("is_leaf:",x.is_leaf)
print("requires_grad:",x.requires_grad)""",
    "y-attributes": """\
print('data:',y.data)
print('grad_fn:',y.grad_fn)
print('grad:',y.grad)
print("is_leaf:",y.is_leaf)
print("requires_grad:",y.requires_grad)""",
    "polynomial": """\
# Calculate the y = x^2 + 2x + 1, then find the derivative 

x = torch.tensor(2.0, requires_grad = True)
y = x ** 2 + 2 * x + 1
print("The result of y = x^2 + 2x + 1: ", y)
y.backward()
print("The dervative at x = 2: ", x.grad)""",
    "practice-cubic": """\
# Practice: Calculate the derivative of y = 2x^3 + x at x = 1

# Type your code here""",
    "sq-class": '''\
class SQ(torch.autograd.Function):


    @staticmethod
    def forward(ctx,i):
        """
        In the forward pass we receive a Tensor containing the input and return
        a Tensor containing the output. ctx is a context object that can be used
        to stash information for backward computation. You can cache arbitrary
        objects for use in the backward pass using the ctx.save_for_backward method.
        """
        result=i**2
        ctx.save_for_backward(i)
        return result

    @staticmethod
    def backward(ctx, grad_output):
        """
        In the backward pass we receive a Tensor containing the gradient of the loss
        with respect to the output, and we need to compute the gradient of the loss
        with respect to the input.
        """
        i, = ctx.saved_tensors
        grad_output = 2*i
        return grad_output''',
    "sq-apply": """\
x=torch.tensor(2.0,requires_grad=True )
sq=SQ.apply

y=sq(x)
y
print(y.grad_fn)
y.backward()
x.grad""",
    "uvf": """\
# Calculate f(u, v) = v * u + u^2 at u = 1, v = 2

u = torch.tensor(1.0,requires_grad=True)
v = torch.tensor(2.0,requires_grad=True)
f = u * v + u ** 2
print("The result of v * u + u^2: ", f)""",
    "partial-u": """\
# Calculate the derivative with respect to u

f.backward()
print("The partial derivative with respect to u: ", u.grad)""",
    "partial-v": """\
# Calculate the derivative with respect to v

print("The partial derivative with respect to u: ", v.grad)""",
    "sum-trick": """\
# Calculate the derivative with multiple values

x = torch.linspace(-10, 10, 10, requires_grad = True)
Y = x ** 2
y = torch.sum(x ** 2)""",
    "sum-trick-plot": """\
# Take the derivative with respect to multiple value. Plot out the function and its derivative

y.backward()

plt.plot(x.detach().numpy(), Y.detach().numpy(), label = 'function')
plt.plot(x.detach().numpy(), x.grad.detach().numpy(), label = 'derivative')
plt.xlabel('x')
plt.legend()
plt.show()""",
    "relu": """\
# Take the derivative of Relu with respect to multiple value. Plot out the function and its derivative

x = torch.linspace(-10, 10, 1000, requires_grad = True)
Y = torch.relu(x)
y = Y.sum()
y.backward()
plt.plot(x.detach().numpy(), Y.detach().numpy(), label = 'function')
plt.plot(x.detach().numpy(), x.grad.detach().numpy(), label = 'derivative')
plt.xlabel('x')
plt.legend()
plt.show()""",
    "relu-grad-fn": """\
y.grad_fn""",
    "practice-partial": """\
# Practice: Calculate the derivative of f = u * v + (u * v) ** 2 at u = 2, v = 1

# Type the code here""",
}

# each lesson of explorer.content.lessons, as the lab's cells that make it
LESSON_CELLS: dict[str, tuple[str, ...]] = {
    "derivative": ("imports", "x", "y", "backward"),
    "attributes": ("imports", "x", "y", "backward", "x-attributes", "y-attributes"),
    "polynomial": ("imports", "polynomial"),
    "practice-cubic": ("imports", "practice-cubic"),
    "custom-function": ("imports", "sq-class", "sq-apply"),
    "partial": ("imports", "uvf", "partial-u", "partial-v"),
    "sum-trick": ("imports", "sum-trick", "sum-trick-plot"),
    "relu": ("imports", "relu", "relu-grad-fn"),
    "practice-partial": ("imports", "practice-partial"),
}


def lab_program(lesson: str) -> str:
    """The lesson's cells as one program, each after a ``# %%`` line: the cell marker of Jupytext, VS Code and
    Spyder, where program mode shows a cell's last expression as the notebook does and the notebook download
    starts a new cell."""
    return "".join(f"# %%\n{CELLS[key]}\n\n" for key in LESSON_CELLS[lesson]).rstrip("\n") + "\n"
