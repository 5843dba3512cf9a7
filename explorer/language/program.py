"""The static check of a program: its text is parsed, walked against the allow-list, and refused before it runs.

``check`` returns the parsed tree of a program that uses only what program mode
offers (``explorer.language.allow_list``), or raises ``ProgramRefused`` with the
line, the column and what to write instead. Nothing here runs the program or
imports torch; ``explorer.compute.interpreter`` walks the tree ``check`` returns.

>>> tree = check("import torch\\nx = torch.tensor(2.0, requires_grad=True)\\ny = x ** 2")
>>> len(tree.body)
3
>>> check("import os")
Traceback (most recent call last):
...
explorer.language.program.ProgramRefused: line 1, column 1: program mode cannot import 'os'; ...

NOTE [what the check holds, and what the interpreter holds]
The check refuses every construct outside the language (classes other than an
autograd Function, ``global``, ``yield``, ``async``, unlisted decorators), every
name beginning with ``__``, every builtin that is not listed, every import that is
not listed, and every attribute name that no kind of value offers. Which
attribute a value offers depends on the value, so the interpreter checks that
again at run time; the check here is what lets a refusal come before anything
runs, with a message that names the place.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import re
import string
from collections.abc import Iterable
from dataclasses import dataclass

from explorer.errors import ExpressionError
from explorer.language.allow_list import ALL_ATTRIBUTES, BUILTINS, DECORATORS, FUNCTION_METHODS, MEMBERS, MODULES, SAVED
from explorer.language.expression import dotted_name
from explorer.language.points import MAX_ELEMENTS

__all__ = ["Limits", "LIMITS", "MODULE_BASES", "ProgramRefused", "check", "is_super_init", "plain_format_spec",
           "check_percent_format", "format_fields", "without_magics"]


@dataclass(frozen=True)
class Limits:
    """The bounds a program runs within; each one past is refused with the line it was passed on."""

    characters: int = 20_000  # a few notebook cells, not a library
    lines: int = 600
    nesting: int = 60  # how deep expressions and blocks nest (the interpreter walks them recursively)
    steps: int = 2_000_000  # statements and calls of the program's functions in the whole run
    seconds: float = 60.0  # wall-clock time, checked between statements (a worker's own limit stops the rest)
    iterations: int = 100_000  # per loop: a 2,000-step training loop fits with room to spare
    depth: int = 40  # calls of the program's own functions inside each other
    elements: int = 25 * MAX_ELEMENTS  # per tensor or array: a program's batch, 25 times a function-mode tensor
    items: int = 100_000  # per list, tuple, dict or range turned into a list
    string: int = 100_000  # characters per string
    int_bits: int = 100_000  # bits per integer: 2 ** 100_000 fits; arithmetic on such integers stays quick
    output: int = 200_000  # characters printed in all
    graphs: int = 20  # backward calls recorded as graphs; later calls are counted, not recorded
    forward_graphs: int = 100  # graphs of the forward pass as it grows, one per kept step that makes a tensor
    recorded_steps: int = 3_000  # steps kept for the line-by-line view
    recorded_values: int = 1_000_000  # numbers kept in all recorded graphs and the tensors table together


LIMITS = Limits()  # the bounds a program runs within unless a caller sets others


class ProgramRefused(ExpressionError):
    """A program (or a part of it) that program mode will not run: the place and what to write instead.

    >>> str(ProgramRefused("no", line=3, column=5))
    'line 3, column 5: no'
    """

    def __init__(self, message: str, line: int = 1, column: int = 1) -> None:
        super().__init__(message, column)
        self.line = line
        self.args = (f"line {line}, column {column}: {message}",)


# -- the grammar ---------------------------------------------------------------------------------

_STATEMENTS = (ast.Module, ast.Expr, ast.Assign, ast.AugAssign, ast.AnnAssign, ast.For, ast.While, ast.If,
               ast.Break, ast.Continue, ast.Pass, ast.Assert, ast.FunctionDef, ast.Return, ast.ClassDef, ast.With,
               ast.Import, ast.ImportFrom, ast.Delete, ast.Try, ast.ExceptHandler, ast.Raise)
_EXPRESSIONS = (ast.BoolOp, ast.BinOp, ast.UnaryOp, ast.Lambda, ast.IfExp, ast.Dict, ast.Set, ast.ListComp,
                ast.SetComp, ast.DictComp, ast.GeneratorExp, ast.Compare, ast.Call, ast.FormattedValue,
                ast.JoinedStr, ast.Constant, ast.Attribute, ast.Subscript, ast.Starred, ast.Name, ast.List,
                ast.Tuple, ast.Slice, ast.NamedExpr)
_PARTS = (ast.keyword, ast.arguments, ast.arg, ast.comprehension, ast.alias, ast.withitem, ast.expr_context,
          ast.boolop, ast.operator, ast.unaryop, ast.cmpop)
_ALLOWED = _STATEMENTS + _EXPRESSIONS + _PARTS

_INSTEAD = {
    ast.Global: "pass the value in as an argument and return the new one",
    ast.Nonlocal: "pass the value in as an argument and return the new one",
    ast.Yield: "build a list and return it",
    ast.YieldFrom: "build a list and return it",
    ast.Await: "call the function directly",
    ast.AsyncFunctionDef: "write a plain def",
    ast.AsyncFor: "write a plain for loop",
    ast.AsyncWith: "write a plain with block",
    ast.Match: "write if/elif/else",
    ast.TryStar: "write try/except",
}

_PYTHON_BUILTINS = frozenset(dir(builtins))
# what to write instead of the builtins programs reach for most
_BUILTIN_INSTEAD = {
    "type": "write isinstance(x, torch.Tensor), or x.dtype for a tensor's type",
    "getattr": "write the attribute itself: x.grad",
    "setattr": "assign the attribute itself: x.grad = None",
    "hasattr": "write the attribute itself: x.grad",
    "open": "program mode reads and writes no files; build the data in the program",
    "input": "set the value in the program: n = 10",
    "dir": "see the tensors table and the graph beside the program",
    "vars": "see the tensors table beside the program",
    "globals": "see the tensors table beside the program",
    "id": "compare with 'is': a is b",
    "exit": "let the program run to its end",
    "quit": "let the program run to its end",
}
_BUILTIN_LIST = ", ".join(sorted(BUILTINS, key=lambda n: (n[0].isupper(), n)))


def _suggest(name: str, offered: Iterable[str]) -> str:
    """'; did you mean ...?' for the offered names closest to ``name``, or ''."""
    close = difflib.get_close_matches(name, list(offered), n=3, cutoff=0.75)
    return f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
_FUTURE = frozenset({"print_function", "division", "absolute_import", "unicode_literals", "annotations",
                     "generators", "with_statement", "nested_scopes"})
_FUNCTION_BASES = ("torch.autograd.Function", "autograd.Function", "Function")
MODULE_BASES = ("torch.nn.Module", "nn.Module", "Module")


def _module_attributes(classes: list[ast.ClassDef]) -> set[str]:
    """The attributes a program's nn.Module classes give their instances: methods, and what ``self.x = ...`` sets."""
    found = set()
    for cls in classes:
        if len(cls.bases) != 1 or dotted_name(cls.bases[0]) not in MODULE_BASES:
            continue
        for item in cls.body:
            if isinstance(item, ast.FunctionDef):
                found.add(item.name)
                owner = item.args.args[0].arg if item.args.args else None
                found |= {n.attr for n in ast.walk(item) if isinstance(n, ast.Attribute)
                          and isinstance(n.ctx, ast.Store) and isinstance(n.value, ast.Name) and n.value.id == owner}
    return {name for name in found if not name.startswith("_")}


