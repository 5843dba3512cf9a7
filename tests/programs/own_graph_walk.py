# Written for this test suite: reading the graph PyTorch recorded, as a teacher shows it: grad_fn,
# next_functions down to AccumulateGrad, and the saved tensors a node exposes.
import torch

x = torch.tensor(2.0, requires_grad=True)
w = torch.tensor(3.0, requires_grad=True)
y = torch.exp(x * w) + x
print(y.grad_fn)
print(y.grad_fn.name())
for fn, index in y.grad_fn.next_functions:
    print(fn.name(), index)

node = y.grad_fn
seen = []
stack = [node]
while stack:
    node = stack.pop()
    if node is None:
        continue
    seen.append(node.name())
    for child, _ in node.next_functions:
        stack.append(child)
print(seen)

mul = y.grad_fn.next_functions[0][0].next_functions[0][0]
print(mul, mul._saved_self, mul._saved_other)
print(y.grad_fn.next_functions[0][0]._saved_result)
