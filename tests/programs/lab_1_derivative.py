# Source: the lab "Differentiation in PyTorch" (IBM Skills Network), as published in
# "Derivatives and Graphs in PyTorch", https://www.mohdvasim.com/blog/ibm-ai-engineering/04-intro-to-nn-pytorch/1.2derivativesandgraphsinpytorch_v2
# (saved as ../shared/seed/000_321deb01af88aff3.txt).
# The lab's cells 1-6 (imports; y = x ** 2 at x = 2; backward; the attributes of x and y), verbatim.
# Each `# %%` line starts one of the lab's notebook cells.

# %%
# These are the libraries will be useing for this lab.

import torch 
import matplotlib.pylab as plt

# %%
# Create a tensor x

x = torch.tensor(2.0, requires_grad = True)
print("The tensor x: ", x)

# %%
# Create a tensor y according to y = x^2

y = x ** 2
print("The result of y = x^2: ", y)

# %%
# Take the derivative. Try to print out the derivative at the value x = 2

y.backward()
print("The dervative at x = 2: ", x.grad)

# %%
print('data:',x.data)
print('grad_fn:',x.grad_fn)
print('grad:',x.grad)
print("is_leaf:",x.is_leaf)
print("requires_grad:",x.requires_grad)

# %%
print('data:',y.data)
print('grad_fn:',y.grad_fn)
print('grad:',y.grad)
print("is_leaf:",y.is_leaf)
print("requires_grad:",y.requires_grad)
