# Written for this test suite: the Jacobian and the Hessian with torch.autograd.functional, a second
# derivative with create_graph, and retain_grad on an intermediate tensor.
import torch
from torch.autograd.functional import hessian, jacobian


def f(x):
    return x ** 2 * torch.sin(x)


x = torch.tensor([0.0, 1.0, 2.0])
J = jacobian(f, x)
H = hessian(lambda t: f(t).sum(), x)
print(J)
print(H)

y = torch.tensor(1.5, requires_grad=True)
h = y * y
h.retain_grad()
out = torch.exp(h)
out.backward(create_graph=True)
print(y.grad, h.grad)
print(y.grad.grad_fn is not None)
