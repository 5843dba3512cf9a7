# Written for this test suite: nn.ModuleList in a module's forward, repeat, ndimension, the logical
# operations and roll.

import torch
import torch.nn as nn
x = torch.tensor([[1.0, -2.0], [3.0, 0.5]], requires_grad=True)
r = x.repeat(2, 3)
print(r.shape, x.ndimension(), torch.logical_not(x > 0), (x > 0).logical_and(x < 2), x.roll(1, 0))
class Stack(nn.Module):
    def __init__(self):
        super().__init__()
        self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])
    def forward(self, h):
        for layer in self.layers:
            h = torch.tanh(layer(h))
        return h
torch.manual_seed(3)
net = Stack()
out = net(x).sum()
out.backward()
print(out, x.grad, len(net.layers), net.layers[0].weight.grad.shape)
