# Written for this test suite, the kind of program a course writes after the lab: a matrix-vector product,
# a matrix product, transposes and shapes, and backward with a gradient argument.
import torch

A = torch.arange(6, dtype=torch.float32).reshape(2, 3).requires_grad_()
v = torch.tensor([1.0, -1.0, 2.0], requires_grad=True)
u = A @ v
M = A.mm(A.t())
print(u, u.shape)
print(M)
print(torch.mv(A, v), torch.matmul(A, v).sum())

u.backward(torch.tensor([1.0, 0.5]))
print(A.grad)
print(v.grad)

B = torch.eye(3)
C = torch.cat([A, A * 2], dim=0)
S = torch.stack([v, v ** 2])
print(C.shape, S.shape, B.flatten().shape, A.T.shape, A.unsqueeze(0).shape)
total = (C.sum() + S.sum()) * 1
total.backward()
print(A.grad, v.grad, sep="\n")
print(A[0, 1].item(), A[:, 1].tolist(), A[1])
