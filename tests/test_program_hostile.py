"""Hostile programs: every way out of program mode a visitor might try is refused, or stopped, naming the line.

Each program runs through ``run_program`` in the sandbox (``program_sandbox``): a forked child with its address
space capped a little above what PyTorch maps and an alarm, in an empty working directory of its own. So a
bound that does not hold fails its test (as "died", or as the allocator's error) instead of taking the run
down, and a program that reached a file would leave one behind: after every case the directory must be empty.

The families, each a table of (program, the line the message must name):
- ``REFUSED``: outside the language, refused before anything runs (``ProgramRefused``, "line L, column C: ...");
- ``STOPPED``: only known while running (a format string built at run time, an attribute a value does not
  offer), stopped with an error on its line;
- ``BOUNDED``: endless loops, deep recursion and memory bombs, stopped on their line by program mode's limits
  before PyTorch, numpy or Python allocates (never by the allocator or the sandbox's cap); a loop that keeps
  PyTorch busy is stopped by the clock;
- ``SETTLED`` (run in this process: they are harmless): a program's own grad mode, anomaly mode and seed stay
  its own, and so do numpy's generator and PyTorch's.
Each family covers nn.Module subclasses and the hooks PyTorch calls back. Then the command line as a door: a
refusal exits 2 with one line on stderr and prints nothing, a bound exits 1.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pytest
import torch
from test_process_state import changed_settings, process_settings

from explorer import ProgramRefused, run_program


def _table(rows: list[tuple], not_yet: dict[str, str]) -> list[object]:
    """pytest params from (source, line) rows, with a strict xfail for each source ``not_yet`` names.

    A row's line is a number, or a tuple of the lines that may be named: a loop's limit may be reported on the
    loop or on the statement in its body that was running, a hook's on the hook or on the backward that ran it.
    """
    return [pytest.param(source, line, id=source.replace("\n", "⏎")[:80],
                         marks=pytest.mark.xfail(strict=True, reason=not_yet[source]) if source in not_yet else ())
            for source, line in rows]


def _module(init: str = "", use: str = "", methods: str = "") -> str:
    """A program with an nn.Module subclass M: ``init`` (lines 6-) in its __init__, ``methods`` after forward, then
    ``m = M()`` and ``use``. With one line of ``init`` and none of ``methods``, ``use`` starts on line 10."""
    body = "".join(f"        {line}\n" for line in init.splitlines())
    return ("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n"
            f"        super().__init__()\n{body}    def forward(self, x):\n        return x\n{methods}m = M()\n{use}")


# -- refused before anything runs ------------------------------------------------------------------------------

REFUSED = [
    # imports outside the list, and the builtins that reach the interpreter or the machine
    ("import os", 1),
    ("import sys", 1),
    ("import subprocess", 1),
    ("from os import system", 1),
    ("import importlib", 1),
    ("import builtins", 1),
    ("import torch\nimport torch.utils.data", 2),
    ("from torch import _C", 1),
    ("x = __import__('os')", 1),
    ("x = __builtins__", 1),
    ("g = globals()", 1),
    ("l = locals()", 1),
    ("import torch\nx = torch.ones(2)\nv = vars(x)", 3),
    ("import torch\nx = torch.ones(2)\ng = getattr(x, 'grad')", 3),
    ("import torch\nx = torch.ones(2)\nt = type(x)", 3),
    ("import torch\nx = torch.ones(2)\nm = type(x).__mro__", 3),
    ("e = eval('1')", 1),
    ("exec('x = 1')", 1),
    ("c = compile('1', 'f', 'eval')", 1),
    ("breakpoint()", 1),
    ("f = open('sentinel', 'w')", 1),
    ("import torch\nwith open('sentinel', 'w') as f:\n    pass", 2),
    ("b = memoryview(b'abc')", 1),
    ("x = input()", 1),
    ("help()", 1),
    ("exit()", 1),
    ("quit()", 1),
    ("raise SystemExit", 1),
    ("raise KeyboardInterrupt", 1),
    ("b = bytearray(10)", 1),
    ("x = 1 if True else __import__('os')", 1),
    # dunder walks: from a tensor, a tuple, a function, a module, an exception
    ("import torch\nx = torch.ones(2)\nprint(x.__class__)", 3),
    ("s = ().__class__.__bases__[0].__subclasses__()", 1),
    ("f = lambda: 0\nc = f.__code__", 2),
    ("f = lambda: 0\ng = f.__globals__", 2),
    ("import math\nm = math.__dict__", 2),
    ("import torch.nn as nn\nl = nn.Linear(2, 2)\nm = l.__class__.__init__.__globals__", 3),
    ("try:\n    x = 1 / 0\nexcept Exception as e:\n    t = e.__traceback__", 4),
    ("import torch\nx = torch.ones(2)\nx.__class__ = int", 3),
    ("import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
     "        return ctx.saved_tensors.__class__", 5),
    # class tricks
    ("class M(type):\n    pass", 1),
    ("import torch\nclass A(torch.autograd.Function, metaclass=type):\n    pass", 2),
    ("class A:\n    def __init_subclass__(cls):\n        pass", 1),
    ("class A:\n    def __getattr__(self, name):\n        return 1", 1),
    ("import torch\nclass T(torch.Tensor):\n    pass", 2),
    ("import torch\nclass F(torch.autograd.Function):\n    def __init_subclass__(cls):\n        pass", 3),
    ("import torch\nclass F(torch.autograd.Function):\n    @staticmethod\n    def forward(ctx, x):\n"
     "        return x\n    def __getattr__(self, name):\n        return 1", 6),
    ("import torch\nclass F(torch.autograd.Function):\n    @classmethod\n    def forward(cls, ctx, x):\n"
     "        return x", 4),
    # an nn.Module subclass: plain methods only, nothing private
    (_module(methods="    def __call__(self, x):\n        return 1\n"), 8),
    (_module(methods="    def _call_impl(self, x):\n        return 1\n"), 8),
    (_module(init="self.w = 1", use="print(m.__class__)"), 10),
    (_module(init="self.w = 1", use="d = m.__dict__"), 10),
    (_module(init="if False:\n    self.os = None", use="torch.os.system('touch sentinel')"), 11),
    # decorators outside the list
    ("@property\ndef f(x):\n    return x", 1),
    ("def deco(f):\n    return f\n@deco\ndef g(x):\n    return x", 3),
    ("import torch\n@torch.jit.script\ndef f(x):\n    return x", 2),
    ("import torch\n@torch.compile\ndef f(x):\n    return x", 2),
    # f-strings reach attributes as any expression does
    ("import torch\nx = torch.ones(2)\ns = f'{x.__class__}'", 3),
    # generators and their frames, lambda defaults
    ("def g():\n    yield 1", 2),
    ("g = (i for i in range(3))\nf = g.gi_frame", 2),
    ("g = (i for i in range(3))\nf = g.gi_frame.f_globals", 2),
    ("f = lambda x=globals(): x", 1),
    ("def h():\n    return 1\nn = h.interpreter", 3),
    # torch's doors to files, the network, compilers and its C++ core
    ("import torch\nx = torch.ones(2)\ntorch.save(x, 'sentinel')", 3),
    ("import torch\nx = torch.load('sentinel')", 2),
    ("import torch\nm = torch.hub.load('pytorch/vision', 'resnet18')", 2),
    ("import torch\nf = torch.jit.script(lambda x: x)", 2),
    ("import torch\nf = torch.compile(lambda x: x)", 2),
    ("import torch\nc = torch._C", 2),
    ("import torch\no = torch.ops.aten.add", 2),
    ("import torch\nc = torch.classes", 2),
    ("import torch\nu = torch.utils.data", 2),
    ("import torch\nf = torch.from_file('sentinel', size=3)", 2),
    ("import torch\ntorch.os.system('touch sentinel')", 2),
    ("import torch.nn.functional as F\nF.torch.os.system('touch sentinel')", 2),
    ("import torch\nm = torch\nm.save(torch.ones(2), 'sentinel')", 3),
    ("import torch\nm = [torch][0]\nm.os.system('touch sentinel')", 3),
    ("import torch\ntorch.set_num_threads(1)", 2),
    ("import torch\ntorch.set_printoptions(precision=10)", 2),
    ("import torch\ntorch.use_deterministic_algorithms(True)", 2),
    # numpy's file functions
    ("import numpy as np\nx = np.load('sentinel')", 2),
    ("import numpy as np\nnp.save('sentinel', np.ones(2))", 2),
    ("import numpy as np\nx = np.fromfile('sentinel')", 2),
    ("import numpy as np\nnp.ones(2).tofile('sentinel')", 2),
    ("import numpy as np\nnp.savetxt('sentinel', np.ones(2))", 2),
    ("import numpy as np\nnp.ones(2).dump('sentinel')", 2),
    ("import torch\na = torch.ones(2).numpy()\nb = [a][0]\nb.tofile('sentinel')", 4),
    ("import numpy as np\nm = np.lib", 2),
    ("import numpy as np\nm = np.ctypeslib", 2),
    # matplotlib's files: program mode records plots, it never writes them
    ("import matplotlib.pyplot as plt\nplt.plot([1, 2])\nplt.savefig('sentinel.png')", 3),
    ("import matplotlib.pyplot as plt\nf = plt.figure()\nf.savefig('sentinel.png')", 3),
    # tensor storage and pointers
    ("import torch\nx = torch.ones(2)\ns = x.untyped_storage()", 3),
    ("import torch\nx = torch.ones(2)\np = x.data_ptr()", 3),
    ("import torch\nx = torch.ones(2)\ns = x.storage()", 3),
    ("import torch\nx = torch.ones(2)\nc = x.numpy().ctypes", 3),
    ("import torch\nx = torch.ones(2)\nc = x.numpy().__array_interface__", 3),
    ("import torch\nx = torch.ones(2)\nx.set_(torch.ones(3))", 3),
    ("import torch\nx = torch.ones(2)\nc = x._cdata", 3),
    # a visitor lambda on the graph that tries to get out
    ("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n"
     "h = y.grad_fn.register_hook(lambda gi, go: open('sentinel', 'w'))\ny.backward()", 4),
    ("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n"
     "h = y.grad_fn.register_hook(lambda gi, go: print(gi[0].__class__))\ny.backward()", 4),
    ("import torch\nx = torch.ones(2, requires_grad=True)\ny = (x * 2).sum()\n"
     "h = y.grad_fn.register_hook(lambda gi, go: print(go[0].untyped_storage()))\ny.backward()", 4),
    # a module's own methods and hooks
    ("import torch.nn as nn\nl = nn.Linear(2, 2)\nl.forward = print", 3),
    ("import torch.nn as nn\nl = nn.Linear(2, 2)\nh = l.register_forward_hook(print)", 3),
    # statements outside the language
    ("import torch\nasync def f():\n    pass", 2),
    ("global x", 1),
    ("x = 1\ndef f():\n    nonlocal x", 3),
    ("import torch\ndel torch.tensor", 2),
    # a program too deep for the checker's own walk
    ("x = 1" + " + 1" * 4000, 1),
    ("x = " + "-" * 3000 + "1", 1),
    ("x = " + "[" * 500 + "]" * 500, 1),
]
REFUSED_NOT_YET: dict[str, str] = {}


@pytest.mark.parametrize(("source", "line"), _table(REFUSED, REFUSED_NOT_YET))
def test_outside_the_language_is_refused_before_anything_runs(sandbox, tmp_path, source, line):
    verdict = sandbox.run(source, tmp_path)
    assert verdict.outcome == "refused", verdict
    assert verdict.message.startswith(f"line {line}, column "), verdict.message
    assert list(tmp_path.iterdir()) == []


def test_a_refusal_says_what_to_write_instead(sandbox, tmp_path):
    verdict = sandbox.run("import torch\n@property\ndef f(x):\n    return x", tmp_path)
    assert "@torch.no_grad()" in verdict.message


# -- stopped while running -------------------------------------------------------------------------------------

STOPPED = [
    # format strings: no attribute or index is reached through one, whether written out or built at run time
    ("import torch\nx = torch.ones(2)\ns = '{0.__class__}'.format(x)", 3),
    ("import torch\nx = torch.ones(2)\ns = '{0.grad_fn}'.format(x)", 3),
    ("import torch\nx = torch.ones(2)\ns = '{x.data}'.format(x=x)", 3),
    ("l = [1, 2]\ns = '{0[0]}'.format(l)", 2),
    ("import torch\nx = torch.ones(2)\nfmt = '{0.__cl' + 'ass__}'\ns = fmt.format(x)", 4),
    ("import torch\nx = torch.ones(2)\nfmt = '{0.da' + 'ta}'\ns = fmt.format(x)", 4),
    ("import torch\nx = torch.ones(2)\nfmt = '{0.__cl' + 'ass__}'\ns = str.format(fmt, x)", 4),
    ("import torch\nx = torch.ones(2)\nfmt = '{0.__cl' + 'ass__}'\ns = format(x, fmt)", 4),
    # an attribute name the language has, on a value that does not offer it
    ("def h():\n    return 1\nn = h.name", 3),
    ("import torch\nx = torch.ones(2)\np = x.numpy().data", 3),
    # nn.Module's own methods stay out of reach, even under a name the program's class assigns (never run)
    (_module(init="if False:\n    self.compile = None", use="m.compile()"), 11),
    (_module(init="if False:\n    self.share_memory = None", use="m.share_memory()"), 11),
    (_module(init="if False:\n    self.register_forward_hook = None", use="h = m.register_forward_hook(print)"), 11),
    (_module(init="if False:\n    self.apply = None", use="m.apply(print)"), 11),
    (_module(init="if False:\n    self.load_state_dict = None", use="m.load_state_dict({})"), 11),
    # module members are read-only
    ("import torch.nn as nn\nnn.Linear = None", 2),
    ("import torch\ntorch.tensor = None", 2),
    ("import math\nmath.pi = 3", 2),
]


@pytest.mark.parametrize(("source", "line"), _table(STOPPED, {}))
def test_what_only_running_reveals_is_stopped_on_its_line(sandbox, tmp_path, source, line):
    verdict = sandbox.run(source, tmp_path)
    assert verdict.stopped_on(line), verdict
    assert "__class__" not in verdict.stdout and "Tensor" not in verdict.stdout
    assert list(tmp_path.iterdir()) == []


# -- bounded ---------------------------------------------------------------------------------------------------

BOUNDED = [
    # endless loops and deep recursion, also inside the hooks PyTorch calls
    ("import torch\nwhile True:\n    pass", (2, 3)),
    ("for i in range(10**12):\n    pass", 1),
    ("def f(n):\n    return f(n + 1)\nf(0)", (2, 3)),
    ("f = lambda n: f(n + 1)\nf(0)", 2),
    ("x = any(i < 0 for i in range(10**13))", 1),
    ("import torch\ndef forever(g):\n    while True:\n        pass\nx = torch.ones(2, requires_grad=True)\n"
     "h = x.register_hook(forever)\n(x * 2).sum().backward()", (3, 4, 7)),
    ("import torch\ndef unpack(t):\n    while True:\n        pass\n"
     "with torch.autograd.graph.saved_tensors_hooks(lambda t: t, unpack):\n    x = torch.ones(2, requires_grad=True)\n"
     "    y = (x * x).sum()\ny.backward()", (2, 3, 8)),
    # huge tensors and arrays, however they are asked for
    ("import torch\nx = torch.zeros(10**6, 10**6)", 2),
    ("import torch\nx = torch.ones(100000)\ny = x.unsqueeze(1) * x", 3),
    ("import torch\nx = torch.outer(torch.ones(100000), torch.ones(100000))", 2),
    ("import torch\nx = torch.einsum('i,j->ij', torch.ones(100000), torch.ones(100000))", 2),
    ("import torch\nx = torch.Tensor(100000, 100000)", 2),
    ("import torch\nx = torch.ones(3).new_zeros(100000, 100000)", 2),
    ("import torch\nx = torch.ones(1).expand(100000, 100000).contiguous()", 2),
    ("import torch.nn as nn\nm = nn.Linear(100000, 100000)", 2),
    ("import torch\nx = torch.eye(1000000)", 2),
    ("import torch\nx = torch.arange(10**10)", 2),
    ("import torch\nx = torch.linspace(0, 1, 10**10)", 2),
    ("import torch\nx = torch.randint(0, 10, (100000, 100000))", 2),
    ("import torch\nx = torch.cat([torch.ones(99999)] * 99999)", 2),
    ("import numpy as np\nx = np.zeros((100000, 100000)) + 1", 2),
    ("import numpy as np\nx = np.ones(10**10)", 2),
    # huge lists, strings and numbers, at once or by repeated growth
    ("a = [0] * 10**9", 1),
    ("s = 'a' * 10**10", 1),
    ("s = 'a' * 99999\nt = s * 99999", 2),
    ("s = 'x'.ljust(10**10)", 1),
    ("s = 'x'.center(10**10)", 1),
    ("s = 'x'.zfill(10**10)", 1),
    ("s = ('a' * 99999).replace('a', 'a' * 99999)", 1),
    ("l = [0] * 99999\nfor i in range(30):\n    l += l", 3),
    ("l = [0] * 99999\nfor i in range(30):\n    l *= 2", 3),
    ("l = [0] * 99999\nfor i in range(30):\n    l.extend(l)", 3),
    ("s = 'ab'\nfor i in range(40):\n    s = f'{s}{s}'", 3),
    ("s = 'ab'\nfor i in range(40):\n    s = '{}{}'.format(s, s)", 3),
    ("s = 'ab'\nfor i in range(40):\n    s = '%s%s' % (s, s)", 3),
    ("s = '{:>1000000000}'.format(1)", 1),
    ("s = f'{1:>1000000000}'", 1),
    ("s = '%1000000000d' % 1", 1),
    ("s = '%*d' % (10**9, 1)", 1),
    ("x = 10 ** 10 ** 8", 1),
    ("x = 1 << 10 ** 10", 1),
    ("x = pow(10, 10**9)", 1),
    ("import math\nx = math.factorial(10**7)", 2),
    # builtins that loop in C over what a program hands them
    ("x = sum(range(10**12))", 1),
    ("x = max(range(10**12))", 1),
    ("x = sum(map(abs, range(10**12)))", 1),
    ("x = sorted(range(10**9))", 1),
    ("x = set(range(10**9))", 1),
    ("x = ''.join(map(str, range(10**9)))", 1),
    # an nn.Module that is too big, or calls itself
    (_module(init="self.w = nn.Parameter(torch.ones(100000, 100000))"), 6),
    ("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "        self.inner = M()\n    def forward(self, x):\n        return x\nm = M()", (6, 9)),
    ("import torch\nimport torch.nn as nn\nclass M(nn.Module):\n    def __init__(self):\n        super().__init__()\n"
     "    def forward(self, x):\n        return self(x)\nm = M()\ny = m(torch.ones(1))", (7, 9)),
    # output, and data nested past what repr and torch.tensor can walk
    ("for i in range(100000):\n    print('x' * 1000)", 2),
    ("a = []\nfor i in range(90000):\n    a = [a]\nprint(a)", (2, 3, 4)),
]
BOUNDED_NOT_YET: dict[str, str] = {}


@pytest.mark.parametrize(("source", "line"), _table(BOUNDED, BOUNDED_NOT_YET))
def test_bombs_are_stopped_on_their_line_by_program_modes_limits(sandbox, tmp_path, source, line):
    verdict = sandbox.run(source, tmp_path)
    assert verdict.outcome != "died", f"ran past {sandbox.seconds} s or crashed: {verdict}"
    assert verdict.type != "MemoryError" and "allocate" not in verdict.message, f"reached the allocator: {verdict}"
    assert verdict.stopped_on(*(line if isinstance(line, tuple) else (line,))), verdict
    assert list(tmp_path.iterdir()) == []


def test_a_nested_list_past_the_bound_is_refused_as_fast_as_one_within_it_is_made():
    """torch.tensor of a list that repeats one row 99,999 times: refusing it costs what building 1,000,000 does."""
    start = time.perf_counter()
    assert run_program("import torch\nx = torch.tensor([[0.0] * 1000] * 1000)").error is None
    made = time.perf_counter() - start
    start = time.perf_counter()
    run = run_program("import torch\nx = torch.tensor([[0.0] * 99999] * 99999)")
    refused = time.perf_counter() - start
    assert run.error is not None and (run.error.line, run.error.type) == (2, "LimitExceeded")
    assert refused < 3 * made + 1, (refused, made)


def test_a_while_loop_costs_what_the_same_for_loop_costs():
    """An endless loop is stopped by the iteration bound; a while loop must reach it as fast as a for loop does."""
    body = "    x = x + 1\n"
    times = {}
    for kind, head in (("for", "for i in range(10000):\n"), ("while", "i = 0\nwhile i < 10000:\n    i += 1\n")):
        start = time.perf_counter()
        assert run_program("import torch\nx = torch.ones(2)\n" + head + body).error is None
        times[kind] = time.perf_counter() - start
    assert times["while"] < 4 * times["for"] + 0.5, times


def test_a_program_busy_inside_pytorch_is_stopped_by_the_clock(sandbox, tmp_path):
    """Each statement is quick, so no count trips; the clock, read between statements, stops the loop."""
    source = "import torch\na = torch.ones(400, 400)\nfor i in range(100000):\n    b = a @ a\n"
    start = time.perf_counter()
    verdict = sandbox.run(source, tmp_path, seconds=2)
    assert time.perf_counter() - start < 20
    assert verdict.outcome == "ran" and verdict.type == "LimitExceeded" and verdict.line in (3, 4), verdict


def test_a_bound_says_which_limit_and_the_line(sandbox, tmp_path):
    verdict = sandbox.run("import torch\nx = 0\nwhile True:\n    x = x + 1", tmp_path)
    assert (verdict.outcome, verdict.type) == ("ran", "LimitExceeded") and verdict.line in (3, 4)
    assert "100,000" in verdict.message


# -- settled: a program's process-wide changes stay its own ----------------------------------------------------

SETTLED = [
    "import torch\ntorch.set_grad_enabled(False)",
    "import torch\ntorch.autograd.set_detect_anomaly(True)",
    "import torch\nwith torch.no_grad():\n    x = torch.ones(1)\n    y = 1 / 0",
    "import torch\nwith torch.inference_mode():\n    y = 1 / 0",
    "import torch\nwith torch.autograd.graph.saved_tensors_hooks(lambda t: t, lambda t: t):\n    y = 1 / 0",
    "import torch\nx = torch.ones(2, requires_grad=True)\n"
    "h = x.register_hook(lambda g: torch.set_grad_enabled(False))\n(x * 2).sum().backward()",
    "import torch\ntorch.manual_seed(5)\nx = torch.rand(2)",
]
_SEED = ("initial seed", "random state")  # held by test_a_program_leaves_the_process_random_generator_as_it_was


@pytest.mark.parametrize("source", [pytest.param(source, id=source.replace("\n", "⏎")[:80]) for source in SETTLED])
def test_a_programs_grad_mode_and_anomaly_mode_stay_its_own(source):
    with torch.random.fork_rng():
        before = process_settings()
        try:
            run_program(source)
        except ProgramRefused:
            pass
        changed = changed_settings(before, process_settings())
    assert [name for name in changed if name not in _SEED] == []


def test_a_program_leaves_the_process_random_generator_as_it_was():
    with torch.random.fork_rng():
        torch.manual_seed(1234)
        before = process_settings()
        run_program("import torch\ntorch.manual_seed(5)\nx = torch.rand(2)")
        assert changed_settings(before, process_settings()) == []


_NUMPY = "import numpy as np\nx = np.random.rand(2)\nprint(x)"


def test_numpy_randomness_is_the_programs_own_and_the_same_on_every_run():
    state = np.random.get_state()
    try:
        np.random.seed(77)
        before = np.random.get_state()[1].copy()
        run_program("import numpy as np\nnp.random.seed(3)")
        assert (np.random.get_state()[1] == before).all(), "the program moved the process's numpy generator"
        assert run_program(_NUMPY).stdout == run_program(_NUMPY).stdout
    finally:
        np.random.set_state(state)


# -- the command line as a door ---------------------------------------------------------------------------------


def test_the_command_line_refuses_with_one_line_and_exit_2_before_anything_runs(run_cli, tmp_path):
    program = tmp_path / "program.py"
    program.write_text("print('started')\nimport os\nos.system('touch sentinel')\n", encoding="utf-8")
    result = run_cli("--program", str(program), "--json")
    assert result.returncode == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("line 2, column 1: "), result.stderr
    assert sorted(path.name for path in tmp_path.iterdir()) == ["program.py"]


def test_the_command_line_stops_an_endless_loop_with_exit_1_and_the_line(run_cli, tmp_path):
    program = tmp_path / "program.py"
    program.write_text("import torch\nprint('started')\nwhile True:\n    pass\n", encoding="utf-8")
    result = run_cli("--program", str(program), "--json")
    assert result.returncode == 1, result.stderr
    printed = json.loads(result.stdout)
    assert printed["stdout"] == "started\n"
    assert printed["error"]["type"] == "LimitExceeded" and printed["error"]["line"] in (3, 4)
