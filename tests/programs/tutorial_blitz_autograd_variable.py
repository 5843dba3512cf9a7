# Source: PyTorch tutorial "Autograd: automatic differentiation" (Deep Learning with PyTorch: A 60 Minute Blitz),
# the version of https://pytorch.org/tutorials/beginner/blitz/autograd_tutorial.html written for PyTorch 0.3's
# Variable (code from pytorch/tutorials at commit 56d1da9,
# https://github.com/pytorch/tutorials/blob/56d1da96ef0e5acf5187d89c27d6ca6178170bc5/beginner_source/blitz/autograd_tutorial.py,
# BSD-3-Clause, Copyright (c) PyTorch contributors). Old course material still writes Variable and FloatTensor.
# Every code cell, verbatim and in order.

# %%
import torch
from torch.autograd import Variable

# %%
x = Variable(torch.ones(2, 2), requires_grad=True)
print(x)

# %%
y = x + 2
print(y)

# %%
print(y.grad_fn)

# %%
z = y * y * 3
out = z.mean()

print(z, out)

# %%
out.backward()

# %%
print(x.grad)

# %%
x = torch.randn(3)
x = Variable(x, requires_grad=True)

y = x * 2
while y.data.norm() < 1000:
    y = y * 2

print(y)

# %%
gradients = torch.FloatTensor([0.1, 1.0, 0.0001])
y.backward(gradients)

print(x.grad)
