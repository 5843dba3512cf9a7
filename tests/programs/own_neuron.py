# Written for this test suite, the kind of program a course writes after the lab: one neuron w @ x + b,
# a sigmoid, a squared-error loss, and the gradients of the weights and the bias.
import torch

x = torch.tensor([1.0, 2.0, 3.0])
w = torch.tensor([0.5, -0.25, 0.1], requires_grad=True)
b = torch.tensor(0.2, requires_grad=True)
target = torch.tensor(1.0)

z = w @ x + b
a = torch.sigmoid(z)
loss = (a - target) ** 2
print("z =", z)
print("a =", a)
print("loss =", loss)

loss.backward()
print("dloss/dw =", w.grad)
print("dloss/db =", b.grad)
print(f"loss {loss.item():.4f}, grad_fn {loss.grad_fn.name()}")
