# Source: the lab "Differentiation in PyTorch" (IBM Skills Network), as published in
# "Derivatives and Graphs in PyTorch", https://www.mohdvasim.com/blog/ibm-ai-engineering/04-intro-to-nn-pytorch/1.2derivativesandgraphsinpytorch_v2
# (saved as ../shared/seed/000_321deb01af88aff3.txt).
# The lab's imports cell, its sum-trick cell and the plot of x ** 2 and its derivative, verbatim.
# Each `# %%` line starts one of the lab's notebook cells.

# %%
# These are the libraries will be useing for this lab.

import torch 
import matplotlib.pylab as plt

# %%
# Calculate the derivative with multiple values

x = torch.linspace(-10, 10, 10, requires_grad = True)
Y = x ** 2
y = torch.sum(x ** 2)

# %%
# Take the derivative with respect to multiple value. Plot out the function and its derivative

y.backward()

plt.plot(x.detach().numpy(), Y.detach().numpy(), label = 'function')
plt.plot(x.detach().numpy(), x.grad.detach().numpy(), label = 'derivative')
plt.xlabel('x')
plt.legend()
plt.show()
