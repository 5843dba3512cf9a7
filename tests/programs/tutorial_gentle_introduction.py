# Source: PyTorch tutorial "A Gentle Introduction to torch.autograd",
# https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html
# (code from https://github.com/pytorch/tutorials/blob/main/beginner_source/blitz/autograd_tutorial.py,
# BSD-3-Clause, Copyright (c) PyTorch contributors).
# The code cells of "Differentiation in Autograd" and "Exclusion from the DAG", verbatim and in order.
# Left out: the cells that load a pretrained resnet18 from torchvision (the training step and the
# finetuning example), which need torchvision and a download; everything kept runs offline with torch alone.

# %%
import torch

a = torch.tensor([2., 3.], requires_grad=True)
b = torch.tensor([6., 4.], requires_grad=True)

# %%
Q = 3*a**3 - b**2

# %%
external_grad = torch.tensor([1., 1.])
Q.backward(gradient=external_grad)

# %%
# check if collected gradients are correct
print(9*a**2 == a.grad)
print(-2*b == b.grad)

# %%
x = torch.rand(5, 5)
y = torch.rand(5, 5)
z = torch.rand((5, 5), requires_grad=True)

a = x + y
print(f"Does `a` require gradients? : {a.requires_grad}")
b = x + z
print(f"Does `b` require gradients?: {b.requires_grad}")
