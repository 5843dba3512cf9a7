# Written for this test suite, the kind of program a course writes after the lab: no_grad, detach,
# requires_grad_, .data and is_leaf, set_grad_enabled and a function decorated with @torch.no_grad().
import torch

x = torch.ones(3, requires_grad=True)
with torch.no_grad():
    y = x * 2
print(y.requires_grad, y.is_leaf, y.grad_fn)

z = (x * 3).detach()
print(z.requires_grad, z.is_leaf)
z.requires_grad_()
print(z.requires_grad, z.is_leaf)

d = x.data
print(d.requires_grad, d)

with torch.set_grad_enabled(False):
    p = x + 1
with torch.enable_grad():
    q = x + 1
print(p.requires_grad, q.requires_grad)

@torch.no_grad()
def evaluate(t):
    return t * t

r = evaluate(x)
print(r, r.requires_grad)

s = (x * z).sum()
s.backward()
print(x.grad, z.grad)
