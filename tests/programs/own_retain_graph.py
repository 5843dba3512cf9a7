# Written for this test suite, the kind of program a course writes after the lab: gradients accumulate,
# retain_graph keeps the graph for a second backward, and torch.autograd.grad gives a gradient without .grad.
import torch

x = torch.tensor(3.0, requires_grad=True)
y = x ** 3
y.backward(retain_graph=True)
print(x.grad)
y.backward(retain_graph=True)
print(x.grad)  # accumulated: 27 + 27
x.grad.zero_()
y.backward()
print(x.grad)

x.grad = None
y = torch.sin(x) * x
(g,) = torch.autograd.grad(y, x, create_graph=True)
print(g)
(g2,) = torch.autograd.grad(g, x)
print(g2)
print(x.grad)
