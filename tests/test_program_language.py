"""Program mode's static check (explorer/language/program.py): refused before anything runs, with the place."""

from __future__ import annotations

import subprocess
import sys

import pytest

from explorer.language.program import (
    Limits,
    ProgramRefused,
    check,
    check_percent_format,
    format_fields,
    plain_format_spec,
)

ALLOWED = {
    "the lab's first cell": "import torch\nx = torch.tensor(2.0, requires_grad = True)\ny = x ** 2\n",
    "imports a course writes": (
        "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\nfrom torch import nn, optim\n"
        "from torch.autograd import Function, Variable, grad\nimport math\nimport numpy as np\n"
        "import matplotlib.pyplot as plt\nimport matplotlib.pylab as plt\nfrom torch.nn import functional as F\n"
        "from torch.autograd.functional import jacobian, hessian\n"
    ),
    "a custom Function with ctx values": (
        "import torch\nclass Mul(torch.autograd.Function):\n    '''doc'''\n    @staticmethod\n"
        "    def forward(ctx, x, k):\n        ctx.k = k\n        return x * k\n    @staticmethod\n"
        "    def backward(ctx, g):\n        return g * ctx.k, None\n"
    ),
    "a decorated def": "import torch\n@torch.no_grad()\ndef f(x):\n    return x * 2\n",
    "saved tensors of a node": "import torch\n"
        "x = torch.ones(1, requires_grad=True)\nprint((x * x).grad_fn._saved_self)",
    "the loop variable _": "for _ in range(3):\n    pass\n",
    "f-strings with nested specs": "w = 8\nx = 1.5\nprint(f'{x:>{w}.2f} {x!r}')\n",
    "try and except": "try:\n    pass\nexcept (ValueError, RuntimeError) as err:\n    print(err)\n",
    "a name that shadows a builtin is the program's own": "input = 3\nprint(input)\n",
}


@pytest.mark.parametrize("source", ALLOWED.values(), ids=ALLOWED.keys())
def test_what_courses_write_passes_the_check(source):
    assert check(source).body


REFUSED = [
    # (source, line, column, words in the message)
    ("import os", 1, 1, "cannot import 'os'"),
    ("import torch\ntorch.load('f')", 2, 1, "torch has no 'load'"),
    ("import torch\ntorch.save(1, 'f')", 2, 1, "has no 'save'"),
    ("import torch as t\nt.hub.load('x')", 2, 1, "torch has no 'hub'"),
    ("import torch\ntorch.jit.script(f)", 2, 1, "has no 'jit'"),
    ("import torch\ntorch.compile(f)", 2, 1, "has no 'compile'"),
    ("import torch\ntorch._C", 2, 1, "private"),
    ("import torch\ntorch.ops.aten", 2, 1, "has no 'ops'"),
    ("import torch\ntorch.classes", 2, 1, "has no 'classes'"),
    ("import torch\ntorch.utils.data", 2, 1, "has no 'utils'"),
    ("import numpy as np\nnp.load('f')", 2, 1, "numpy has no 'load'"),
    ("import numpy as np\nnp.save('f', 1)", 2, 1, "numpy has no 'save'"),
    ("import numpy as np\nnp.fromfile('f')", 2, 1, "numpy has no 'fromfile'"),
    ("a = b\na.tofile('f')", 2, 1, "does not offer '.tofile'"),
    ("x = y\nx.storage()", 2, 1, "does not offer '.storage'"),
    ("x = y\nx.untyped_storage()", 2, 1, "does not offer '.untyped_storage'"),
    ("x = y\nx.data_ptr()", 2, 1, "does not offer '.data_ptr'"),
    ("from os import path", 1, 1, "cannot import from 'os'"),
    ("from torch import load", 1, 1, "torch has no 'load'"),
    ("from . import x", 1, 1, "cannot import"),
    ("getattr(x, 'y')", 1, 1, "no 'getattr'"),
    ("globals()", 1, 1, "no 'globals'"),
    ("type(x)", 1, 1, "no 'type'"),
    ("vars(x)", 1, 1, "no 'vars'"),
    ("eval('1')", 1, 1, "no 'eval'"),
    ("exec('1')", 1, 1, "no 'exec'"),
    ("open('f')", 1, 1, "no 'open'"),
    ("__import__('os')", 1, 1, "'__'"),
    ("__builtins__", 1, 1, "'__'"),
    ("x = 1\nx.__class__", 2, 1, "private"),
    ("x = 1\nx.__class__.__mro__", 2, 1, "private"),
    ("f = lambda: 0\nf.__globals__", 2, 1, "private"),
    ("'{0.__class__}'.format(1) and x._private", 1, 31, "private"),
    ("class A:\n    pass", 1, 1, "two kinds of class"),
    ("class A(object):\n    pass", 1, 1, "two kinds of class"),
    ("import torch\nclass M(torch.nn.Module):\n    @property\n    def f(self):\n        pass", 4, 5, "plain methods"),
    ("import torch\nclass M(torch.nn.Module):\n    def __getattr__(self, n):\n        pass", 3, 5, "plain methods"),
    ("import torch\nclass M(torch.nn.Module):\n    def f(self):\n        return self.__dict__", 4, 16, "private"),
    ("import torch\nclass M(torch.nn.Module):\n    w = 1", 3, 5, "plain methods"),
    ("def f():\n    super().__init__()", 2, 5, "belongs in an nn.Module"),
    ("super().x", 1, 1, "no 'super'"),
    ("def __getattr__(n):\n    pass", 1, 1, "'__'"),
    ("def f(__x):\n    pass", 1, 7, "'__'"),
    ("import torch\nclass A(torch.autograd.Function, metaclass=M):\n    pass", 2, 1, "two kinds of class"),
    ("import torch\nclass A(torch.autograd.Function):\n    def __init_subclass__(cls):\n        pass", 3, 5,
     "staticmethod forward, backward"),
    ("import torch\nclass A(torch.autograd.Function):\n    def __getattr__(self, n):\n        pass", 3, 5,
     "staticmethod forward, backward"),
    ("import torch\nclass A(torch.autograd.Function):\n    def forward(ctx, x):\n        return x", 3, 5,
     "@staticmethod"),
    ("import torch\nclass A(torch.autograd.Function):\n    x = 1", 3, 5, "staticmethod forward"),
    ("@property\ndef f():\n    pass", 1, 2, "decorator '@property'"),
    ("import functools\n", 1, 1, "cannot import"),
    ("def f():\n    yield 1", 2, 5, "Yield"),
    ("def f():\n    global x", 2, 5, "Global"),
    ("async def f():\n    pass", 1, 1, "AsyncFunctionDef"),
    ("g = (x for x in range(3))\nnext(g).gi_frame", 2, 1, "does not offer '.gi_frame'"),
    ("match x:\n    case 1:\n        pass", 1, 1, "Match"),
    ("return 1", 1, 1, "'return' belongs inside a def"),
    ("break", 1, 1, "'break' belongs inside"),
    ("x = b'bytes'", 1, 5, "no bytes"),
    ("f(__x=1)", 1, 3, "'__x'"),
    ("x = (1 +", 1, 5, "Python cannot read this"),
]


