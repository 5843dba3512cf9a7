# Written for this test suite: a model written as an nn.Module subclass in the older super(Net, self)
# style, with a Linear and a ReLU as attributes; printed, called and its parameters counted.

import torch


class Net(torch.nn.Module):
    def __init__(self, n):
        super(Net, self).__init__()
        self.fc1 = torch.nn.Linear(n, 4)
        self.act = torch.nn.ReLU()

    def forward(self, x):
        return self.act(self.fc1(x))


net = Net(3)
out = net(torch.ones(2, 3))
out.sum().backward()
print(net, out.shape, len(list(net.parameters())), net.fc1.weight.shape)
print(net.fc1.weight.grad)
