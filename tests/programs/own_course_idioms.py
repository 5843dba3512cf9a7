# Written for this test suite: idioms course notebooks use around autograd: a program that seeds itself,
# catching PyTorch's error to print it, reductions that return (values, indices), formatting 0-d tensors,
# sizes and dtypes, gradients read as numbers and arrays, backward with inputs=.
import torch

torch.manual_seed(2)
w = torch.randn(3, requires_grad=True)
x = torch.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
y = (x @ w).sum()
y.backward(retain_graph=True)
print(f"{y:.3f}", f"{y.item():+.2e}", w.grad.numpy(), w.grad.tolist(), w.grad[0].item())

try:
    z = (x * w).sum()
    z.backward()
    z.backward()
except RuntimeError as err:
    print("RuntimeError:", str(err)[:40])

values, indices = x.max(dim=1)
print(x.max(dim=0))
print(values, indices, x.mean(dim=0), x.norm(), x.pow(2).sum(dim=1, keepdim=True))
print(x.size(), x.shape[0], len(x), x.numel(), x.dim(), x.dtype == torch.float32, w.grad is None)

b = torch.tensor(0.5, requires_grad=True)
loss = (w.sum() * b) ** 2
loss.backward(inputs=[b])
print(b.grad, w.grad)
grads = {"w": w.grad, "b": b.grad}
for name, grad in sorted(grads.items()):
    print(name, grad.shape, *grad.reshape(-1).tolist())
