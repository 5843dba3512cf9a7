# Written for this test suite: three notebook cells whose last line is a bare expression, which a notebook
# shows (as the lab's `y` and `x.grad` cells do); a bare expression that is not last shows nothing.
import torch

# %%
x = torch.tensor([1.0, 2.0], requires_grad=True)
x * 2
y = (x ** 2).sum()
y

# %%
y.backward()
x.grad

# %%
print("printed")
x.grad.tolist(), x.is_leaf
