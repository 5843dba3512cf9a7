# Written for this test suite: hooks that print and that change a gradient, removing a hook, grad_fn's
# next_functions and saved tensors (_saved_self, _saved_other, _saved_result), saved_tensors_hooks printing
# what they pack, a second backward caught, anomaly detection off.

import torch
a = torch.tensor([2., 3.], requires_grad=True)
b = a * 2
b.register_hook(lambda grad: print("grad of b:", grad))
c = b.sum()
c.backward()
def tensor_hook(grad):
    return grad * 10
x = torch.tensor(1.0, requires_grad=True)
y = x * 3
h = y.register_hook(tensor_hook)
y.backward()
print(x.grad)
h.remove()
x.grad = None
y = x * 3
y.backward()
print(x.grad)
fn = (x * x).grad_fn
print(fn.name(), fn.next_functions, len(fn.next_functions))
print(fn._saved_self is x, fn._saved_other is x, torch.equal(fn._saved_self, x))
s = torch.sigmoid(x)
print(s.grad_fn._saved_result, s.grad_fn._saved_result is s)
e = torch.exp(x)
print(e.grad_fn._saved_result.equal(e))
def pack_hook(t):
    print("Packing", t)
    return t
def unpack_hook(t):
    print("Unpacking", t)
    return t
a = torch.ones(5, requires_grad=True)
b = torch.ones(5, requires_grad=True) * 2
with torch.autograd.graph.saved_tensors_hooks(pack_hook, unpack_hook):
    y = a * b
y.sum().backward()
print(a.grad)
x = torch.randn(5, requires_grad=True)
y = x.pow(2)
print(y.grad_fn._saved_self.equal(x))
print(y.grad_fn._saved_exponent)
try:
    y.sum().backward()
    y.sum().backward()
except RuntimeError as err:
    print("second backward fails")
z = torch.zeros(3, requires_grad=True)
with torch.autograd.set_detect_anomaly(False):
    w = z * 2
print(w)
print(torch.is_grad_enabled())
