# Written for this test suite: the Python a course's program uses around the tensors: def with defaults,
# if/elif/else, for over range/zip/enumerate/a tensor, while with break and continue, comprehensions,
# lambda, tuple unpacking, subscript assignment, augmented assignment, assert, pass, dicts and formatting.
import math
import torch


def power(t, n=2):
    return t ** n


w = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
total = torch.tensor(0.0)
for i, (a, b) in enumerate(zip(w, [10, 20, 30])):
    if i == 0:
        total = total + power(a) * b
    elif i == 1:
        total = total + power(a, n=3)
    else:
        pass
total.backward()
print(total, w.grad)

n = 0
while True:
    n += 1
    if n % 2 == 0:
        continue
    if n > 7:
        break
print("n:", n)

squares = [k * k for k in range(5) if k != 2]
table = {name: value for name, value in zip("abc", squares)}
double = lambda t: 2 * t
first, *rest = squares
rows = [[0.0] * 3 for _ in range(2)]
rows[1][2] = math.pi
assert len(rows) == 2, "two rows"
print(squares, table, double(4), first, rest, rows)
print("%.3f and %d" % (math.pi, 42), "{:>6.2f}|{}".format(math.e, "e"), f"{w.sum().item():08.3f}")
for element in torch.arange(3):
    print(element, element.item(), end="; ")
print()
m = torch.zeros(2, 3)
m[0, 1] = 5.0
m[1] += 1
m[:, 2] = torch.tensor([7.0, 8.0])
print(m, m.dtype, m.to(torch.float64).dtype, m.int(), m.numpy())
