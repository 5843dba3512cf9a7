# Written for this test suite: the grad modes (a def under @torch.no_grad(), set_grad_enabled,
# enable_grad), a tensor hook, retain_grad, grad_fn names, saved tensors hooks, detach().requires_grad_(),
# the Jacobian and Hessian of autograd.functional, gradcheck and gradgradcheck.

import torch
x = torch.tensor([1.0, 2.0], requires_grad=True)

@torch.no_grad()
def frozen(t):
    return t * 2

print(frozen(x).requires_grad)
with torch.set_grad_enabled(False):
    y = x * 2
print(y.requires_grad)
with torch.enable_grad():
    z = x * 3
print(z.requires_grad)
seen = []
h = x.register_hook(lambda g: seen.append(g.clone()))
w = (x * x).sum()
w.backward(retain_graph=True)
h.remove()
print(seen, x.grad)
x.grad.zero_()
m = x * 5
m.retain_grad()
m.sum().backward()
print(m.grad, x.grad, m.is_leaf, m.grad_fn.name(), m.grad_fn.next_functions[0][0].name())
q = x ** 2
print(q.grad_fn._saved_self, q.grad_fn._saved_exponent)
packed = []
def pack(t):
    packed.append(t.shape)
    return t
def unpack(t):
    return t
with torch.autograd.graph.saved_tensors_hooks(pack, unpack):
    r = (x * x).sum()
r.backward()
print(packed)
p = x.detach().requires_grad_()
print(p.is_leaf, p.requires_grad, x.data, torch.autograd.functional.jacobian(lambda t: t ** 2, x))
print(torch.autograd.functional.hessian(lambda t: (t ** 3).sum(), x))
double = torch.tensor([0.5, 1.5], dtype=torch.float64, requires_grad=True)
print(torch.autograd.gradcheck(torch.sin, (double,)), torch.autograd.gradgradcheck(torch.sin, (double,)))
