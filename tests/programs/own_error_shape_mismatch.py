# Written for this test suite: a shape mismatch in a matrix product stops the program with PyTorch's own
# message, on the line that raised.
import torch

W = torch.randn(3, 2, requires_grad=True)
x = torch.ones(3)
print("W:", W.shape, "x:", x.shape)
h = W @ x
print("never printed")