def is_super_init(node: ast.AST) -> bool:
    """``super().__init__(...)`` (or ``super(Net, self).__init__(...)``), the one call of ``super`` allowed."""
    return (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "__init__"
            and isinstance(node.func.value, ast.Call) and isinstance(node.func.value.func, ast.Name)
            and node.func.value.func.id == "super")


def check(source: str, limits: Limits = LIMITS) -> ast.Module:
    """The parsed program, if program mode can run it; raises ``ProgramRefused`` otherwise.

    A notebook cell's IPython lines (``%matplotlib inline``, ``!pip install torch``) are read as blank
    lines: they set up the notebook, not the program, and the lines after them keep their numbers.
    """
    _check_size(source, limits)
    try:
        tree = ast.parse(without_magics(source), mode="exec")
    except SyntaxError as err:
        raise ProgramRefused(f"Python cannot read this: {err.msg}", err.lineno or 1, err.offset or 1) from None
    except (RecursionError, MemoryError):  # Python's own parser gives up on an expression thousands deep
        lines = source.splitlines() or [""]
        longest = max(range(len(lines)), key=lambda i: len(lines[i]))
        raise ProgramRefused(f"this nests more than {limits.nesting} levels deep; split it into named steps",
                             longest + 1, 1) from None
    _Checker(_survey(tree, limits.nesting)).visit(tree)
    return tree


_MAGIC = re.compile(r"^[%!].*$", re.MULTILINE)


