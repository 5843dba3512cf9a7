# Written for this test suite: a large number given to torch.tensor is one element, not a size; only the
# old-style constructors (torch.Tensor(2, 3)) read integers as sizes.
import torch
import numpy as np

n = torch.tensor(2000000)
m = torch.as_tensor(3000000.0)
k = torch.ones(2).new_tensor(4000000)
print(n, m, k, np.array(5000000))
print(torch.Tensor(2, 3).shape)
