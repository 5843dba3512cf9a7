# Written for this test suite: the error every course warns about, backward through a freed graph. The
# program stops at the second backward with PyTorch's RuntimeError; what it printed before stays.
import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
y.backward()
print("first backward:", x.grad)
y.backward()
print("never printed")
