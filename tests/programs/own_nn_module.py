# Written for this test suite, the kind of program a course writes after the lab: nn.Linear and
# nn.Sequential, an MSE loss, Adam, and a classification loss.
import torch
import torch.nn as nn
import torch.nn.functional as F

model = nn.Sequential(nn.Linear(2, 3), nn.Tanh(), nn.Linear(3, 1))
X = torch.tensor([[0.0, 1.0], [1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
Y = torch.tensor([[1.0], [1.0], [0.0], [0.0]])
loss_fn = nn.MSELoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
for step in range(30):
    optimizer.zero_grad()
    loss = loss_fn(model(X), Y)
    loss.backward()
    optimizer.step()
print(round(loss.item(), 5))
print(model[0].weight.grad.shape, model[2].bias.grad)

logits = torch.tensor([[2.0, 0.5, -1.0]], requires_grad=True)
label = torch.tensor([0])
ce = nn.CrossEntropyLoss()(logits, label)
ce.backward()
print(ce, logits.grad)

layer = nn.Linear(3, 2)
h = F.relu(layer(torch.ones(1, 3)))
bce = nn.BCEWithLogitsLoss()(h, torch.ones(1, 2))
bce.backward()
print(bce.grad_fn, layer.weight.grad)