def without_magics(source: str) -> str:
    r"""``source`` with each IPython magic or shell line (``%...``, ``!...`` at the start of a line) left blank.

    >>> without_magics("%matplotlib inline\nx = 1")
    '\nx = 1'
    """
    return _MAGIC.sub("", source)


def _check_size(source: str, limits: Limits) -> None:
    if len(source) > limits.characters:
        raise ProgramRefused(f"a program has at most {limits.characters:,} characters, not {len(source):,}; "
                             "keep to the cells this lesson needs")
    lines = source.count("\n") + 1
    if lines > limits.lines:
        raise ProgramRefused(f"a program has at most {limits.lines:,} lines, not {lines:,}", limits.lines + 1)


@dataclass
class _Survey:
    """What the checker needs to know of the whole program before it visits any node."""

    stored: set[str]  # every name the program binds: assigned, a parameter, a def or a class
    classes: list[ast.ClassDef]


def _survey(tree: ast.Module, most: int) -> _Survey:
    """One pass over the tree: refuse it if it nests deeper than ``most`` (an explicit stack: the tree may be deeper
    than Python's own recursion allows), and gather the names it binds and its classes."""
    survey = _Survey(set(), [])
    stack: list[tuple[ast.AST, int]] = [(tree, 0)]
    while stack:
        node, depth = stack.pop()
        if depth > most:
            raise ProgramRefused(f"this nests more than {most} levels deep; split it into named steps",
                                 *_place(node))
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Store):
                survey.stored.add(node.id)
        elif isinstance(node, ast.arg):
            survey.stored.add(node.arg)
        elif isinstance(node, ast.FunctionDef):
            survey.stored.add(node.name)
        elif isinstance(node, ast.ClassDef):
            survey.stored.add(node.name)
            survey.classes.append(node)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))
    return survey


def _place(node: ast.AST) -> tuple[int, int]:
    return getattr(node, "lineno", 1), getattr(node, "col_offset", 0) + 1


def _refuse(node: ast.AST, message: str) -> ProgramRefused:
    return ProgramRefused(message, *_place(node))


