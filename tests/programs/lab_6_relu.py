# Source: the lab "Differentiation in PyTorch" (IBM Skills Network), as published in
# "Derivatives and Graphs in PyTorch", https://www.mohdvasim.com/blog/ibm-ai-engineering/04-intro-to-nn-pytorch/1.2derivativesandgraphsinpytorch_v2
# (saved as ../shared/seed/000_321deb01af88aff3.txt).
# The lab's imports cell, its relu cell with the plot, and the `y.grad_fn` cell, verbatim.
# Each `# %%` line starts one of the lab's notebook cells.

# %%
# These are the libraries will be useing for this lab.

import torch 
import matplotlib.pylab as plt

# %%
# Take the derivative of Relu with respect to multiple value. Plot out the function and its derivative

x = torch.linspace(-10, 10, 1000, requires_grad = True)
Y = torch.relu(x)
y = Y.sum()
y.backward()
plt.plot(x.detach().numpy(), Y.detach().numpy(), label = 'function')
plt.plot(x.detach().numpy(), x.grad.detach().numpy(), label = 'derivative')
plt.xlabel('x')
plt.legend()
plt.show()

# %%
y.grad_fn
