# Source: PyTorch documentation, note "Autograd mechanics",
# https://pytorch.org/docs/stable/notes/autograd.html
# (from https://github.com/pytorch/pytorch/blob/main/docs/source/notes/autograd.rst,
# BSD-3-Clause, Copyright (c) PyTorch contributors).
# Section "Hooks for saved tensors", the snippet with identity hooks, verbatim; the note assumes torch is
# imported (the first line is added). Left out: the snippets whose hooks write tensors to files with
# torch.save / torch.load (a program may not reach files) and the nn.DataParallel one.
import torch

with torch.autograd.graph.saved_tensors_hooks(lambda x: x, lambda x: x):
    x = torch.randn(5, requires_grad=True)
    y = x * x
