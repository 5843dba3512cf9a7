# Written for this test suite: a student's classic mistake, a (4, 1) prediction against a (4,) target. PyTorch
# warns that the sizes differ and broadcasts them to a (4, 4) loss; a notebook shows the warning under the cell.
import torch
import torch.nn.functional as F

pred = torch.randn(4, 1, requires_grad=True)
target = torch.tensor([1.0, 2.0, 3.0, 4.0])
loss = F.mse_loss(pred, target)
loss.backward()
print(loss, pred.grad.shape)
