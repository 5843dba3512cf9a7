# Written for this test suite: custom autograd Functions as PyTorch's docs write them: MyReLU with
# save_for_backward, MulConstant keeping a number on ctx and printing needs_input_grad, Exp with
# setup_context, each checked with gradcheck.

import torch
from torch.autograd import Function

class MyReLU(Function):
    @staticmethod
    def forward(ctx, input):
        ctx.save_for_backward(input)
        return input.clamp(min=0)

    @staticmethod
    def backward(ctx, grad_output):
        input, = ctx.saved_tensors
        grad_input = grad_output.clone()
        grad_input[input < 0] = 0
        return grad_input

class MulConstant(Function):
    @staticmethod
    def forward(ctx, tensor, constant):
        ctx.constant = constant
        return tensor * constant

    @staticmethod
    def backward(ctx, grad_output):
        print("needs:", ctx.needs_input_grad)
        return grad_output * ctx.constant, None

class Exp(Function):
    @staticmethod
    def forward(i):
        return i.exp()

    @staticmethod
    def setup_context(ctx, inputs, output):
        ctx.save_for_backward(output)

    @staticmethod
    def backward(ctx, grad_output):
        result, = ctx.saved_tensors
        return grad_output * result

x = torch.linspace(-2, 2, 5, requires_grad=True)
relu = MyReLU.apply
y = relu(x)
y.sum().backward()
print(y, x.grad)
x.grad.zero_()
m = MulConstant.apply(x, 3.0)
m.sum().backward()
print(m.grad_fn, x.grad)
e = Exp.apply(x)
e.sum().backward()
print(e, x.grad)
d = torch.randn(4, dtype=torch.double, requires_grad=True)
print(torch.autograd.gradcheck(MyReLU.apply, (d,), eps=1e-6, atol=1e-4))
print(torch.autograd.gradcheck(lambda t: MulConstant.apply(t, 2.0), (d,)))
print(MyReLU, Exp.apply)
