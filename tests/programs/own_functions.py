# Written for this test suite: the functions and syntax the issue found refused in function mode
# (x @ x, torch.dot, x[0] ** 2, F.gelu, F.leaky_relu, torch.atan2, torch.log1p, torch.sign, x % 1, 1_000*x,
# a comment), each with its gradient.
import torch
import torch.nn.functional as F

x = torch.tensor([0.5, -1.5, 2.0], requires_grad=True)  # a comment
u = torch.tensor(1.0, requires_grad=True)
v = torch.tensor(-2.0, requires_grad=True)

terms = [x @ x, torch.dot(x, x), x[0] ** 2, F.gelu(x).sum(), F.leaky_relu(x, negative_slope=0.2).sum(),
         torch.atan2(u, v), torch.log1p(x.abs()).sum(), torch.sign(x).sum(), (x % 1).sum(), (1_000*x).sum()]
for i, term in enumerate(terms):
    print(i, term, term.grad_fn)

total = sum(terms)
total.backward()
print(x.grad)
print(u.grad, v.grad)
print(torch.exp(u), torch.tanh(v), torch.sqrt(u + 3), u.clamp(min=0), torch.maximum(u, v), v.abs())
