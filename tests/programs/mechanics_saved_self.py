# Source: PyTorch documentation, note "Autograd mechanics",
# https://pytorch.org/docs/stable/notes/autograd.html
# (from https://github.com/pytorch/pytorch/blob/main/docs/source/notes/autograd.rst,
# BSD-3-Clause, Copyright (c) PyTorch contributors).
# Section "Saved tensors", first snippet, verbatim. The note assumes torch is imported: the first line is added.
import torch

x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(x.equal(y.grad_fn._saved_self))  # True
print(x is y.grad_fn._saved_self)  # True
