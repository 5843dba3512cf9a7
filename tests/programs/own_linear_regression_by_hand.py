# Written for this test suite: linear regression trained by hand as the lab's course does next: .data
# updates, grad.data.zero_(), the loss plotted, %-formatting, .format, numpy round trips and from_numpy.

import torch
import numpy as np
import matplotlib.pyplot as plt
torch.manual_seed(42)
X = torch.arange(-3, 3, 0.1).view(-1, 1)
f = -3 * X
Y = f + 0.1 * torch.randn(X.size())
w = torch.tensor(-10.0, requires_grad=True)
b = torch.tensor(-20.0, requires_grad=True)
def forward(x):
    return w * x + b
def criterion(yhat, y):
    return torch.mean((yhat - y) ** 2)
lr = 0.1
LOSS = []
for epoch in range(15):
    Yhat = forward(X)
    loss = criterion(Yhat, Y)
    LOSS.append(loss.item())
    loss.backward()
    w.data = w.data - lr * w.grad.data
    b.data = b.data - lr * b.grad.data
    w.grad.data.zero_()
    b.grad.data.zero_()
print(LOSS[:3], LOSS[-1])
plt.plot(LOSS)
plt.xlabel("Epochs/Iterations")
plt.ylabel("Cost")
plt.figure(figsize=(6, 4))
plt.plot(X.numpy(), Y.numpy(), 'rx', label='y')
plt.show()
print("w = %.3f, b = %.3f" % (w.item(), b.item()))
print("{0:.2f} and {1:.2f}".format(w.item(), b.item()))
print(np.round(np.array(LOSS[:2]), 2))
x_np = np.array([1.0, 2.0, 3.0])
t = torch.from_numpy(x_np)
print(t, t.dtype, t.numpy(), x_np.mean())
