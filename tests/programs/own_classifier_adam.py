# Written for this test suite: a classifier written as an nn.Module, trained with Adam and CrossEntropyLoss,
# its accuracy printed under no_grad, train/eval modes, named_parameters, state_dict and xavier init.

import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(1)
X = torch.randn(64, 2)
y = (X[:, 0] * X[:, 1] > 0).long()

class MLP(nn.Module):
    def __init__(self, hidden=8):
        super().__init__()
        self.fc1 = nn.Linear(2, hidden)
        self.fc2 = nn.Linear(hidden, 2)

    def forward(self, x):
        h = F.relu(self.fc1(x))
        return self.fc2(h)

model = MLP()
nn.init.xavier_uniform_(model.fc1.weight)
opt = torch.optim.Adam(model.parameters(), lr=0.05)
loss_fn = nn.CrossEntropyLoss()
history = []
for epoch in range(50):
    model.train()
    opt.zero_grad()
    logits = model(X)
    loss = loss_fn(logits, y)
    loss.backward()
    opt.step()
    if epoch % 10 == 0:
        with torch.no_grad():
            acc = (logits.argmax(dim=1) == y).float().mean()
        print(f"epoch {epoch:3d} loss {loss.item():.4f} acc {acc.item():.2f}")
    history.append(loss.item())
model.eval()
with torch.no_grad():
    probs = F.softmax(model(X[:3]), dim=1)
print(probs)
print(opt.param_groups[0]["lr"], len(history), min(history) < history[0])
for name, p in model.named_parameters():
    print(name, tuple(p.shape), p.grad is not None)
print(sum(p.numel() for p in model.parameters()))
w = model.fc1.weight
print(w.grad.shape, model)
sd = model.state_dict()
print(list(sd.keys()))