class _Checker(ast.NodeVisitor):
    """One walk over the tree; each visit refuses what it must and walks on."""

    def __init__(self, survey: _Survey) -> None:
        self.stored = survey.stored
        self.modules: dict[str, str] = {}  # alias -> import path, from the program's imports
        self.ctx_names: set[str] = set()  # the ctx parameters of autograd Functions' methods
        self.self_names: set[str] = set()  # the self parameters of nn.Module classes' methods
        self.module_attributes = _module_attributes(survey.classes)
        self.in_module_class = 0
        self.loops = 0
        self.functions = 0

    def generic_visit(self, node: ast.AST) -> None:
        if not isinstance(node, _ALLOWED):
            instead = _INSTEAD.get(type(node), "write it with the statements a notebook cell uses")
            raise _refuse(node, f"program mode does not run {type(node).__name__} here; {instead}")
        super().generic_visit(node)

    def visit_Delete(self, node: ast.Delete) -> None:
        for target in node.targets:
            if isinstance(target, ast.Attribute):  # a module's or a tensor's own attribute is not the program's
                raise _refuse(target, "del removes the program's own names and items, not attributes; set it to "
                                      "None instead, as in x.grad = None")
        self.generic_visit(node)

    # -- names and attributes

    def visit_Name(self, node: ast.Name) -> None:
        if node.id == "__name__" and isinstance(node.ctx, ast.Load):
            return  # if __name__ == "__main__": as a script ends; it reads "__main__"
        if node.id.startswith("__"):
            raise _refuse(node, f"names beginning with '__' are Python's own; rename '{node.id}'")
        if (isinstance(node.ctx, ast.Load) and node.id in _PYTHON_BUILTINS and node.id not in BUILTINS
                and node.id not in self.stored):
            instead = _BUILTIN_INSTEAD.get(node.id, f"its builtins are {_BUILTIN_LIST}")
            raise _refuse(node, f"program mode has no '{node.id}'; {instead}")

    def visit_Attribute(self, node: ast.Attribute) -> None:
        self.visit(node.value)  # inner first: torch.hub.load is refused at 'hub'
        name = node.attr
        if isinstance(node.value, ast.Name) and not name.startswith("_") and (
                node.value.id in self.ctx_names or node.value.id in self.self_names):
            return  # a Function's ctx and a Module's self carry the program's own values too
        if name in self.module_attributes:
            return  # an attribute the program's own nn.Module class sets or defines
        if name.startswith("_") and name not in SAVED:
            raise _refuse(node, f"'.{name}' is private; program mode reads only public attributes "
                          f"(and an autograd node's saved values such as ._saved_self)")
        module = self._module_of(dotted_name(node.value))
        if module is not None and f"{module}.{name}" not in MODULES and name not in MEMBERS.get(module, ()):
            raise _refuse(node, f"program mode's {module} has no '{name}'{_suggest(name, MEMBERS.get(module, ()))}")
        if module is None and name not in ALL_ATTRIBUTES and not any(name in m for m in MEMBERS.values()):
            raise _refuse(node, f"program mode does not offer '.{name}'{_suggest(name, ALL_ATTRIBUTES)}")

    def _module_of(self, dotted: str) -> str | None:
        """The import path a dotted name stands for (``F`` -> torch.nn.functional), if the program imported it."""
        if not dotted:
            return None
        head, _, rest = dotted.partition(".")
        if head not in self.modules:
            return None
        path = self.modules[head] + (f".{rest}" if rest else "")
        return path if path in MODULES else None

    def visit_keyword(self, node: ast.keyword) -> None:
        if node.arg is not None and node.arg.startswith("__"):
            raise _refuse(node, f"'{node.arg}' is not an argument program mode passes on")
        self.generic_visit(node)

    def visit_Constant(self, node: ast.Constant) -> None:
        if isinstance(node.value, bytes):
            raise _refuse(node, "program mode has no bytes; use a str")

    # -- imports

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name not in MODULES:
                raise _refuse(node, f"program mode cannot import '{alias.name}'; it imports "
                              f"{', '.join(sorted(MODULES))}")
            bound = alias.asname or alias.name.partition(".")[0]
            self.modules[bound] = alias.name if alias.asname else bound

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if module == "__future__" and all(alias.name in _FUTURE for alias in node.names):
            return  # old tutorials' first line; each feature is already Python 3's behaviour
        if node.level or module not in MODULES:
            raise _refuse(node, f"program mode cannot import from '{module}'; it imports from "
                          f"{', '.join(sorted(MODULES))}")
        for alias in node.names:
            path = f"{module}.{alias.name}"
            if alias.name not in MEMBERS.get(module, ()) and path not in MODULES:
                raise _refuse(node, f"program mode's {module} has no '{alias.name}'")
            if path in MODULES:
                self.modules[alias.asname or alias.name] = path

    # -- definitions

    def visit_arg(self, node: ast.arg) -> None:
        if node.arg.startswith("__"):
            raise _refuse(node, f"names beginning with '__' are Python's own; rename '{node.arg}'")
        self.generic_visit(node)

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        if node.name.startswith("__"):
            raise _refuse(node, f"names beginning with '__' are Python's own; rename '{node.name}'")
        for decorator in node.decorator_list:
            if ast.unparse(decorator) not in DECORATORS:
                raise _refuse(decorator, f"program mode does not run the decorator '@{ast.unparse(decorator)}'; "
                              "it runs @torch.no_grad() and @torch.enable_grad()")
        self._function_body(node)

    def _function_body(self, node: ast.FunctionDef | ast.Lambda) -> None:
        loops, self.loops = self.loops, 0
        self.functions += 1
        # the decorators were checked as written; the signature and the body are walked
        parts = [node.args, node.body] if isinstance(node, ast.Lambda) else [node.args, node.returns, *node.body]
        for part in parts:
            if part is not None:
                self.visit(part)
        self.functions -= 1
        self.loops = loops

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._function_body(node)

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        bases = [dotted_name(b) for b in node.bases]
        if len(bases) != 1 or bases[0] not in _FUNCTION_BASES + MODULE_BASES or node.keywords or node.decorator_list:
            raise _refuse(node, "program mode defines two kinds of class: class Name(torch.autograd.Function) "
                          "with @staticmethod forward and backward, and class Name(nn.Module) with __init__ and "
                          "forward; write functions for the rest")
        if bases[0] in MODULE_BASES:
            for item in node.body:
                self._module_item(item)
            return
        for item in node.body:
            self._class_item(item)

    def _module_item(self, item: ast.stmt) -> None:
        if isinstance(item, ast.Pass) or (isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)):
            return
        if not isinstance(item, ast.FunctionDef) or item.decorator_list or (
                item.name.startswith("_") and item.name != "__init__"):
            raise _refuse(item, "an nn.Module's body holds plain methods (def __init__(self), def forward(self, "
                          "x), ...), without decorators, nothing else")
        if not item.args.args:
            raise _refuse(item, f"def {item.name} takes self first")
        self.self_names.add(item.args.args[0].arg)
        self.in_module_class += 1
        self._function_body(item)
        self.in_module_class -= 1

    def visit_Call(self, node: ast.Call) -> None:
        if is_super_init(node):
            if not self.in_module_class:
                raise _refuse(node, "super().__init__() belongs in an nn.Module's __init__")
            assert isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Call)
            for part in [*node.func.value.args, *node.args, *node.keywords]:
                self.visit(part)
            return
        self.generic_visit(node)

    def _class_item(self, item: ast.stmt) -> None:
        if isinstance(item, ast.Pass) or (isinstance(item, ast.Expr) and isinstance(item.value, ast.Constant)):
            return
        if not isinstance(item, ast.FunctionDef) or item.name not in FUNCTION_METHODS:
            raise _refuse(item, "an autograd Function's body holds @staticmethod forward, backward "
                          "(and setup_context), nothing else")
        if [ast.unparse(d) for d in item.decorator_list] != ["staticmethod"]:
            raise _refuse(item, f"write @staticmethod above def {item.name}: PyTorch calls it on the class")
        if item.args.args:
            self.ctx_names.add(item.args.args[0].arg)
        self._function_body(item)

    # -- control flow that Python itself only refuses when compiling

    def visit_Return(self, node: ast.Return) -> None:
        if not self.functions:
            raise _refuse(node, "'return' belongs inside a def")
        self.generic_visit(node)

    def _loop(self, node: ast.For | ast.While) -> None:
        self.loops += 1
        for child in node.body:
            self.visit(child)
        self.loops -= 1
        for part in [node.test] if isinstance(node, ast.While) else [node.target, node.iter]:
            self.visit(part)
        for child in node.orelse:
            self.visit(child)

    visit_For = _loop
    visit_While = _loop

    def _jump(self, node: ast.Break | ast.Continue) -> None:
        if not self.loops:
            raise _refuse(node, f"'{type(node).__name__.lower()}' belongs inside a for or while loop")

    visit_Break = _jump
    visit_Continue = _jump


