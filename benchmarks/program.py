"""Program mode's interpreter beside CPython running the same program (issue #14, item 9).

Run from the repository root:

    python benchmarks/program.py            # the polynomial fit of "Learning PyTorch with Examples", 2,000 steps
    python benchmarks/program.py --repeat 5

Each program runs once to warm up, then ``--repeat`` times under ``explorer.run_program`` and the same
number of times as plain Python (a subprocess that runs the text with ``exec``, as the tests' oracle does;
the explorer itself never does), each side starting from ``torch.manual_seed(0)``. The table shows the
medians and the ratio interpreter / CPython. Target: at most 2x for the polynomial fit. Nothing is
asserted: this is a report, not a test.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time

from explorer import run_program

# The tutorial's fit as its earlier version wrote it (tests/programs/examples_polynomial_autograd.py holds today's
# verbatim): the device given to each call, not torch.set_default_device, whose function mode makes every PyTorch
# call in CPython slower and would flatter the ratio; here both sides run the same calls.
POLYNOMIAL_FIT = """
import torch
import math

dtype = torch.float
device = torch.device("cpu")
x = torch.linspace(-math.pi, math.pi, 2000, device=device, dtype=dtype)
y = torch.sin(x)
a = torch.randn((), device=device, dtype=dtype, requires_grad=True)
b = torch.randn((), device=device, dtype=dtype, requires_grad=True)
c = torch.randn((), device=device, dtype=dtype, requires_grad=True)
d = torch.randn((), device=device, dtype=dtype, requires_grad=True)

learning_rate = 1e-6
for t in range(2000):
    y_pred = a + b * x + c * x ** 2 + d * x ** 3
    loss = (y_pred - y).pow(2).sum()
    if t % 100 == 99:
        print(t, loss.item())
    loss.backward()
    with torch.no_grad():
        a -= learning_rate * a.grad
        b -= learning_rate * b.grad
        c -= learning_rate * c.grad
        d -= learning_rate * d.grad
        a.grad = None
        b.grad = None
        c.grad = None
        d.grad = None

print(f'Result: y = {a.item()} + {b.item()} x + {c.item()} x^2 + {d.item()} x^3')
"""

LAB_FIRST_CELL = "import torch\nx = torch.tensor(2.0, requires_grad = True)\ny = x ** 2\ny.backward()\nprint(x.grad)\n"

PROGRAMS = {"polynomial fit, 2,000 steps": POLYNOMIAL_FIT, "the lab's first cell": LAB_FIRST_CELL}

_CPYTHON = """
import contextlib, io, json, sys, time
import torch
source, repeat = json.loads(sys.stdin.read())
times = []
for _ in range(repeat + 1):
    torch.manual_seed(0)
    start = time.perf_counter()
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(source, "<program>", "exec"), {"__name__": "__main__"})
    times.append(time.perf_counter() - start)
print(json.dumps(times[1:]))
"""


def interpreter_times(source: str, repeat: int) -> list[float]:
    run_program(source)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run = run_program(source)
        times.append(time.perf_counter() - start)
        assert run.error is None, run.error
    return times


def cpython_times(source: str, repeat: int) -> list[float]:
    done = subprocess.run([sys.executable, "-c", _CPYTHON], input=json.dumps([source, repeat]), capture_output=True,
                          text=True, check=True, timeout=600)
    return json.loads(done.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    print(f"{'program':<30} {'interpreter':>12} {'CPython':>10} {'ratio':>7}")
    for name, source in PROGRAMS.items():
        ours = statistics.median(interpreter_times(source, args.repeat))
        theirs = statistics.median(cpython_times(source, args.repeat))
        print(f"{name:<30} {ours * 1000:>10.1f}ms {theirs * 1000:>8.1f}ms {ours / theirs:>6.2f}x")


if __name__ == "__main__":
    main()
