# Source: the lab "Differentiation in PyTorch" (IBM Skills Network), as published in
# "Derivatives and Graphs in PyTorch", https://www.mohdvasim.com/blog/ibm-ai-engineering/04-intro-to-nn-pytorch/1.2derivativesandgraphsinpytorch_v2
# (saved as ../shared/seed/000_321deb01af88aff3.txt).
# The lab's imports cell, its custom Function `SQ` and the cell that applies it, verbatim.
# Each `# %%` line starts one of the lab's notebook cells.

# %%
# These are the libraries will be useing for this lab.

import torch 
import matplotlib.pylab as plt

# %%
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
        return grad_output

# %%
x=torch.tensor(2.0,requires_grad=True )
sq=SQ.apply

y=sq(x)
y
print(y.grad_fn)
y.backward()
x.grad
