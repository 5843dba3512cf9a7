# Written for this test suite: a misspelt name stops the program with Python's NameError, inside a function
# called from the top level; the error names the line inside the function.
import torch


def loss_of(t):
    return (t - targett) ** 2


x = torch.tensor(1.0, requires_grad=True)
print("before")
loss = loss_of(x)
