"""Hostile input, family by family, through every door a visitor reaches: each is refused with a clear message
pointing at the problem, and nothing happens (no file written, no process-wide setting changed).

The doors: the function box (``parse``, ``explore``, ``page.build``), a shared link (``state.from_query``), a
point box (``points.read_point``) and a lesson's answer box (``lessons.check_answer``). Each family is a table
of (what is typed, the column the message points at, words the message must contain). Beside them, the
legitimate math that must still be accepted, checked against PyTorch itself, and fuzzers over the parser, the
points, the links and the answers: nothing typed may raise anything but ``ExpressionError``.
"""

from __future__ import annotations

import functools
import math
import warnings

import pytest
import torch
import torch.nn.functional as F
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_process_state import changed_settings, process_settings

from explorer import SQ, VARIABLES, ExpressionError, Range, explore, parse
from explorer.compute.build import build
from explorer.compute.calls import SQFixed
from explorer.content.decks import decode as decode_deck
from explorer.content.decks import read_deck
from explorer.content.lessons import LESSONS, Feedback, check_answer
from explorer.language.expression import MAX_DEPTH, MAX_LENGTH, MAX_NODES
from explorer.language.points import MAX_ELEMENTS, MAX_POINTS, read_point
from explorer.language.program_link import encode as pack
from explorer.model.state import PageState, from_query

EVERYWHERE = {v: 0.5 for v in VARIABLES}  # a point for every variable, so only the text can be at fault
LONGEST_MESSAGE = 300  # characters: a refusal is read at a glance, whatever was typed
ALLOWED = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^().,=<>_\t")



