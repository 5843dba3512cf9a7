# Written for this test suite: a classifier trained the way course notebooks train one: a seeded model printed
# whole, parameters listed and counted, weights initialised in place, momentum SGD, train/eval modes, accuracy,
# a hook that scales a gradient, a Jacobian built row by row with retain_graph, gradcheck, and closures.
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.manual_seed(42)
model = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 3))
print(model)
for name, param in model.named_parameters():
    print(f"{name:>10s}: {tuple(param.shape)} {param.requires_grad}")
print("parameters:", sum(p.numel() for p in model.parameters()))
nn.init.xavier_uniform_(model[0].weight)
model[2].bias.data.fill_(0.1)

X = torch.randn(12, 4)
y = torch.randint(0, 3, (12,))
optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
for epoch in range(5):
    model.train()
    optimizer.zero_grad()
    logits = model(X)
    loss = F.cross_entropy(logits, y)
    loss.backward()
    optimizer.step()
    model.eval()
    with torch.no_grad():
        accuracy = (model(X).argmax(dim=1) == y).float().mean()
    print("epoch {}: loss {:.4f} accuracy {:.2f} |grad| {:.4f}".format(
        epoch, loss.item(), accuracy.item(), model[0].weight.grad.norm().item()))

x = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
h = x.register_hook(lambda g: g * 2)
(x ** 2).sum().backward()
print(x.grad)
h.remove()
assert torch.allclose(x.grad, 4 * x)

x.grad = None
out = torch.stack([x[0] * x[1], x[1] ** 2, torch.sin(x[2])])
J = torch.zeros(3, 3)
for i in range(3):
    out[i].backward(retain_graph=True)
    J[i] = x.grad
    x.grad.zero_()
print(J)

print(torch.autograd.gradcheck(torch.sin, (torch.randn(3, dtype=torch.double, requires_grad=True),)))


def make_loss(target):
    return lambda p: ((p - target) ** 2).sum()


loss_fn = make_loss(torch.ones(3))
p = torch.zeros(3, requires_grad=True)
value = loss_fn(p)
value.backward()
print(value, p.grad)