@pytest.mark.parametrize(("source", "line", "column", "words"), REFUSED, ids=[r[0][:40] for r in REFUSED])
def test_what_program_mode_does_not_run_is_refused_with_its_place(source, line, column, words):
    with pytest.raises(ProgramRefused) as refused:
        check(source)
    err = refused.value
    assert (err.line, err.column) == (line, column)
    assert words in err.message
    assert str(err).startswith(f"line {line}, column {column}: ")


def test_a_program_too_long_or_nested_too_deep_is_refused_before_it_is_walked():
    limits = Limits(characters=100, lines=5, nesting=30)
    with pytest.raises(ProgramRefused, match="at most 100 characters"):
        check("x = 1\n" * 30, limits)
    with pytest.raises(ProgramRefused, match="at most 5 lines"):
        check("\n" * 6, limits)
    with pytest.raises(ProgramRefused, match="nests more than 30 levels"):
        check("x = " + " + ".join(["1"] * 40), Limits(nesting=30))


@pytest.mark.parametrize("spec", ["", ".2f", ">8", "+.3e", "08.3f", ",", "_d", "^10s", "*<6", "%", "z.1f"])
def test_a_plain_format_spec_is_kept(spec):
    assert plain_format_spec(spec) == spec


@pytest.mark.parametrize("spec", ["{0.__class__}", "0.__class__", "[0]", ">99999", ".5000f", "!r"])
def test_a_format_spec_that_could_reach_further_or_build_a_huge_string_is_refused(spec):
    with pytest.raises(ValueError):
        plain_format_spec(spec)


@pytest.mark.parametrize("text", ["{0.grad}", "{x[0]}", "{x.__class__}", "{:{w}}", "{0.__globals__}"])
def test_format_fields_reach_no_attribute_or_index(text):
    with pytest.raises(ValueError):
        format_fields(text)


@pytest.mark.parametrize(("text", "refused"), [("%.2f %d", False), ("%(a)s", False), ("%*d", True),
                                               ("%99999d", True), ("%.*f", True)])
def test_percent_formats_with_huge_or_starred_widths_are_refused(text, refused):
    if refused:
        with pytest.raises(ValueError):
            check_percent_format(text)
    else:
        check_percent_format(text)


def test_the_static_check_never_imports_torch(repo_root):
    code = ("import sys\nfrom explorer.language.program import check\ncheck('import torch\\nx = 1')\n"
            "print('torch' in sys.modules)")
    done = subprocess.run([sys.executable, "-c", code], cwd=repo_root, capture_output=True, text=True, timeout=60,
                          check=False)
    assert done.stdout.strip() == "False", done.stderr


def test_a_notebooks_magic_and_shell_lines_are_read_as_blank_lines():
    tree = check("%matplotlib inline\n!pip install torch\nimport torch\nx = 1 % 2\n")
    assert [node.lineno for node in tree.body] == [3, 4]
