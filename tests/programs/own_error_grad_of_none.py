# Written for this test suite: a leaf made without requires_grad has no gradient; calling .zero_() on its
# None .grad is the AttributeError a student meets first.
import torch

x = torch.tensor([1.0, 2.0])
y = (x * 3).sum()
print(y.requires_grad, x.grad)
x.grad.zero_()
