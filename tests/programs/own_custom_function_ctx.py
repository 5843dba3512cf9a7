# Written for this test suite: a custom autograd Function with two inputs that uses ctx.needs_input_grad,
# saves a non-tensor on ctx, and is checked with torch.autograd.gradcheck in double precision.
import torch
from torch.autograd import Function, gradcheck


class MulAdd(Function):
    @staticmethod
    def forward(ctx, a, b, scale):
        ctx.save_for_backward(a, b)
        ctx.scale = scale
        return a * b * scale + a

    @staticmethod
    def backward(ctx, grad_output):
        a, b = ctx.saved_tensors
        grad_a = grad_b = None
        if ctx.needs_input_grad[0]:
            grad_a = grad_output * (b * ctx.scale + 1)
        if ctx.needs_input_grad[1]:
            grad_b = grad_output * a * ctx.scale
        return grad_a, grad_b, None


a = torch.tensor([1.0, 2.0], requires_grad=True)
b = torch.tensor([3.0, -1.0])
out = MulAdd.apply(a, b, 2.0)
print(out, out.grad_fn)
out.sum().backward()
print(a.grad, b.grad)

a64 = torch.randn(3, dtype=torch.double, requires_grad=True)
b64 = torch.randn(3, dtype=torch.double, requires_grad=True)
print(gradcheck(MulAdd.apply, (a64, b64, 0.5)))
