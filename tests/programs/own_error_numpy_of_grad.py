# Written for this test suite: the error the lab's plot cells avoid with detach(): numpy() of a tensor that
# requires grad stops the program with PyTorch's advice to detach it first.
import torch
import matplotlib.pyplot as plt

x = torch.linspace(-2, 2, 5, requires_grad=True)
y = x ** 2
print(y.detach().numpy())
plt.plot(x.numpy(), y.numpy())
