# Written for this test suite: the corners of Python a tree-walking interpreter most easily gets wrong, around
# tensors: late-binding closures, a mutable default, loop variables after the loop, for/while-else, chained
# comparisons, aliases and in-place operators, f-string `=`, print's sep and end, exceptions and finally.
import math
import torch

fs = [lambda: i for i in range(3)]
print([f() for f in fs])


def append(a, into=[]):
    into.append(a)
    return into


append(1)
print(append(2))

for k in range(4):
    pass
print("k after the loop:", k)
for k in range(2):
    if k == 5:
        break
else:
    print("no break")
n = 0
while n < 3:
    n += 1
else:
    print("while done", n)

x = torch.zeros(2)
y = x
y += 1
z = x
z = z + 1
print(x, y is x, z is x)
lst = [1]
alias = lst
alias += [2]
print(lst, 0 < x[0] < 2, x is not None, 1 in lst)
a, b = 1, 2
a, b = b, a
first, *middle, last = range(5)
print(a, b, first, middle, last)

w = torch.ones(2, requires_grad=True)
print(f"{w.sum()=}", f"{math.pi=:.3f}")
print(*[1, 2, 3], sep=", ", end="!\n")
print(-7 // 2, -7 % 2, divmod(7, -2), round(2.5), round(3.5), 0.1 + 0.2, 2 ** -1, 10 / 4)
print(sorted([3, -1, 2], key=abs), max([1, -5, 3], key=abs), list(reversed(range(3))), [1, 2, 3][::-1])
print(list(enumerate("ab", start=1)), list(filter(None, [0, 1, 2])), list(map(lambda v: v * 2, [1, 2])))
print(sum(t.sum() for t in [w, w * 2]), isinstance(w, torch.Tensor), (n := 10) + 1, n)


def factorial(m):
    return 1 if m <= 1 else m * factorial(m - 1)


print(factorial(10))
try:
    w += 1
except RuntimeError as err:
    print("in-place on a leaf:", str(err)[:60])
finally:
    print("finally")
try:
    v = x[::-1]
except ValueError as err:
    print("ValueError:", err)
try:
    assert w.sum() > 5, "the sum is too small"
except AssertionError as err:
    print("AssertionError:", err)
del a
print("deleted")