# -- format strings: a spec is plain or refused, so formatting never reaches an attribute or an index ---------

_PLAIN_SPEC = re.compile(r"(?:.?[<>=^])?[-+ ]?z?#?0?(?P<width>\d*)[_,]?(?:\.(?P<precision>\d+))?[bcdeEfFgGnosxX%]?")
_WIDEST = 1_000


def plain_format_spec(spec: str) -> str:
    """``spec`` if it is a plain format spec (fill, align, sign, width, precision, type); ValueError otherwise.

    >>> plain_format_spec(".2f")
    '.2f'
    """
    match = _PLAIN_SPEC.fullmatch(spec)
    if match is None:
        raise ValueError(f"program mode formats with plain specs such as '.2f' or '>8', not '{spec}'")
    for number in (match["width"], match["precision"]):
        if number and int(number) > _WIDEST:
            raise ValueError(f"a width or precision in a format spec is at most {_WIDEST:,}")
    return spec


_PERCENT = re.compile(r"%(?:\((?P<key>[^)]*)\))?(?P<flags>[-+ #0]*)(?P<width>\*|\d*)(?:\.(?P<precision>\*|\d*))?"
                      r"[hlL]?(?P<type>.?)")


def check_percent_format(text: str) -> None:
    """Refuse a ``%`` format whose widths could build a huge string; ValueError names the spec."""
    for match in _PERCENT.finditer(text):
        for number in (match["width"], match["precision"]):
            if number == "*" or (number and int(number) > _WIDEST):
                raise ValueError(f"a width or precision in '%' formatting is a number up to {_WIDEST:,}, "
                                 f"not '{number}'")


_FIELD = re.compile(r"\d*|[A-Za-z_][A-Za-z0-9_]*")


def format_fields(text: str) -> list[tuple[str, str | None, str, str | None]]:
    """``str.format``'s fields as (literal, field name, spec, conversion), each name a plain index or name.

    ``{0.grad}`` and ``{x[0]}`` reach an attribute or an index through the text, so they are refused.

    >>> format_fields("x = {:.2f}!")
    [('x = ', '', '.2f', None), ('!', None, '', None)]
    """
    fields = []
    for literal, name, spec, conversion in string.Formatter().parse(text):
        if name is not None and not _FIELD.fullmatch(name):
            raise ValueError(f"program mode's format fields are '{{}}', '{{0}}' or '{{name}}', not '{{{name}}}'")
        if spec and ("{" in spec or "}" in spec):
            raise ValueError("program mode's format specs are written out, not nested '{...}'")
        if spec:
            plain_format_spec(spec)
        fields.append((literal, name, spec or "", conversion))
    return fields
