# Written for this test suite: the Python around a course's tensors: a def with defaults, *rest and **extra,
# comprehensions, starred and nested unpacking, slice assignment, while/else with break and continue,
# % / .format / f-string specs, builtins, lambda, numpy, autograd.grad with create_graph, Variable, try/finally.

import math
import numpy as np
import torch
from torch.autograd import grad, Variable

def poly(x, a=1.0, *rest, scale=2, **extra):
    total = a * x
    for i, c in enumerate(rest):
        total = total + c * x ** (i + 2)
    return scale * total + len(extra)

values = [poly(2.0), poly(2.0, 3.0, 1.0, 0.5, scale=1, bias=True)]
print(values, sum(values), max(values), sorted(values, reverse=True))
pairs = {k: v for k, v in zip("abc", range(3))}
squares = [i * i for i in range(10) if i % 2 == 0]
nested = [(i, j) for i in range(3) for j in range(i)]
print(pairs, squares, nested, {n % 3 for n in range(10)})
a, *middle, b = range(6)
print(a, middle, b)
first, (second, third) = 1, (2, 3)
x = torch.arange(12.0).view(3, 4)
x[0, 1:3] = -1.0
x[2] = x[2] * 2
print(x, x[:, -1], x[1][2].item(), x.T.shape, x.sum(dim=0), x.mean().item())
count = 0
while True:
    count += 1
    if count < 3:
        continue
    if count >= 5:
        break
else:
    count = -1
print("count", count)
text = "loss = %.3f at step %d" % (0.12345, 7)
print(text, "{:>8.2f}|{:<5}|{name}".format(3.14159, "ab", name="n"), f"{math.pi:.4f} {count!r:>4}")
print(abs(-3), round(2.675, 2), divmod(17, 5), pow(2, 10), int("42") + float("1.5"), str(3) + "x", bool([]))
print(list(map(lambda v: v * 2, [1, 2, 3])), list(filter(lambda v: v > 1, [1, 2, 3])), any([0, 1]), all([]))
arr = np.linspace(0, 1, 5)
print(arr, arr.shape, np.sum(arr), np.array([[1, 2], [3, 4]]).T)
xs = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
ys = (xs ** 3).sum()
(g,) = grad(ys, xs, create_graph=True)
(g2,) = grad(g.sum(), xs)
print(g, g2)
v = Variable(torch.ones(2), requires_grad=True)
assert v.requires_grad, "a Variable is a tensor now"
total = 0
for row in x:
    total += row.sum().item()
print(total, isinstance(x, torch.Tensor), x.dtype, x.size(), x.dim(), x.numel(), 3 in [1, 2, 3])
try:
    torch.ones(2) @ torch.ones(3)
except RuntimeError as err:
    print("caught:", isinstance(err, RuntimeError))
finally:
    print("finally")
if x.shape[0] == 3 and not False:
    print("three rows")
elif x.shape[0] == 4:
    print("four")
else:
    pass
del total
