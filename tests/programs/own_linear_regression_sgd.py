# Written for this test suite, the kind of program a course writes after the lab: linear regression on
# noisy points, trained by hand (.data updates, w.grad.data.zero_()) and then with torch.optim.SGD; the loss
# plotted, printed with %-formatting and .format, and numpy round trips (np.round, from_numpy).
import torch
import numpy as np
import matplotlib.pyplot as plt

X = torch.linspace(-1, 1, 20).view(-1, 1)
Y = 3 * X - 1 + 0.1 * torch.randn(X.size())

w = torch.tensor(0.0, requires_grad=True)
b = torch.tensor(0.0, requires_grad=True)
lr = 0.1

def forward(x):
    return w * x + b

def criterion(yhat, y):
    return torch.mean((yhat - y) ** 2)

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
print("by hand:", round(w.item(), 4), round(b.item(), 4), len(LOSS))
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

w2 = torch.zeros(1, requires_grad=True)
b2 = torch.zeros(1, requires_grad=True)
optimizer = torch.optim.SGD([w2, b2], lr=0.1)
for epoch in range(15):
    optimizer.zero_grad()
    loss = ((w2 * X + b2 - Y) ** 2).mean()
    loss.backward()
    optimizer.step()
    if epoch % 5 == 4:
        print(f"epoch {epoch + 1}: loss {loss.item():.5f}")
print("with SGD:", w2, b2)
