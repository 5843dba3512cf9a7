# Written for this test suite: a training loop with nn.Sequential, MSELoss and optim.SGD, then
# cross_entropy, gelu, leaky_relu and one Adam step.

import torch
import torch.nn as nn
import torch.nn.functional as F
from torch import optim

X = torch.randn(16, 3)
w_true = torch.tensor([[1.0], [-2.0], [0.5]])
Y = X @ w_true + 0.1
model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 1))
opt = optim.SGD(model.parameters(), lr=0.1)
loss_fn = nn.MSELoss()
losses = []
for epoch in range(30):
    opt.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    opt.step()
    losses.append(round(loss.item(), 4))
print(losses[0], losses[-1], len(losses))
first = model[0]
print(first.weight.shape, first.bias.grad is not None)
W = first.weight
logits = torch.randn(4, 3, requires_grad=True)
target = torch.tensor([0, 2, 1, 2])
ce = F.cross_entropy(logits, target)
ce.backward()
print(ce, logits.grad.sum(dim=1))
print(F.gelu(torch.tensor([-1.0, 0.0, 1.0])), F.leaky_relu(torch.tensor([-2.0]), negative_slope=0.2))
adam = optim.Adam([logits], lr=0.01)
adam.step()
print(logits)
