# Written for this test suite, in the shape of the lessons that follow the lab in its course: a model written
# as a subclass of nn.Module (super().__init__, layers as attributes, forward), trained with SGD.
import torch
import torch.nn as nn

torch.manual_seed(1)


class LR(nn.Module):
    def __init__(self, input_size, output_size):
        super(LR, self).__init__()
        self.linear = nn.Linear(input_size, output_size)

    def forward(self, x):
        out = self.linear(x)
        return out


X = torch.arange(-3, 3, 0.1).view(-1, 1)
Y = -3 * X + 1
model = LR(1, 1)
print(list(model.parameters()))
criterion = nn.MSELoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.01)
for epoch in range(10):
    yhat = model(X)
    loss = criterion(yhat, Y)
    optimizer.zero_grad()
    loss.backward()
    optimizer.step()
print(model.state_dict())
print(loss)
