# Source: PyTorch documentation, note "Autograd mechanics",
# https://pytorch.org/docs/stable/notes/autograd.html
# (from https://github.com/pytorch/pytorch/blob/main/docs/source/notes/autograd.rst,
# BSD-3-Clause, Copyright (c) PyTorch contributors).
# Section "Behavior of Tensor hooks when Tensor is modified in-place", the snippet verbatim. The note
# leaves torch's import and the hook fn to the reader: the first four lines are added (fn prints the gradient).
import torch

def fn(grad):
    print("hook:", grad)

t = torch.tensor(1., requires_grad=True).sin()
t.cos_()
t.register_hook(fn)
t.backward()
