# Written for this test suite: models written as nn.Module subclasses: the polynomial of Learning PyTorch
# with Examples trained 300 steps with SGD, and a module with a Linear and a ReLU (super(Net, self) style).

import torch
import math


class Polynomial3(torch.nn.Module):
    def __init__(self):
        """
        In the constructor we instantiate four parameters and assign them as
        member parameters.
        """
        super().__init__()
        self.a = torch.nn.Parameter(torch.randn(()))
        self.b = torch.nn.Parameter(torch.randn(()))
        self.c = torch.nn.Parameter(torch.randn(()))
        self.d = torch.nn.Parameter(torch.randn(()))

    def forward(self, x):
        return self.a + self.b * x + self.c * x ** 2 + self.d * x ** 3

    def string(self):
        return f'y = {self.a.item()} + {self.b.item()} x + {self.c.item()} x^2 + {self.d.item()} x^3'


x = torch.linspace(-math.pi, math.pi, 2000)
y = torch.sin(x)
model = Polynomial3()
criterion = torch.nn.MSELoss(reduction='sum')
optimizer = torch.optim.SGD(model.parameters(), lr=1e-6)
for t in range(300):
    y_pred = model(x)
    loss = criterion(y_pred, y)
    if t % 100 == 99:
        print(t, loss.item())
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()

print(f'Result: {model.string()}')
print(model)


class Net(torch.nn.Module):
    def __init__(self, n):
        super(Net, self).__init__()
        self.fc1 = torch.nn.Linear(n, 4)
        self.act = torch.nn.ReLU()

    def forward(self, x):
        return self.act(self.fc1(x))


net = Net(3)
print(net, net(torch.ones(2, 3)).shape, len(list(net.parameters())), net.fc1.weight.shape)