def fuzz(examples: int) -> settings:
    """Reproducible in CI: the same examples every run, nothing carried over between runs, no timing."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])



@pytest.fixture(scope="module", autouse=True)
def page_modules_imported():
    """Build one page first: its first plot imports Plotly modules that add warning filters, once per process."""
    build(PageState())


@pytest.fixture
def unchanged(tmp_path, monkeypatch):
    """Run in an empty working directory; the returned check says nothing was written and no setting moved."""
    monkeypatch.chdir(tmp_path)
    before = process_settings()

    def check() -> None:
        assert changed_settings(before, process_settings()) == []
        assert sorted(path.name for path in tmp_path.iterdir()) == []

    return check


def _readable(err: ExpressionError, text: str) -> None:
    """A refusal a person can read: short, printable, and pointing inside (or just past) what was typed."""
    assert err.message and len(err.message) <= LONGEST_MESSAGE, err.message
    assert err.message.isprintable(), ascii(err.message)
    if err.column is not None:
        assert 1 <= err.column <= len(text) + 1
        assert err.pointer(text).splitlines()[-1] == " " * (err.column - 1) + "^"


# -- the function box ---------------------------------------------------------------------------------------
# (typed text, the column the message points at or None, words the message must contain)

CODE_EXECUTION = [
    ("eval(x)", 1, "eval() is not available"),
    ("eval('1')", 6, "quotes"),
    ("exec(x)", 1, "exec() is not available"),
    ("compile(x, x, x)", 1, "compile() is not available"),
    ("__import__(x)", 1, "__import__() is not available"),
    ("__import__('os').system('ls')", 12, "quotes"),
    ("lambda: 1", 1, "lambda"),
    ("lambda x: x**2", 1, "lambda"),
    ("(lambda: x)()", 2, "lambda"),
    ("[i for i in x]", 1, "lists"),
    ("(i for i in x)", 4, "loops and comprehensions"),
    ("sum(i for i in x)", 7, "loops and comprehensions"),
    ("{i: i for i in x}", 1, "'{'"),
    ("f'{x}'", 2, "quotes"),
    ("'{}'.format(x)", 1, "quotes"),
    ("'%s' % x", 1, "quotes"),
    ("(x := 2)", 4, "':'"),
    ("x if x > 0 else -x", 3, "where("),
    ("x; import os", 2, "one expression only"),
    ("import os", 1, "imports"),
    ("from os import system", 1, "imports"),
    ("x\nimport os", 2, "one line"),
    ("x\r\nimport os", 2, "one line"),
    ("def f(): pass", 1, "word of Python"),
    ("class A: pass", 1, "word of Python"),
    ("global x", 1, "word of Python"),
    ("assert x", 1, "word of Python"),
    ("raise x", 1, "word of Python"),
    ("del x", 1, "word of Python"),
    ("await x", 1, "'await'"),
    ("yield x", 1, "'yield'"),
    ("breakpoint()", 1, "breakpoint() is not available"),
    ("help()", 1, "help() is not available"),
    ("input()", 1, "input() is not available"),
    ("exit()", 1, "exit() is not available"),
    ("globals()", 1, "globals() is not available"),
    ("getattr(x, x)", 1, "getattr() is not available"),
    ("setattr(x, x, x)", 1, "setattr() is not available"),
    ("x.__call__(x)", 1, "'.__call__()' is not an allowed method"),
    ("sin.__call__(x)", 1, "'.__call__()' is not an allowed method"),
    ("`ls`", 1, "'`'"),
    ("$(ls)", 1, "'$'"),
    ("x # comment", 3, "'#'"),
    ("\\x41", 1, "character"),
]

IMPORTS_AND_BUILTINS = [
    ("__builtins__", 1, "unknown name '__builtins__'"),
    ("__builtins__.open(x)", 1, "'.open()' is not an allowed method"),
    ("builtins.open(x)", 1, "'.open()' is not an allowed method"),
    ("os.system(x)", 1, "'.system()' is not an allowed method"),
    ("sys.exit(x)", 1, "'.exit()' is not an allowed method"),
    ("importlib.import_module(x)", 1, "'.import_module()' is not an allowed method"),
    ("open(x)", 1, "open() is not available"),
    ("print(x)", 1, "print() is not available"),
    ("type(x)", 1, "type() is not available"),
    ("object()", 1, "object() is not available"),
    ("super()", 1, "super() is not available"),
    ("memoryview(x)", 1, "memoryview() is not available"),
    ("range(x)", 1, "range() is not available"),
    ("float(x)", 1, "float() is not available"),
    ("int(x)", 1, "int() is not available"),
    ("id(x)", 1, "id() is not available"),
    ("dir(x)", 1, "dir() is not available"),
    ("__loader__", 1, "unknown name"),
    ("__spec__", 1, "unknown name"),
    ("__file__", 1, "unknown name"),
    ("__debug__", 1, "unknown name"),
    ("Ellipsis", 1, "unknown name"),
    ("...", 1, "'...' is not part of the language"),
    ("None", 1, "None is not a number"),
    ("True", 1, "True is not a number"),
    ("np.exp(x)", 1, "exp(x)"),
    ("numpy.sin(x)", 1, "sin(x)"),
    ("math.sin(x)", 1, "sin(x)"),
    ("math.factorial(x)", 1, "math.factorial() is not available"),
    ("np.ones(x)", 1, "np.ones() is not available"),
    ("torch", 1, "'torch' alone is not a value"),
    ("F", 1, "unknown variable 'F'"),
]

DUNDERS_AND_ATTRIBUTES = [
    ("x.__class__", 1, "'x.__class__' cannot be read here"),
    ("x.__class__.__mro__", 1, "cannot be read here"),
    ("x.__class__.__base__.__subclasses__()", 1, "'.__subclasses__()' is not an allowed method"),
    ("().__class__.__bases__", 1, "'.__bases__' cannot be read here"),
    ("(1).__class__", 1, "cannot be read here"),
    ("1 .__class__", 1, "cannot be read here"),
    ("x.__dict__", 1, "cannot be read here"),
    ("x.__reduce_ex__(2)", 1, "'.__reduce_ex__()' is not an allowed method"),
    ("x.__getattribute__(x)", 1, "is not an allowed method"),
    ("x.__init__(x)", 1, "is not an allowed method"),
    ("sin.__globals__", 1, "cannot be read here"),
    ("sin.__code__", 1, "cannot be read here"),
    ("SQ.__dict__", 1, "cannot be read here"),
    ("SQ.apply.__globals__", 1, "cannot be read here"),
    ("SQ.apply.__self__", 1, "cannot be read here"),
    ("SQ.forward(x, x)", 1, "'.forward()' is not an allowed method"),
    ("SQ.backward(x, x)", 1, "'.backward()' is not an allowed method"),
    ("torch.__builtins__", 1, "cannot be read here"),
    ("torch.__dict__", 1, "cannot be read here"),
    ("torch.__loader__", 1, "cannot be read here"),
    ("F.__dict__", 1, "cannot be read here"),
    ("torch.functional.torch", 1, "cannot be read here"),
    ("x.grad", 1, "'x.grad' cannot be read here"),
    ("x.data", 1, "'x.data' cannot be read here"),
    ("x.grad_fn", 1, "cannot be read here"),
    ("x.grad_fn.next_functions", 1, "cannot be read here"),
    ("x.grad_fn.register_hook(x)", 1, "'.register_hook()' is not an allowed method"),
    ("x._version", 1, "cannot be read here"),
    ("x.T", 1, "cannot be read here"),
    ("x.exp.__self__", 1, "cannot be read here"),
    ("x.exp().__class__", 1, "'.__class__' cannot be read here"),
    ("pi.__class__", 1, "cannot be read here"),
    ("e.real", 1, "cannot be read here"),
    ("where.__globals__", 1, "cannot be read here"),
    ("torch._C._set_grad_enabled(0)", 1, "is not available"),
    ("x." + "a" * 1990, 1, "cannot be read here"),  # the message repeats at most the first characters
]

# Anything that loads, saves, downloads, compiles, spawns, allocates from an argument, draws random numbers,
# works in place, or changes a process-wide setting.
TORCH_NAMESPACE = [
    ("torch.load(x)", 1, "torch.load() is not available"),
    ("torch.save(x, x)", 1, "torch.save() is not available"),
    ("torch.hub.load(x, x)", 1, "is not available"),
    ("torch.hub.download_url_to_file(x, x)", 1, "is not available"),
    ("torch.hub.set_dir(x)", 1, "is not available"),
    ("torch.compile(x)", 1, "is not available"),
    ("torch.jit.script(x)", 1, "is not available"),
    ("torch.jit.load(x)", 1, "is not available"),
    ("torch.utils.cpp_extension.load_inline(x, x)", 1, "is not available"),
    ("torch.ops.load_library(x)", 1, "is not available"),
    ("torch.multiprocessing.spawn(x)", 1, "is not available"),
    ("torch.distributed.init_process_group(x)", 1, "is not available"),
    ("torch.from_file(x)", 1, "is not available"),
    ("torch.cuda.init()", 1, "is not available"),
    ("torch.set_num_threads(1)", 1, "is not available"),
    ("torch.set_default_dtype(torch.float64)", 1, "is not available"),
    ("torch.set_default_device(x)", 1, "is not available"),
    ("torch.set_grad_enabled(0)", 1, "is not available"),
    ("torch.no_grad()", 1, "is not available"),
    ("torch.autograd.set_detect_anomaly(1)", 1, "is not available"),
    ("torch.manual_seed(0)", 1, "is not available"),
    ("torch.set_printoptions(precision=9)", 1, "is not available"),
    ("torch.use_deterministic_algorithms(1)", 1, "is not available"),
    ("torch.set_num_threads", 1, "cannot be read here"),
    ("torch.backends.cudnn.enabled = 0", 30, "'=' only names the output"),
    ("torch.ones(10**9)", 1, "torch.ones() is not available"),
    ("torch.empty(10**9)", 1, "is not available"),
    ("torch.zeros(2**62)", 1, "is not available"),
    ("torch.full(x, 1)", 1, "is not available"),
    ("torch.arange(10**12)", 1, "is not available"),
    ("torch.linspace(0, 1, 10**9)", 1, "is not available"),
    ("torch.eye(10**6)", 1, "is not available"),
    ("torch.tensor(x)", 1, "is not available"),
    ("x.repeat(10**9)", 1, "'.repeat()' is not an allowed method"),
    ("x.expand(10**9)", 1, "'.expand()' is not an allowed method"),
    ("x.new_empty(10**9)", 1, "is not an allowed method"),
    ("x.resize_(10**9)", 1, "is not an allowed method"),
    ("torch.rand(1)", 1, "is not available"),
    ("torch.bernoulli(x)", 1, "is not available"),
    ("F.dropout(x)", 1, "F.dropout() is not available"),
    ("F.rrelu(x)", 1, "is not available"),
    ("x.uniform_()", 1, "is not an allowed method"),
    ("x.exp_()", 1, "'.exp_()' is not an allowed method"),
    ("x.add_(1)", 1, "is not an allowed method"),
    ("x.zero_()", 1, "is not an allowed method"),
    ("x.requires_grad_(0)", 1, "is not an allowed method"),
    ("x.detach()", 1, "is not an allowed method"),
    ("x.backward()", 1, "'.backward()' is not an allowed method"),
    ("x.retain_grad()", 1, "is not an allowed method"),
    ("x.register_hook(x)", 1, "is not an allowed method"),
    ("torch.autograd.grad(x, x)", 1, "is not available"),
    ("torch.autograd.backward(x)", 1, "is not available"),
    ("x.numpy()", 1, "is not an allowed method"),
    ("x.item()", 1, "is not an allowed method"),
    ("x.cuda()", 1, "is not an allowed method"),
    ("x.half()", 1, "is not an allowed method"),
    ("x.share_memory_()", 1, "is not an allowed method"),
    ("x.untyped_storage()", 1, "is not an allowed method"),
    ("torch.sin(x, out=x)", 14, "no keyword 'out'"),
    ("torch.clamp(x, min=0, out=x)", 23, "no keyword 'out' (allowed: min, max)"),
    ("x.sum(dim=0)", 7, "no keyword 'dim'"),
    ("x.sum(dtype=torch.float64)", 7, "no keyword 'dtype'"),
    ("torch.sum(x, 0)", 1, "1 argument"),
    ("x.max(1)", 1, "along that dimension"),
    ("torch.softplus(x)", 1, "softplus(x)"),
]

RESOURCE_EXHAUSTION = [
    ("9**9**9", 1, "not a finite real number"),
    ("9**9**9**9", 4, "'9**9**9' is not a finite real number"),  # the innermost power fails first
    ("2**10000", 1, "not a finite real number"),
    ("10**10**10", 1, "not a finite real number"),
    ("(-2)**10001", 1, "not a finite real number"),
    ("10**400", 1, "not a finite real number"),
    ("1e309", 1, "too large"),
    ("-1e309", 2, "too large"),
    ("1" * 400, 1, "too large"),
    ("9" * (MAX_LENGTH - 1), 1, "too large"),
    ("x**1e308", 4, "too large"),
    ("x**" + "9" * 400, 4, "too large"),
    ("pow(x, 10**400)", 8, "not a finite real number"),
    ("x.pow(1e301)", 7, "too large"),
    ("clamp(x, min=1e301)", 14, "too large"),
    ("clamp(x, min=1e39)", 14, "within float32's range"),
    ("x.clamp(max=-1e39)", 13, "within float32's range"),
    ("exp(10**400)", 5, "not a finite real number"),
    ("1/0", 1, "not a finite real number"),
    ("0**-1", 1, "not a finite real number"),
    ("(-8)**(1/3)", 1, "not a finite real number"),
    ("sum(x, 10**9)", 1, "1 argument"),
    ("nan", 1, "unknown name 'nan'"),
    ("inf", 1, "unknown name 'inf'"),
    ("torch.nan", 1, "cannot be read here"),
    ("torch.inf", 1, "cannot be read here"),
    ("math.inf", 1, "cannot be read here"),
    ("float('inf')", 7, "quotes"),
    ("1j", 1, "complex"),
    ("x*1j", 3, "complex"),
]

PARSER_DENIAL_OF_SERVICE = [
    ("(" * 999 + "x" + ")" * 999, 201, "too many nested brackets"),
    ("sin(" * 300 + "x" + ")" * 300, 804, "too many nested brackets"),
    ("-" * (MAX_LENGTH - 1) + "x", None, f"the limit is {MAX_NODES}"),
    ("-" * (MAX_DEPTH + 1) + "x", 2, f"nested more than {MAX_DEPTH} deep"),
    ("x+" * 999 + "1", None, f"the limit is {MAX_NODES}"),
    ("x**" * 666 + "x", None, f"the limit is {MAX_NODES}"),
    ("x+" * 1000 + "1", None, f"the limit is {MAX_LENGTH}"),
    ("x" * 10**6, None, f"the limit is {MAX_LENGTH}"),
    ("\u200b" * 10**6, None, f"the limit is {MAX_LENGTH}"),
    ("1" * (MAX_LENGTH - 1) + "x", MAX_LENGTH, "a product needs its *"),
    ("a" + " " * (MAX_LENGTH - 2) + "b", MAX_LENGTH, "side by side"),
    ("y" + " " * (MAX_LENGTH - 2) + "(", MAX_LENGTH, "never closed"),
    ("a" * MAX_LENGTH, 1, "unknown name"),
    ("x." + "a" * (MAX_LENGTH - 4) + "()", 1, "is not an allowed method"),
    (".." * (MAX_LENGTH // 2), 4, "cannot read"),
    ("x" + "*" * (MAX_LENGTH - 1), 4, "cannot read"),
    ("[" * MAX_LENGTH, 1, "lists"),
    ("'" * MAX_LENGTH, 1, "quotes"),
    ("1e" + "1" * (MAX_LENGTH - 2), 1, "too large"),
    ("2" * 1000 + "." + "2" * 999, 1, "too large"),
    ("0" * (MAX_LENGTH - 1) + "1", 1, "a whole number cannot start with 0"),
]

# Look-alike letters and invisible characters are refused with their name and what to type, never folded.
UNICODE_TRICKS = [
    ("\uff58**2", 1, "U+FF58 FULLWIDTH LATIN SMALL LETTER X) looks like 'x' but is not: type a plain 'x'"),
    ("\uff53\uff49\uff4e(x)", 1, "looks like 's'"),
    ("\uff08x\uff09", 1, "looks like '('"),
    ("x\uff0b1", 2, "looks like '+'"),
    ("x\uff0a2", 2, "looks like '*'"),
    ("x\uff3e2", 2, "looks like '^'"),
    ("\u0445**2", 1, "U+0445 CYRILLIC SMALL LETTER HA) looks like 'x' but is not: type a plain 'x'"),
    ("\u0435**x", 1, "CYRILLIC SMALL LETTER IE) looks like 'e'"),
    ("\u0443 = x", 1, "looks like 'y'"),
    ("\u0441os(x)", 1, "looks like 'c'"),
    ("\u0455in(x)", 1, "looks like 's'"),
    ("x*\u0440i", 3, "looks like 'p'"),
    ("\u03bd*2", 1, "GREEK SMALL LETTER NU) looks like 'v'"),
    ("\u03c5*2", 1, "looks like 'u'"),
    ("\u03c7**2", 1, "GREEK SMALL LETTER CHI) looks like 'x'"),
    ("\u03b5**x", 1, "looks like 'e'"),
    ("\u0391", 1, "looks like 'A'"),
    ("\u0131", 1, "LATIN SMALL LETTER DOTLESS I) looks like 'i'"),
    ("\u03b8*x", 1, "GREEK SMALL LETTER THETA) is not a variable here"),
    ("\u03bb*x", 1, "is not a variable here"),
    ("\u03c0*x", 1, "write pi"),
    ("x \u00d7 2", 3, "write *"),
    ("x\u22c52", 2, "write *"),
    ("x\u00b72", 2, "write *"),
    ("x\u22172", 2, "write *"),
    ("x \u00f7 2", 3, "write /"),
    ("x \u2212 1", 3, "U+2212 MINUS SIGN) is not typed as such here: write -"),
    ("x \u2013 1", 3, "write -"),
    ("x \u2014 1", 3, "EM DASH) looks like '-'"),
    ("x \u2010 1", 3, "looks like '-'"),
    ("x\u2215 2", 2, "looks like '/'"),
    ("x\u00b2", 2, "write **2"),
    ("x\u00b3", 2, "write **3"),
    ("x\u00b9", 2, "superscript"),
    ("x\u207b\u00b9", 2, "superscript"),
    ("x\u2081", 2, "subscript"),
    ("\u221ax", 1, "sqrt"),
    ("where(x \u2264 0, x, 0)", 9, "<="),
    ("where(x \u2265 0, x, 0)", 9, ">="),
    ("where(x \u2260 0, x, 0)", 9, "a condition is one comparison"),
    ("\u00bd*x", 1, "looks like '1/2'"),
    ("\u00b5*x", 1, "MICRO SIGN"),
    ("\U0001d465**2", 1, "MATHEMATICAL ITALIC SMALL X) looks like 'x'"),
    ("\U0001d569**2", 1, "looks like 'x'"),
    ("\u212f**x", 1, "looks like 'e'"),
    ("\u2170", 1, "looks like 'i'"),
    ("\ufb01", 1, "looks like 'fi'"),
    ("\u33d2(x)", 1, "looks like 'log'"),
    ("\uff12*x", 1, "FULLWIDTH DIGIT TWO) is a digit of another script: type the plain digit 2"),
    ("\u0662*x", 1, "ARABIC-INDIC DIGIT TWO) is a digit of another script: type the plain digit 2"),
    ("\u0968*x", 1, "type the plain digit 2"),
    ("x\u200b+1", 2, "an invisible character (U+200B ZERO WIDTH SPACE) is here: delete it"),
    ("x\u200c+1", 2, "ZERO WIDTH NON-JOINER"),
    ("x\u200d+1", 2, "ZERO WIDTH JOINER"),
    ("x\u2060+1", 2, "WORD JOINER"),
    ("\ufeffx", 1, "ZERO WIDTH NO-BREAK SPACE"),
    ("\u202ex**2", 1, "RIGHT-TO-LEFT OVERRIDE"),
    ("x\u200e", 2, "LEFT-TO-RIGHT MARK"),
    ("\u2067x\u2069", 1, "RIGHT-TO-LEFT ISOLATE"),
    ("x\u00ad2", 2, "SOFT HYPHEN"),
    ("x\u2062y", 2, "INVISIBLE TIMES"),
    ("x\u00a0+ 1", 2, "U+00A0 NO-BREAK SPACE) is here: type a plain space"),
    ("x\u2009+ 1", 2, "THIN SPACE"),
    ("x\u202f+ 1", 2, "NARROW NO-BREAK SPACE"),
    ("x\u3000+ 1", 2, "IDEOGRAPHIC SPACE"),
    ("e\u0301", 2, "a combining mark (U+0301 COMBINING ACUTE ACCENT)"),
    ("x\u0338", 2, "combining mark"),
    ("x\u20d7", 2, "combining mark"),
    ("\u00e9", 1, "LATIN SMALL LETTER E WITH ACUTE) is not part of the language"),
    ("x\u2028+1", 2, "line break"),
    ("x\u2029+1", 2, "line break"),
    ("x\x85+1", 2, "line break"),
    ("x\x0b+1", 2, "line break"),
    ("x\x00", 2, "a control character (U+0000) is here: delete it"),
    ("x\x1b[2J", 2, "control character"),
    ("x\x7f", 2, "control character"),
    ("\u2018x\u2019", 1, "quotes"),
    ("\u201cx\u201d", 1, "quotes"),
    ("\U0001f600", 1, "GRINNING FACE) is not part of the language"),
    ("x + \ud800", 5, "an unreadable character (U+D800) is here"),
    ("x + \ue000", 5, "an unreadable character (U+E000) is here"),
    ("x + \u0378", 5, "an unreadable character (U+0378) is here"),
]

SYNTAX_EDGES = [
    ("", None, "type a function"),
    ("   ", None, "type a function"),
    ("\t", None, "type a function"),
    ("()", 1, "tuples"),
    ("(", 1, "never closed"),
    (")", 1, "no partner"),
    ("((x)", 1, "never closed"),
    ("x))", 2, "no partner"),
    ("x +", 4, "ends too early"),
    ("x **", 5, "ends too early"),
    ("x^", 3, "ends too early"),
    ("* x", 1, "cannot read"),
    ("x * * 2", 5, "cannot read"),
    ("x +* 2", 4, "cannot read"),
    ("x^^2", 3, "cannot read"),
    ("2x", 2, "write 2*x"),
    ("2.5x", 4, "write 2.5*x"),
    ("1e3x", 4, "write 1e3*x"),
    ("2(x+1)", 2, "write 2*("),
    ("2 x", 3, "side by side"),
    ("x y", 3, "side by side"),
    ("x 2", 3, "side by side"),
    ("sin(x) cos(x)", 8, "side by side"),
    ("sin x", 5, "sin is a function: call it with brackets"),
    ("x(x+1)", 1, "x is a variable, not a function"),
    ("pi(x)", 1, "pi is a constant, not a function"),
    ("(x+1)(x-1)", 2, "'*' is missing"),
    ("0x10", 1, "decimal"),
    ("0b101", 1, "decimal"),
    ("07", 1, "cannot start with 0"),
    ("1.2.3", 4, "side by side"),
    ("x..exp()", 3, "cannot read"),
    ("x = = 1", 5, "'=' only names the output"),
    ("y = x = 1", 7, "'=' only names the output"),
    ("=x", 1, "'=' only names the output"),
    ("y =", 4, "nothing after '='"),
    ("f(x) =", 7, "nothing after '='"),
    ("f() = x", 3, "name the variables inside f(...)"),
    ("f(q) = x", 3, "'q' in f(...) must be one of the variables"),
    ("sin = x", 1, "cannot name the output"),
    ("print = x", 1, "a word Python or the script already uses"),
    ("y = x*y", 1, "is also a variable"),
    ("x,", 1, "tuples"),
    ("x, y", 1, "tuples"),
    ("x == 1", 1, "a condition is one comparison"),
    ("x != 1", 3, "'!='"),
    ("x<>1", 2, "cannot read"),
    ("0 < x < 1", 1, "a condition is one comparison"),
    ("x > 0", 1, "where("),
    ("where(x, x, 0)", 7, "comparison"),
    ("not x", 1, "'not'"),
    ("x and y", 3, "'and'"),
    ("x is y", 3, "'is'"),
    ("x in y", 3, "'in'"),
    ("0.5ifx", 4, "write 0.5*ifx"),
    ("1jor", 2, "write 1*jor"),
    ("x.5ifx", 4, "a number runs into a word"),
    ("x.5jor", 5, "a number runs into a word"),
    ("sin()", 1, "1 argument"),
    ("sin(,)", 5, "cannot read"),
    ("sin(x, x)", 1, "1 argument"),
    ("clamp(x)", 1, "needs a min, a max or both"),
    ("clamp(x, 0, min=1)", 1, "got 'min' twice"),
    ("clamp(x, min=u)", 14, "clamp's min must be a number"),
    ("sin(x=1)", 5, "no keyword 'x'"),
    ("sin(*x)", 5, "unpacking"),
    ("sin(**x)", 5, "'**' unpacking"),
    ("x[0]", 2, "indexing"),
    ("x@x", 2, "'@'"),
    ("x // 2", 1, "floor division"),
    ("x % 2", 3, "'%'"),
    ("x & x", 3, "'&'"),
    ("~x", 1, "'~'"),
    ("x!", 2, "factorial"),
    ("|x|", 1, "abs(x)"),
    ("sin", 1, "sin is a function: call it"),
    ("q + 1", 1, "unknown variable 'q'"),
    ("sine(x)", 1, "did you mean sin?"),
    ("x2", 1, "unknown name 'x2'"),
]

FAMILIES = {
    "code execution": CODE_EXECUTION,
    "imports and builtins": IMPORTS_AND_BUILTINS,
    "dunders and attributes": DUNDERS_AND_ATTRIBUTES,
    "torch namespace": TORCH_NAMESPACE,
    "resource exhaustion": RESOURCE_EXHAUSTION,
    "parser denial of service": PARSER_DENIAL_OF_SERVICE,
    "unicode tricks": UNICODE_TRICKS,
    "syntax edges": SYNTAX_EDGES,
}
HOSTILE_TEXT = [
    pytest.param(text, column, words, id=f"{family}: {ascii(text)[1:41]}")
    for family, cases in FAMILIES.items() for text, column, words in cases
]


@pytest.mark.parametrize(("text", "column", "words"), HOSTILE_TEXT)
def test_hostile_function_text_is_refused_at_every_door_and_nothing_happens(text, column, words, unchanged):
    with pytest.raises(ExpressionError) as parsed:
        parse(text)
    err = parsed.value
    assert words in err.message
    assert err.column == column
    _readable(err, text)
    with pytest.raises(ExpressionError) as explored:
        explore(text, EVERYWHERE)
    assert explored.value.message == err.message
    state, problems = from_query({"f": text})
    if len(text) > MAX_LENGTH:
        assert state.function == PageState().function and len(problems) == 1 and "function" in problems[0]
    else:
        # a link's function opens as typed, and the page refuses it like the box would, pointer and all
        assert (state.function, problems) == (text, ())
        with pytest.raises(ExpressionError) as built:
            build(state)
        assert (built.value.message, built.value.column) == (err.message, err.column)
    unchanged()


def test_each_family_is_large_and_every_case_distinct():
    counts = {family: len(cases) for family, cases in FAMILIES.items()}
    assert min(counts.values()) >= 20, counts
    texts = [text for cases in FAMILIES.values() for text, _, _ in cases]
    assert len(texts) == len(set(texts))


def test_every_non_ascii_character_of_a_family_is_refused_where_it_stands():
    # the refusal points at the first character outside the language, so nothing was folded on the way
    for cases in (UNICODE_TRICKS,):
        for text, column, _ in cases:
            outside = [i for i, c in enumerate(text) if c not in ALLOWED]
            if outside and column is not None:
                assert column == outside[0] + 1, ascii(text)


@fuzz(400)
@given(st.characters(codec=None, exclude_categories=(), exclude_characters=ALLOWED))
def test_no_character_outside_the_language_is_ever_folded_into_it(char):
    with pytest.raises(ExpressionError) as caught:
        parse(f"x + {char}")
    assert caught.value.column == 5
    _readable(caught.value, f"x + {char}")
    if ord(char) > 127 and "quotes" not in caught.value.message:
        assert f"U+{ord(char):04X}" in caught.value.message  # named by its code, so an invisible one is found


# -- legitimate math that must still be accepted, checked against PyTorch ----------------------------------

F64 = torch.float64
ACCEPTED = [
    ("x**2 + 2*x + 1", {"x": 2}, lambda x: x**2 + 2 * x + 1),
    ("y = x^2", {"x": 3}, lambda x: x**2),
    ("f(x) = 2*x**3 + x", {"x": 1}, lambda x: 2 * x**3 + x),
    ("u*v + u**2", {"u": 1, "v": 2}, lambda u, v: u * v + u**2),
    ("f(u, v) = u*v + (u*v)**2", {"u": 2, "v": 1}, lambda u, v: u * v + (u * v) ** 2),
    ("x*y*z", {"x": 1, "y": 2, "z": 3}, lambda x, y, z: x * y * z),
    ("w - t", {"w": 1, "t": 2}, lambda w, t: w - t),
    ("torch.relu(x)", {"x": (-2, 2, 5)}, torch.relu),
    ("F.relu(x) + torch.nn.functional.softplus(x)", {"x": (-2, 2, 5)}, lambda x: F.relu(x) + F.softplus(x)),
    ("x.exp()", {"x": 0.5}, torch.exp),
    ("x.sin().cos()", {"x": 0.5}, lambda x: x.sin().cos()),
    ("sin(x)**2 + cos(x)**2", {"x": 0.7}, lambda x: torch.sin(x) ** 2 + torch.cos(x) ** 2),
    ("exp(-x**2/2)", {"x": 0.3}, lambda x: torch.exp(-(x**2) / 2)),
    ("log(1 + x**2)", {"x": 0.3}, lambda x: torch.log(1 + x**2)),
    ("sqrt(x**2 + 1)", {"x": 0.3}, lambda x: torch.sqrt(x**2 + 1)),
    ("abs(x) + sigmoid(x) + tanh(x)", {"x": -0.4}, lambda x: torch.abs(x) + torch.sigmoid(x) + torch.tanh(x)),
    ("atan(x) + asin(x/4) + arccos(x/4)", {"x": 0.5},
     lambda x: torch.atan(x) + torch.asin(x / 4) + torch.acos(x / 4)),
    ("log2(x) + log10(x) + sinh(x) + cosh(x) + tan(x)", {"x": 0.5},
     lambda x: torch.log2(x) + torch.log10(x) + torch.sinh(x) + torch.cosh(x) + torch.tan(x)),
    ("pow(x, 3) + x.pow(2)", {"x": 1.5}, lambda x: torch.pow(x, 3) + x.pow(2)),
    ("max(x, x**2) + min(x, 1)", {"x": 0.5},
     lambda x: torch.maximum(x, x**2) + torch.minimum(x, torch.tensor(1.0, dtype=F64))),
    ("clamp(x, min=0, max=1) + clamp(x, 0, 1)", {"x": (-1, 2, 4)}, lambda x: 2 * torch.clamp(x, 0, 1)),
    ("where(x > 0, x, 0) + where(x <= 1, x**2, -x)", {"x": (-2, 2, 4)},
     lambda x: torch.where(x > 0, x, 0.0) + torch.where(x <= 1, x**2, -x)),
    ("SQ(x) + SQ.apply(x) + sq(x)", {"x": 2}, lambda x: SQ.apply(x) + SQ.apply(x) + SQ.apply(x)),
    ("3*SQ(x)", {"x": 2}, lambda x: 3 * SQ.apply(x)),
    ("3*SQFixed(x)", {"x": 2}, lambda x: 3 * SQFixed.apply(x)),
    ("pi*x + e**x + torch.pi + math.e", {"x": 0.5}, lambda x: math.pi * x + math.e**x + math.pi + math.e),
    ("2e-3*x + .5*x + 1.*x + 1e3*x + 1E+2*x", {"x": 2}, lambda x: (2e-3 + 0.5 + 1 + 1e3 + 1e2) * x),
    ("x/3 - x + +x - -x + --x", {"x": 2}, lambda x: x / 3 - x + x + x + x),
    ("x**-1 + x**0.5 + x^-2", {"x": 2}, lambda x: x**-1 + x**0.5 + x**-2),
    ("(x + 1)**2", {"x": 2}, lambda x: (x + 1) ** 2),
    ("  x \t+\t1  ", {"x": 2}, lambda x: x + 1),
    ("sum(x**2) + mean(x) + x.sum()", {"x": (-1, 1, 5)}, lambda x: torch.sum(x**2) + torch.mean(x) + x.sum()),
    ("torch.sum(x ** 2)", {"x": (-10, 10, 10)}, lambda x: torch.sum(x**2)),
    ("max(x) + min(x)", {"x": (-1, 2, 4)}, lambda x: torch.max(x) + torch.min(x)),
    ("x**1e299", {"x": 2}, lambda x: x**1e299),  # inf, as PyTorch says, not refused: 1e299 is a number
    ("exp(exp(exp(x)))", {"x": 10}, lambda x: torch.exp(torch.exp(torch.exp(x)))),
    ("where(x > 0, 1/x, 0)", {"x": 0}, lambda x: torch.where(x > 0, 1 / x, 0.0)),  # the classic nan grad
    ("sin(" * 150 + "x" + ")" * 150, {"x": 1}, lambda x: _nested(torch.sin, x, 150)),
    ("-" * (MAX_DEPTH - 1) + "x", {"x": 1}, lambda x: (-1) ** (MAX_DEPTH - 1) * x),
    ("+".join(["x"] * 200), {"x": 1}, lambda x: 200 * x),
    ("x" + " " * (MAX_LENGTH - 1), {"x": 1}, lambda x: x),
]


def _nested(fn, x, times):
    for _ in range(times):
        x = fn(x)
    return x


@pytest.mark.parametrize(("text", "at", "reference"), ACCEPTED, ids=[ascii(text)[1:41] for text, _, _ in ACCEPTED])
def test_legitimate_math_is_accepted_with_pytorchs_values_and_grads(text, at, reference, torch_grads, unchanged):
    result = explore(text, at, dtype="float64")
    points = {name: torch.linspace(*point, dtype=F64).tolist() if isinstance(point, tuple) else float(point)
              for name, point in at.items()}
    value, grads = torch_grads(reference, **points)
    assert torch.allclose(torch.tensor(result.value, dtype=F64), value, equal_nan=True)
    for name in at:
        assert torch.allclose(torch.tensor(result.grad[name], dtype=F64), grads[name], equal_nan=True)
    unchanged()


@pytest.mark.parametrize("text", ["x**1e299", "where(x > 0, 1/x, 0)", "sin(" * 150 + "x" + ")" * 150,
                                  "y = 1", "pi", "+".join(["x"] * 200)])
def test_extreme_but_legitimate_functions_build_a_whole_page(text, unchanged):
    page = build(PageState(function=text, points=(("x", "0"),)))
    assert page.dot and page.text and page.script
    unchanged()


# -- the point boxes ----------------------------------------------------------------------------------------
# (what is typed or passed from Python, words the message must contain)

HOSTILE_POINTS = [
    ("", "is not a number"),
    ("   ", "is not a number"),
    ("nan", "'nan' is not a number"),
    ("NaN", "is not a number"),
    ("inf", "is not a number"),
    ("-inf", "is not a number"),
    ("Infinity", "is not a number"),
    ("1e31", "no larger than 1e30"),
    ("1e309", "no larger than 1e30"),
    ("-1e309", "no larger than 1e30"),
    ("1:2", "start:stop:count"),
    ("1:2:3:4", "start:stop:count"),
    ("a:b:c", "whole number"),
    ("a:b:3", "'a' is not a number"),
    ("0:1:0", f"1 to {MAX_POINTS:,} points, not 0"),
    ("0:1:-3", "whole number"),
    ("0:1:3.5", "whole number"),
    (f"0:1:{MAX_POINTS + 1}", f"1 to {MAX_POINTS:,} points"),
    ("0:1:1000000000", "not 1,000,000,000"),
    ("0:1:" + "9" * 70, f"1 to {MAX_POINTS:,} points"),
    ("0:1:10**9", "whole number"),
    ("nan:1:5", "is not a number"),
    ("0:1e309:5", "no larger than 1e30"),
    ("1" * 81, "the limit is 80"),
    ("1" * 10**6, "the limit is 80"),
    ("\uff12", "FULLWIDTH DIGIT TWO) is a digit of another script: type the plain digit 2"),
    ("\u0663", "ARABIC-INDIC DIGIT THREE"),
    ("0:1:\u0663", "type the plain digit 3"),
    ("\u2212" + "1", "write -"),
    ("\u03c0", "write pi"),
    ("\u200b1", "invisible"),
    ("1\n2", "line break"),
    ("x", "'x' is not a number"),
    ("__import__('os')", "is not a number"),
    ("1;2", "is not a number"),
    ("pi*pi", "is not a number"),
    ("--1", "is not a number"),
    ("0x10", "is not a number"),
    ("1_000", "is not a number"),
    ("2 3", "is not a number"),
    ("1e", "is not a number"),
    ("e", "is not a number"),
    (None, "must be a number"),
    (True, "not True"),
    (1j, "must be a number"),
    (b"1", "must be a number"),
    (object(), "must be a number"),
    (10**400, "no larger than 1e30"),
    (-(10**400), "no larger than 1e30"),
    (float("nan"), "no larger than 1e30"),
    (float("inf"), "no larger than 1e30"),
    ((0, 1), "(start, stop, count)"),
    ((0, 1, 2, 3), "(start, stop, count)"),
    ((0, 1, 2.0), "whole number"),
    ((0, 1, True), "whole number"),
    ((0, 1, "3"), "whole number"),
    ((0, 1, 10**20), f"1 to {MAX_POINTS:,} points"),
    ((0, "a", 3), "'a' is not a number"),
    ((0, "0:1:3", 3), "are numbers"),
    ((None, 1, 3), "not NoneType"),
    ((10**400, 1, 3), "no larger than 1e30"),
    ([0, 1, -1], f"1 to {MAX_POINTS:,} points"),
    (Range(0, 1, 10**9), f"1 to {MAX_POINTS:,} points"),
    (Range(float("inf"), 1, 3), "no larger than 1e30"),
    (Range(0, 1, "3"), "whole number"),  # type: ignore[arg-type]
]


@pytest.mark.parametrize(("typed", "words"), HOSTILE_POINTS, ids=[ascii(typed)[:40] for typed, _ in HOSTILE_POINTS])
def test_a_hostile_point_is_refused_in_the_box_in_a_run_and_in_a_link(typed, words, unchanged):
    with pytest.raises(ExpressionError) as caught:
        read_point(typed, "x")
    assert words in caught.value.message
    _readable(caught.value, typed if isinstance(typed, str) else "")
    with pytest.raises(ExpressionError) as explored:
        explore("x**2", {"x": typed})
    assert explored.value.message == caught.value.message
    if isinstance(typed, str) and len(typed) <= MAX_LENGTH:
        state, problems = from_query({"f": "x**2", "x": typed})
        assert state == PageState(function="x**2")
        assert problems == (f"the link's value of x was ignored: {caught.value.message}",)
    unchanged()


@pytest.mark.parametrize(("at", "words"), [
    ({"u": f"0:1:{MAX_POINTS}", "v": f"0:1:{MAX_POINTS}"}, f"the limit is {MAX_ELEMENTS:,}"),
    ({"u": "0:1:201", "v": "0:1:200"}, "201 x 200 = 40,200 points"),
])
def test_a_grid_past_the_element_limit_is_refused_before_any_tensor_is_made(at, words, unchanged):
    with pytest.raises(ExpressionError, match=words):
        explore("u * v", at)
    state = PageState(function="u * v", points=tuple(sorted(at.items())))
    with pytest.raises(ExpressionError, match=words):
        build(state)
    unchanged()


def test_seven_ranges_make_a_grid_past_the_limit_and_are_refused():
    text = "*".join(VARIABLES)
    with pytest.raises(ExpressionError, match="5 x 5 x 5 x 5 x 5 x 5 x 5 = 78,125 points"):
        explore(text, {v: "0:1:5" for v in VARIABLES})


def test_a_long_function_over_a_fine_range_is_refused_at_the_recorded_value_limit(unchanged):
    text = "x" + "+x" * 150
    with pytest.raises(ExpressionError, match="would record 1,520,000 values; the limit is 1,000,000"):
        explore(text, {"x": f"0:1:{MAX_POINTS}"})
    unchanged()


@pytest.mark.parametrize(("options", "words"), [
    ({"device": "cuda:0"}, "unknown device"),
    ({"device": "cpu; rm -rf /"}, "unknown device"),
    ({"device": "meta"}, "unknown device"),
    ({"device": None}, "unknown device"),
    ({"dtype": "float16"}, "unknown dtype"),
    ({"dtype": "torch.float64"}, "unknown dtype"),
    ({"dtype": "int64"}, "unknown dtype"),
    ({"dtype": None}, "unknown dtype"),
])
def test_a_hostile_device_or_dtype_is_refused(options, words, unchanged):
    with pytest.raises(ExpressionError, match=words):
        explore("x**2", {"x": 2}, **options)
    unchanged()


@pytest.mark.parametrize("at", [None, [], "x", 2, {"y": 2}])
def test_points_that_are_not_a_mapping_of_every_variable_are_refused(at):
    with pytest.raises(ExpressionError):
        explore("x**2", at)


# -- a shared link ------------------------------------------------------------------------------------------

GOOD_LINK = {"f": "u*v + u**2", "u": "3", "v": "-1:1:5", "plot": "-2:2:101", "device": "cpu", "dtype": "float64",
             "view": "torchviz", "lesson": "partial", "node": "n1", "step": "2"}
# Hostile for any parameter, and then for each one in particular.
ANY_PARAMETER = ["", " ", "\x00", "\u202e", "\uff58", "<script>alert(1)</script>", "../../etc/passwd", "' OR 1=1 --",
                 "${jndi:ldap://x}", "%00", "a" * 10_000, "\n", [], None, 5, [None], ["ok", 3]]
PER_PARAMETER = {
    "u": ["nan", "inf", "1:2", "0:1:0", "0:1:10001", "1e31", "__import__('os')", "\uff13", "\u0663", "-", "3 3"],
    "v": ["0:1:1000000000", "0:1:\u0663", "a:b:c", "0:1:3.5", "-1:1:-5"],
    "plot": ["5", "0:1:0", f"0:1:{MAX_POINTS + 1}", "nan:1:5", "0:1:\u0663", "-2:2"],
    "device": ["cuda", "cuda:0", "meta", "CPU", "cpu ", "mps", "cpu; rm -rf /"],
    "dtype": ["float16", "torch.float64", "double", "float64 ", "int64"],
    "view": ["svg", "Explorer", "torchviz\n"],
    "lesson": ["../x", "__init__", "LESSONS", "partial ", "PARTIAL"],
    "node": ["t", "t1234567", "n0.s12345", "t\u0663", "n0\nt1", "x1", "n1 ", "n-1"],
    "step": ["-1", "10000", "1.5", "\u0663", "1e3", "0x10", " 5", "+5"],
}
LINK_CASES = [pytest.param(name, value, id=f"{name}={ascii(value)[:30]}")
              for name in PER_PARAMETER for value in [*ANY_PARAMETER, *PER_PARAMETER[name]]]


@pytest.mark.parametrize(("name", "value"), LINK_CASES)
def test_a_hostile_link_parameter_is_dropped_with_a_message_and_the_rest_kept(name, value):
    without = {key: text for key, text in GOOD_LINK.items() if key != name}
    state, problems = from_query({**GOOD_LINK, name: value})
    assert from_query(without) == (state, ())  # as if the link had left it out
    (problem,) = problems
    said = f"the link's value of {name} was ignored: " if name in VARIABLES else f"the link's {name}="
    assert problem.startswith((said, f"the link's {name} was not text and was ignored"))
    assert problem.isprintable() and len(problem) <= 2 * LONGEST_MESSAGE


def test_the_page_a_link_falls_back_to_is_a_working_page(unchanged):
    state, problems = from_query({**GOOD_LINK, **{name: "\u202e" for name in PER_PARAMETER}})
    assert len(problems) == len(PER_PARAMETER)
    page = build(state)
    assert page.result.grad and page.dot
    unchanged()


@pytest.mark.parametrize("value", [value for value in ANY_PARAMETER if not isinstance(value, str)],
                         ids=ascii)
def test_a_link_function_that_is_not_text_is_dropped_with_a_message(value):
    state, problems = from_query({"f": value})
    assert state == PageState()
    assert problems == ("the link's function was not text and was ignored",)


def test_a_link_with_every_parameter_hostile_opens_the_default_page_with_one_message_each():
    query = {name: "\u0445" for name in (*GOOD_LINK, *VARIABLES) if name != "f"}
    state, problems = from_query(query)
    assert state == PageState()
    assert len(problems) == len(query)


# -- a lesson's answer box ----------------------------------------------------------------------------------

PRACTICE = [each for each in LESSONS if each.question is not None]
HOSTILE_ANSWERS = ["", " ", None, "nan", "inf", "-inf", "1e999", "\u0667", "\uff17", "0x7", "7\u200b", "\u200b7",
                   "__import__('os')", "7; import os", "1" * 100_000 + "x", "1" * 100_000, "7 7", "seven", "7!",
                   "\u2212" + "7", "7/1", "14/2", "6+1", "[7]", "1e-999", "-0"]


@pytest.mark.parametrize("typed", HOSTILE_ANSWERS, ids=[ascii(t)[:30] for t in HOSTILE_ANSWERS])
@pytest.mark.parametrize("chosen", PRACTICE, ids=[each.key for each in PRACTICE])
def test_a_hostile_answer_is_never_right_and_never_raises(chosen, typed, unchanged):
    result = explore(chosen.function, dict(chosen.points))
    feedback = check_answer(chosen.question, typed, result.grad)
    assert isinstance(feedback, Feedback) and not feedback.correct
    assert feedback.message.isprintable() and len(feedback.message) <= LONGEST_MESSAGE
    unchanged()


@pytest.mark.parametrize("chosen", PRACTICE, ids=[each.key for each in PRACTICE])
def test_the_right_answer_typed_plainly_is_still_right(chosen, torch_grads):
    points = {name: float(typed) for name, typed in chosen.points}
    references = {"practice-cubic": lambda x: 2 * x**3 + x, "practice-partial": lambda u, v: u * v + (u * v) ** 2}
    _, grads = torch_grads(references[chosen.key], **points)
    right = grads[chosen.question.variable].item()
    result = explore(chosen.function, dict(chosen.points))
    for typed in (f"{right:g}", f" {right:g} ", f"+{right:.1f}", f"{right * 10:g}e-1"):
        assert check_answer(chosen.question, typed, result.grad).correct, typed


# -- fuzzers: nothing typed raises anything but ExpressionError ---------------------------------------------

def _parse_or_refuse(text: str) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            expression = parse(text)
        except ExpressionError as err:
            _readable(err, text)
        else:
            assert set(text) <= ALLOWED, ascii(text)  # accepted only in the language's own characters
            assert expression.variables == tuple(v for v in VARIABLES if v in expression.variables)
    assert [str(w.message) for w in caught] == []  # no SyntaxWarning or other noise in the server's log


@fuzz(800)
@given(st.text(st.characters(codec=None, exclude_categories=()), max_size=120))
def test_arbitrary_unicode_text_raises_nothing_but_expression_error(text):
    _parse_or_refuse(text)


_ATOMS = st.sampled_from(["x", "u", "v", "y", "1", "2", "0.5", ".5", "1e3", "2E-2", "pi", "e", "torch.pi", "07", "0x1",
                          "1e39", "-1e300", "0"])  # past float32's range, as a clamp bound once made PyTorch raise
_CALLS = st.sampled_from(["sin", "torch.sin", "F.relu", "torch.nn.functional.softplus", "exp", "log", "sqrt", "abs",
                          "sigmoid", "sum", "mean", "SQ", "SQ.apply", "sq", "SQFixed", "arcsin", "tanh", "max",
                          "min", "pow", "clamp", "where", "torch.max", "eval", "torch.load", "__import__"])
_METHODS = st.sampled_from([".exp()", ".sin()", ".relu()", ".sum()", ".pow(2)", ".__class__", ".grad", ".backward()",
                            ".clamp(min=0)", ".max(1)", ".T"])


def _expressions() -> st.SearchStrategy[str]:
    def grow(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
        return st.one_of(
            st.tuples(inner, st.sampled_from([" + ", "-", "*", " / ", "**", "^", " > ", "<=", ", ", " "]), inner)
            .map("".join),
            st.tuples(_CALLS, st.lists(inner, min_size=0, max_size=3)).map(lambda c: f"{c[0]}({', '.join(c[1])})"),
            st.tuples(inner, _METHODS).map(lambda m: f"({m[0]}){m[1]}"),
            inner.map(lambda e: f"-{e}"),
            inner.map(lambda e: f"({e})"),
            st.tuples(inner, st.sampled_from(["min", "max"]), _ATOMS).map(lambda c: f"clamp({c[0]}, {c[1]}={c[2]})"),
        )

    return st.recursive(_ATOMS, grow, max_leaves=8)


_NOISE = st.one_of(st.sampled_from(list("()[]{}'\":;,.=!@#$%&|~`\\?*^+-/ \t\n")),
                   st.characters(codec=None, exclude_categories=()),
                   st.sampled_from(["lambda", " if ", " for ", "import", "__", "y =", "f(x) =", "\u00d7", "\u2212",
                                    "\u200b", "\uff58", "\u0445", "9**9**9", "1e309", "("]))


_EDITS = st.lists(st.tuples(st.floats(0, 1), st.sampled_from(["insert", "delete", "double"]), _NOISE), max_size=3)


def _edited(drawn: tuple[str, list[tuple[float, str, str]], bool]) -> str:
    """A valid-looking expression after a few edits: a character inserted, two dropped, the rest doubled."""
    text, edits, named = drawn
    for where, edit, noise in edits:
        at = int(where * len(text))
        if edit == "insert":
            text = text[:at] + noise + text[at:]
        elif edit == "delete":
            text = text[:at] + text[at + 2:]
        else:
            text = text[:at] + text[at:] * 2
    return f"y = {text}" if named else text


_NEAR_MISSES = st.tuples(_expressions(), _EDITS, st.booleans()).map(_edited)


@fuzz(800)
@given(_NEAR_MISSES)
def test_near_valid_text_raises_nothing_but_expression_error(text):
    _parse_or_refuse(text)


@fuzz(200)
@given(_expressions())
def test_whatever_the_grammar_makes_is_refused_or_runs(text):
    try:
        parse(text)
    except ExpressionError:
        return
    try:
        result = explore(text, {v: "-1:1:3" for v in VARIABLES})
    except ExpressionError as err:
        _readable(err, text)
        return
    assert result.expression == text.strip()


@fuzz(500)
@given(st.one_of(st.text(max_size=40), st.text(st.sampled_from("0123456789.:+-eE pi*\u0663\uff12"), max_size=20)))
def test_any_typed_point_is_a_point_or_refused(typed):
    try:
        point = read_point(typed, "x")
    except ExpressionError as err:
        _readable(err, typed.strip())
        return
    assert set(typed.strip()) <= set("0123456789.:+-eE pi*")
    if isinstance(point, Range):
        assert 1 <= point.count <= MAX_POINTS
        assert all(math.isfinite(p) and abs(p) <= 1e30 for p in (point.start, point.stop))
    else:
        assert math.isfinite(point) and abs(point) <= 1e30


_PARAMETERS = st.sampled_from([*GOOD_LINK, *VARIABLES, "present", "embed", "utm_source"])
_VALUES = st.one_of(st.text(max_size=30), st.lists(st.text(max_size=10), max_size=3), st.none(), st.integers())


@fuzz(200)
@given(st.dictionaries(_PARAMETERS, _VALUES, max_size=8))
def test_any_link_opens_a_state_with_a_message_for_each_refused_parameter(query):
    state, problems = from_query(query)
    assert isinstance(state, PageState)
    assert all(isinstance(p, str) and p.isprintable() for p in problems)
    assert len(problems) <= len(query)


@fuzz(300)
@given(st.one_of(st.text(max_size=30), st.floats(allow_nan=True).map(repr), st.none()))
def test_any_answer_gets_feedback_and_is_right_only_when_it_is_the_gradient(typed):
    chosen = PRACTICE[0]
    result = _practice_result()
    feedback = check_answer(chosen.question, typed, result.grad)
    if feedback.correct:
        assert math.isclose(float(typed), result.grad[chosen.question.variable], rel_tol=1e-3, abs_tol=1e-3)


@functools.cache
def _practice_result():
    chosen = PRACTICE[0]
    return explore(chosen.function, dict(chosen.points))


# -- a deck's link and file (explorer.content.decks): the family is tests/test_decks.py's; here, through the
# doors a visitor reaches, nothing happens beside the refusal

HOSTILE_DECKS = [
    (b"\xff\xfe\x00", "not UTF-8"),
    (b"[" * 50_000, "nests deeper"),
    (b'{"format": "autograd-explorer-deck", "version": 1, "title": "t", "slides": [{"program": "import os", '
     b'"mode": "program", "question": {"asks": "grad"}}]}', "function slide"),
    (b'{"format": "autograd-explorer-deck", "version": 1, "title": "t", "slides": [' + b"{}," * 999 + b"{}]}",
     "1,000 slides"),
    (b'{"format": "autograd-explorer-deck", "version": 1, "title": "t", "slides": [{"__class__": 1}]}',
     "'__class__'"),
]


@pytest.mark.parametrize(("data", "words"), HOSTILE_DECKS)
def test_a_hostile_deck_is_refused_as_a_file_and_as_a_link_and_nothing_happens(data, words, unchanged):
    for door in (lambda: read_deck(data), lambda: decode_deck(pack(data.decode("utf-8", "replace")))):
        with pytest.raises(ExpressionError) as refused:
            door()
        assert len(refused.value.message) <= LONGEST_MESSAGE and refused.value.message.isprintable()
    with pytest.raises(ExpressionError, match=words):
        read_deck(data)
    unchanged()
