"""The parsed expression: typed text checked against an allow-list and turned into Terms.

The text is read with ``ast.parse`` and never run. Every Python node is matched
against a short list of what the language allows; every name is looked up, as a
string, in ``explorer.language.functions``; anything else is refused with an
``ExpressionError`` that points at the column.

>>> expr = parse("y = x^2 + 2*x + 1")
>>> expr.output, expr.variables, expr.root.op
('y', ('x',), 'add')

NOTE [what the language is]
- numbers (``2``, ``0.5``, ``1e-3``), the constants ``pi`` and ``e``;
- the variables x y z u v w t (whichever appear);
- ``+ - * / **`` and ``^`` for power (``x^2`` is ``x**2``, as on paper);
- calls from ``explorer.language.functions`` spelled as PyTorch spells them: ``sin(x)``,
  ``torch.sin(x)``, ``x.sin()``, ``torch.nn.functional.relu(x)``, ``F.relu(x)``;
- comparisons only as the condition of ``where``;
- an optional output name in front: ``y = ...``, ``f = ...``, ``f(x) = ...``;
- plain ASCII only: a look-alike letter (Cyrillic ``\u0445`` for ``x``, fullwidth ``\uff58``), an invisible
  character or another script's digit is refused with its Unicode name and what to type, never folded.
Arithmetic on numbers alone is done here, in floats, the way Python would do it,
so ``9**9**9**9`` is refused at once as too large rather than computed.
"""

from __future__ import annotations

import ast
import builtins
import difflib
import functools
import keyword
import math
import re
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass

from explorer.errors import ExpressionError
from explorer.language.functions import CONSTANTS, FUNCTIONS, SPELLINGS, Function, resolve

__all__ = [
    "Expression",
    "Term",
    "parse",
    "check_characters",
    "dotted_name",
    "VARIABLES",
    "MAX_LENGTH",
    "MAX_NODES",
    "MAX_DEPTH",
]

VARIABLES: tuple[str, ...] = ("x", "y", "z", "u", "v", "w", "t")
MAX_LENGTH = 2000  # characters of typed text
MAX_NODES = 1000  # Python syntax nodes after parsing
MAX_DEPTH = 400  # nesting of terms
MAX_MAGNITUDE = 1e300  # largest number a constant may fold to
_CLAMP_LIMIT = 3.4028234663852886e38  # float32's largest finite number

_ARITHMETIC = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div", ast.Pow: "pow"}
_COMPARISONS = {ast.Gt: "gt", ast.GtE: "ge", ast.Lt: "lt", ast.LtE: "le"}
_NAMED_CONSTANTS = {f"{m}.{c}": c for m in ("torch", "math") for c in CONSTANTS}
_MODULES = ("torch", "F", "nn", "math", "np", "numpy")
_REFUSED_OPERATORS = {
    ast.FloorDiv: "'//' (floor division) has no useful derivative; use '/'",
    ast.Mod: "'%' is not supported",
    ast.MatMult: "'@' (matrix product) is not supported: the variables are numbers or 1-D ranges",
    ast.BitAnd: "'&' is not supported",
    ast.BitOr: "'|' is not supported",
    ast.LShift: "'<<' is not supported",
    ast.RShift: "'>>' is not supported",
}
_REFUSED_NODES = {
    ast.Lambda: "lambda is not part of the language",
    ast.IfExp: "'... if ... else ...' is not supported; use where(condition, a, b)",
    ast.BoolOp: "'and'/'or' are not supported",
    ast.Subscript: "indexing with [...] is not supported",
    ast.List: "lists are not supported",
    ast.Tuple: "tuples are not supported: separate arguments only inside a call",
    ast.Set: "sets are not supported",
    ast.Dict: "dictionaries are not supported",
    ast.ListComp: "comprehensions are not supported",
    ast.SetComp: "comprehensions are not supported",
    ast.DictComp: "comprehensions are not supported",
    ast.GeneratorExp: "comprehensions are not supported",
    ast.JoinedStr: "text (f-strings) is not part of the language",
    ast.NamedExpr: "':=' is not supported",
    ast.Starred: "'*' unpacking is not supported",
    ast.Await: "'await' is not supported",
    ast.Yield: "'yield' is not supported",
    ast.Slice: "slices are not supported",
}
# Characters people paste from papers and slides, with what to type instead.
_CHARACTER_HINTS = {
    "\u00d7": "*", "\u22c5": "*", "\u00b7": "*", "\u2217": "*", "\u00f7": "/", "\u2212": "-",
    "\u2013": "-", "\u00b2": "**2", "\u00b3": "**3", "\u03c0": "pi", "\u221a": "sqrt(...)",
    "\u2264": "<=", "\u2265": ">=",
}
# Letters and signs from other scripts that look like the ASCII one the language uses. Python's parser
# would take most as names of their own, and NFKC folding (which Python applies to names) is not how a
# reader sees them, so each is refused with the plain character to type.
_LOOKALIKES = dict(zip(
    "\u0445\u0430\u0435\u043e\u0440\u0441\u0443\u0456\u0458\u0455\u0501\u051b\u051d\u04bb\u04cf"  # Cyrillic
    "\u0410\u0412\u0415\u041a\u041c\u041d\u041e\u0420\u0421\u0422\u0425\u0406\u0408\u0405\u04ae"
    "\u051a\u051c"
    "\u03bf\u03bd\u03c5\u03c7\u03b9\u03ba\u03c1\u03b1\u03b5\u03f5"  # Greek
    "\u0391\u0392\u0395\u0396\u0397\u0399\u039a\u039c\u039d\u039f\u03a1\u03a4\u03a5\u03a7"
    "\u0131\u0237\u0251\u0261\u0585\u057d\u0570"  # Latin variants, Armenian
    "\u2010\u2011\u2012\u2014\u2015\u2215\u2044",  # dashes and slashes
    "xaeopcyijsdqwhlABEKMHOPCTXIJSYQWovuxikpaeeABEZHIKMNOPTYXijagouh-----//", strict=True))
_LINE_BREAKS = frozenset("\n\r\x0b\x0c\x85\u2028\u2029")
_MARK = ("a combining mark", "it sits on the character before it: delete it")
_INVISIBLE = {"Cf": ("an invisible character", "delete it"), "Cc": ("a control character", "delete it"),
              "Zs": ("a space that is not a plain space", "type a plain space"), "Mn": _MARK, "Me": _MARK, "Mc": _MARK}
_SIGN_MESSAGES = {"\u2260": "is not supported: a condition is one comparison with <, <=, > or >=, inside where(...)"}
_UNREADABLE = ("Cs", "Co", "Cn")  # lone surrogates, private use, unassigned: never echoed back
_KEYWORD_HINTS = {
    "lambda": "lambda is not part of the language: type the function itself, as in x**2",
    "if": "'if' is not supported; use where(condition, a, b)",
    "else": "'else' is not supported; use where(condition, a, b)",
    "and": "'and'/'or'/'not' are not supported; a condition is one comparison, inside where(...)",
    "or": "'and'/'or'/'not' are not supported; a condition is one comparison, inside where(...)",
    "not": "'and'/'or'/'not' are not supported; a condition is one comparison, inside where(...)",
    "is": "'is' is not supported; a condition is one comparison with <, <=, > or >=",
    "in": "'in' is not supported; a condition is one comparison with <, <=, > or >=",
    "import": "imports are not part of the language: sin(x), torch.sin(x) and F.relu(x) are already there",
    "from": "imports are not part of the language: sin(x), torch.sin(x) and F.relu(x) are already there",
    "for": "loops and comprehensions are not supported: type one function, as in x**2 + 1",
    "while": "loops and comprehensions are not supported: type one function, as in x**2 + 1",
    "await": "'await' is not supported",
    "yield": "'yield' is not supported",
}
_VALUE_WORDS = frozenset({"True", "False", "None"})  # refused later as "not a number", with the column
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_ASCII_HINTS = {
    "'": "quotes are not part of the language: functions take numbers and variables, not text",
    '"': "quotes are not part of the language: functions take numbers and variables, not text",
    "[": "indexing with [...] and lists are not supported",
    "]": "indexing with [...] and lists are not supported",
    ";": "one expression only: ';' is not supported",
    ":": "':' belongs in a range of points (start:stop:count), not in the function",
    "%": "'%' is not supported",
    "@": "'@' (matrix product) is not supported: the variables are numbers or ranges",
    "!": "'!' is not supported (for a factorial, multiply the terms)",
    "!=": "'!=' is not supported: a condition is one comparison with <, <=, > or >=, inside where(...)",
    "|": "'|' is not supported; for an absolute value write abs(x)",
}
_RESERVED_OUTPUTS = frozenset(dir(builtins)) | {"torch", "F", "math", "make_dot", "SQ", "SQFixed"}
_ALLOWED_ASCII = set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 +-*/^().,=<>_")
_PREFIX = re.compile(r"\s*([A-Za-z_]\w{0,30})\s*+(?:\(([^()]*)\)\s*+)?=(?!=)")
# Possessive digits: a long run of digits is read once, not retried at every length (backtracking is quadratic).
_IMPLICIT_PRODUCT = re.compile(
    r"(?<![\w.])((?:\d++(?:\.\d*+)?|\.\d++)(?:[eE][+-]?\d++)?)(?![eE][+-]?\d)([A-Za-z_]\w*|\()", re.ASCII)
# A number Python's tokenizer reads with a keyword's first letters right after it (x.5ifx, torch.1e3or): it
# would print a SyntaxWarning to the server's log for every such visitor, so it is refused before parsing.
_NUMBER_THEN_KEYWORD = re.compile(r"(?:(?<![\w.])[0-9]++(?:\.[0-9]*+)?|\.[0-9]++)(?:[eE][+-]?[0-9]++)?[jJ]?"
                                  r"(?=and|else|for|if|in|is|not|or)", re.ASCII)
_BASE_PREFIXED = re.compile(r"[xX][0-9a-fA-F]+|[oO][0-7]+|[bB][01]+")  # after a 0: 0x1F, 0o7, 0b10
_SHOWN = 40  # characters of typed text a message repeats
# Python's own syntax messages that speak of Python, in the language's words.
_PYTHON_MESSAGES = {
    "leading zeros": "a whole number cannot start with 0: write 7, not 07",
    "assign": "'=' only names the output at the start, as in y = x**2; a condition (inside where) uses <, <=, > or >=",
    "Maybe you meant '=='": "'=' only names the output at the start, as in y = x**2",
    "positional argument follows keyword": "a plain argument cannot follow a named one: write clamp(x, min=0)",
    "invalid decimal literal": "a number runs into letters here: a product needs its *, as in 2*x",
}


@dataclass(frozen=True)
class Term:
    """One node of a parsed expression.

    ``op`` is ``"number"``, ``"variable"``, an operator (``add sub mul div pow
    neg gt ge lt le``) or a function name from ``explorer.language.functions.FUNCTIONS``.
    ``text`` is the subexpression as typed and ``column`` where it starts (1-based).
    """

    op: str
    args: tuple[Term, ...] = ()
    value: float | int | None = None
    name: str = ""
    options: tuple[tuple[str, float | int], ...] = ()
    text: str = ""
    column: int = 1


@dataclass(frozen=True)
class Expression:
    """A typed function, parsed: its output name, variables and term tree."""

    text: str  # as typed, with any "y =" prefix
    body: str  # the function itself, after the prefix
    output: str
    variables: tuple[str, ...]
    root: Term

    def terms(self) -> Iterator[Term]:
        """Every term, each after its arguments (the order PyTorch computes them)."""
        stack: list[tuple[Term, bool]] = [(self.root, False)]
        while stack:
            term, expanded = stack.pop()
            if expanded:
                yield term
                continue
            stack.append((term, True))
            stack.extend((arg, False) for arg in reversed(term.args))


def parse(text: str) -> Expression:
    """Parse typed text into an Expression, or raise ExpressionError saying where and why."""
    if not isinstance(text, str):
        raise ExpressionError("the function must be text")
    return _parse(text)


# one page parses its function several times (the graph, each plot, the player): the Expression is frozen,
# so the same text gets the same object; refusals are not cached (an exception is raised afresh)
@functools.lru_cache(maxsize=256)
def _parse(text: str) -> Expression:
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the function is {len(text)} characters long; the limit is {MAX_LENGTH}")
    check_characters(text)
    if not text.strip():
        raise ExpressionError("type a function, for example x**2 + 2*x + 1")
    output, start = _read_prefix(text)
    _check_words_and_signs(text, start)
    source = _Source(text, start)
    tree = source.parse()
    root = _Converter(source).convert(tree.body)
    variables = tuple(v for v in VARIABLES if any(t.op == "variable" and t.name == v for t in _walk(root)))
    if output in variables:
        # y = x*y would make two tensors called y, and a script that rebinds y before differentiating
        raise ExpressionError(f"'{output}' names the output and is also a variable of the function: pick another "
                              "name, such as f", text.index(output) + 1)
    return Expression(text=text.strip(), body=source.body.strip(), output=output or _default_output(variables),
                      variables=variables, root=root)


def _walk(root: Term) -> Iterator[Term]:
    stack = [root]
    while stack:
        term = stack.pop()
        yield term
        stack.extend(term.args)


def _default_output(variables: tuple[str, ...]) -> str:
    # the lab's habit: y for a function of x, f for anything else (f(u, v) = u*v + u**2)
    return "y" if set(variables) <= {"x"} else "f"


def check_characters(text: str) -> None:
    """Refuse any character outside ASCII, and any control character, with the column and what to type.

    Runs on the raw text, before anything reads it: Python's parser would fold a fullwidth
    ``\uff58`` into ``x`` and a reader could not see a zero-width space, so neither may pass silently.

    >>> try:
    ...     check_characters("x \u0445 2")
    ... except ExpressionError as err:
    ...     print(err.column, err.message)
    3 '\u0445' (U+0445 CYRILLIC SMALL LETTER HA) looks like 'x' but is not: type a plain 'x'
    """
    for index, char in enumerate(text):
        if char in _ALLOWED_ASCII or char == "\t":
            continue
        problem = _character_problem(char)
        if problem:
            raise ExpressionError(problem, index + 1)


def _describe(char: str) -> str:
    name = unicodedata.name(char, "")
    return f"U+{ord(char):04X} {name}" if name else f"U+{ord(char):04X}"


def _character_problem(char: str) -> str | None:
    """What is wrong with one character outside the language's ASCII; None for printable ASCII."""
    if char in _LINE_BREAKS:
        return f"a line break ({_describe(char)}) is here: type it all on one line"
    if " " < char < "\x7f":
        return None  # printable ASCII: the ASCII hints speak about it once the words are checked
    category, described = unicodedata.category(char), _describe(char)
    name = unicodedata.name(char, "")
    if char in _CHARACTER_HINTS:
        return f"'{char}' ({described}) is not typed as such here: write {_CHARACTER_HINTS[char]}"
    if char in _LOOKALIKES:
        plain = _LOOKALIKES[char]
        return f"'{char}' ({described}) looks like '{plain}' but is not: type a plain '{plain}'"
    if category in _INVISIBLE:
        what, action = _INVISIBLE[category]
        return f"{what} ({described}) is here: {action}"
    if category == "Nd":  # a digit of another script, which float() and int() would quietly read
        return f"'{char}' ({described}) is a digit of another script: type the plain digit {unicodedata.digit(char)}"
    if category in _UNREADABLE:
        return f"an unreadable character ({described}) is here: delete it"
    if "SUPERSCRIPT" in name:
        return f"'{char}' ({described}) is a superscript: write a power with **, as in x**2"
    if "SUBSCRIPT" in name:
        return f"'{char}' ({described}) is a subscript: the variables are plain letters, {', '.join(VARIABLES)}"
    plain = unicodedata.normalize("NFKC", char).replace("\u2044", "/")  # the fraction slash of a folded 1/2
    if plain and plain != char and all(c in _ALLOWED_ASCII for c in plain):
        return f"'{char}' ({described}) looks like '{plain}' but is not: type a plain '{plain}'"
    if char in _SIGN_MESSAGES:
        return f"'{char}' ({described}) {_SIGN_MESSAGES[char]}"
    if category in ("Pi", "Pf") or "QUOTATION" in name:
        return _ASCII_HINTS["'"]
    if name.startswith("GREEK"):
        return f"'{char}' ({described}) is not a variable here: the variables are {', '.join(VARIABLES)}"
    return f"'{char}' ({described}) is not part of the language: use plain ASCII letters"


def _check_words_and_signs(text: str, start: int) -> None:
    """Refuse Python's keywords and ASCII signs outside the language; the first one in the text is named."""
    problems = []
    word = next((m for m in _WORD.finditer(text, start)
                 if keyword.iskeyword(m.group()) and m.group() not in _VALUE_WORDS), None)
    if word:
        problems.append((word.start(), _KEYWORD_HINTS.get(
            word.group(), f"'{word.group()}' is a word of Python, not of this language: type one function, as in "
                          "x**2 + 1")))
    sign = next((i for i, char in enumerate(text) if char not in _ALLOWED_ASCII and char != "\t"), None)
    if sign is not None:
        problems.append((sign, _ASCII_HINTS.get(text[sign:sign + 2]) or _ASCII_HINTS.get(text[sign])
                         or f"the character {text[sign]!r} is not part of the language"))
    if problems:
        index, message = min(problems)
        raise ExpressionError(message, index + 1)


def _shown(text: str) -> str:
    """Typed text as a message repeats it: cut short, so a long name cannot fill the page."""
    return text if len(text) <= _SHOWN else f"{text[:_SHOWN]}..."


def _dunder(name: str) -> bool:
    return len(name) > 4 and name.startswith("__") and name.endswith("__")


def _read_prefix(text: str) -> tuple[str, int]:
    match = _PREFIX.match(text)
    if not match:
        return "", 0
    name, params = match.group(1), match.group(2)
    if name in SPELLINGS or name in CONSTANTS or name in _MODULES:
        raise ExpressionError(f"'{name}' is a function or constant and cannot name the output", match.start(1) + 1)
    if keyword.iskeyword(name) or name in _RESERVED_OUTPUTS or _dunder(name):
        # the downloadable script assigns the output to this name, next to Python's own words (and a dunder is
        # Python's: __builtins__ rebound in a notebook's namespace breaks every cell after it)
        raise ExpressionError(f"'{name}' is a word Python or the script already uses: name the output y or f",
                              match.start(1) + 1)
    if params is not None:
        for param in (p.strip() for p in params.split(",")):
            if not param:
                raise ExpressionError(f"name the variables inside {name}(...), as in {name}(x) or {name}(u, v)",
                                      match.start(2) + 1)
            if param not in VARIABLES:
                column = match.start(2) + 1
                raise ExpressionError(f"'{_shown(param)}' in {name}(...) must be one of the variables "
                                      f"{', '.join(VARIABLES)}", column)
    return name, match.end()


class _Source:
    """The function body, rewritten for Python's parser, with a map back to typed columns."""

    def __init__(self, text: str, start: int) -> None:
        self.text = text
        pieces, columns = [], []
        for index in range(start, len(text)):
            char = text[index]
            replacement = "**" if char == "^" else char
            pieces.append(replacement)
            columns.extend([index + 1] * len(replacement))
        body = "".join(pieces)
        lead = len(body) - len(body.lstrip())  # Python's parser refuses leading spaces
        self.body = body[lead:]
        self.columns = columns[lead:] + [len(text) + 1]

    def column(self, offset: int | None) -> int:
        """The typed column (1-based) of a 0-based offset into the rewritten body."""
        if offset is None:
            return 1
        return self.columns[max(0, min(offset, len(self.columns) - 1))]

    def segment(self, node: ast.expr) -> str:
        start = self.column(node.col_offset) - 1
        end = self.column(None if node.end_col_offset is None else node.end_col_offset - 1)
        return self.text[start:end].strip()

    def parse(self) -> ast.Expression:
        if not self.body.strip():
            raise ExpressionError("nothing after '=': type the function", self.column(len(self.body)))
        match = _IMPLICIT_PRODUCT.search(self.body)
        if match and match.group(2) in ("j", "J"):
            raise ExpressionError("complex numbers (like 1j) are not supported", self.column(match.start(1)))
        if match and match.group(1) == "0" and _BASE_PREFIXED.fullmatch(match.group(2)):
            raise ExpressionError("numbers are written in decimal here: 0x, 0o and 0b numbers are not supported",
                                  self.column(match.start(1)))
        if match:
            number, after = match.group(1), match.group(2)
            raise ExpressionError(f"a product needs its *: write {_shown(number)}*{_shown(after)} here",
                                  self.column(match.start(2)))
        glued = _NUMBER_THEN_KEYWORD.search(self.body)
        if glued:
            raise ExpressionError("a number runs into a word here: a product needs its *, as in 2*x",
                                  self.column(glued.end()))
        try:
            return ast.parse(self.body, mode="eval")
        except SyntaxError as err:
            if not err.offset:  # Python points past the end: the text stops mid-expression
                raise ExpressionError("the function ends too early: something is missing at the end",
                                      len(self.text.rstrip()) + 1) from None
            raise ExpressionError(self._syntax_message(err), self._syntax_column(err)) from None
        except (RecursionError, MemoryError, ValueError):
            raise ExpressionError("the function is nested too deeply to read") from None

    def _syntax_column(self, err: SyntaxError) -> int:
        return self.column((err.offset or 1) - 1)

    def _syntax_message(self, err: SyntaxError) -> str:
        message = err.msg or "invalid syntax"
        at = (err.offset or 1) - 1
        side_by_side = self._side_by_side(at)
        if side_by_side and message.startswith("invalid syntax"):
            return side_by_side
        if self.body[at:at + 1] == "=" and self.body[at:at + 2] != "==":
            return _PYTHON_MESSAGES["Maybe you meant '=='"]
        if "never closed" in message or "unexpected EOF" in message:
            return "a bracket is opened here and never closed"
        if "unmatched" in message or "does not match" in message:
            return "this bracket has no partner"
        if "too many nested" in message:
            return "too many nested brackets"
        if message.startswith("invalid syntax"):
            return "cannot read the function from here on (a missing operand or operator?)"
        for fragment, plain in _PYTHON_MESSAGES.items():
            if fragment in message:
                return plain
        return message

    def _side_by_side(self, offset: int) -> str:
        """The hint for two terms with only spaces between them (x y, sin x), or ''."""
        before = self.body[:offset].rstrip()
        after = self.body[offset:offset + 1]
        if not before or not (after.isalnum() or after in "_(.") or not (before[-1].isalnum() or before[-1] in "_)"):
            return ""
        word = re.search(r"[A-Za-z_][\w.]*$", before)
        if word and word.group() in SPELLINGS:
            return f"{word.group()} is a function: call it with brackets, as in {word.group()}(x)"
        return "two terms stand side by side: a product needs its *, as in 2*x or x*y"


class _Converter:
    """Turns Python's syntax tree into Terms, without recursion, refusing what is not allowed."""

    def __init__(self, source: _Source) -> None:
        self.source = source

    def fail(self, message: str, node: ast.AST) -> ExpressionError:
        return ExpressionError(message, self.source.column(getattr(node, "col_offset", None)))

    def convert(self, root: ast.expr) -> Term:
        nodes = sum(1 for _ in ast.walk(root))
        if nodes > MAX_NODES:
            raise ExpressionError(f"the function has {nodes} parts; the limit is {MAX_NODES}")
        done: dict[ast.expr, tuple[Term, int]] = {}
        stack: list[tuple[ast.expr, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            children = self.children(node)
            if not expanded:
                stack.append((node, True))
                stack.extend((child, False) for child in reversed(children))
                continue
            terms = [done[child][0] for child in children]
            depth = 1 + max((done[child][1] for child in children), default=0)
            if depth > MAX_DEPTH:
                raise self.fail(f"the function is nested more than {MAX_DEPTH} deep", node)
            done[node] = (self.build(node, terms), depth)
        term = done[root][0]
        self.refuse_stray_comparisons(term)
        return term

    # -- what each node is made of ---------------------------------------------------------

    def children(self, node: ast.expr) -> list[ast.expr]:
        if isinstance(node, ast.BinOp):
            return [node.left, node.right]
        if isinstance(node, ast.UnaryOp):
            return [node.operand]
        if isinstance(node, ast.Compare):
            return [node.left, *node.comparators]
        if isinstance(node, ast.Call):
            _, positional, keywords = self.call_parts(node)
            return [*positional, *(value for _, value in keywords)]
        if isinstance(node, ast.Constant | ast.Name | ast.Attribute):
            return []
        raise self.fail(_REFUSED_NODES.get(type(node), f"{type(node).__name__} is not part of the language"), node)

    def build(self, node: ast.expr, args: list[Term]) -> Term:
        text, column = self.source.segment(node), self.source.column(node.col_offset)
        if isinstance(node, ast.Constant):
            return Term("number", value=self.number(node), text=text, column=column)
        if isinstance(node, ast.Name):
            return self.name(node, text, column)
        if isinstance(node, ast.Attribute):
            return self.attribute(node, text, column)
        if isinstance(node, ast.BinOp):
            op = _ARITHMETIC.get(type(node.op))
            if op is None:
                raise self.fail(_REFUSED_OPERATORS.get(type(node.op), "this operator is not supported"), node)
            return self.arithmetic(op, args, text, column, node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, ast.UAdd):
                return args[0]
            if not isinstance(node.op, ast.USub):
                raise self.fail("only '-' and '+' may stand in front of a term", node)
            return self.arithmetic("neg", args, text, column, node)
        if isinstance(node, ast.Compare):
            if len(node.ops) != 1 or type(node.ops[0]) not in _COMPARISONS:
                raise self.fail("a condition is one comparison with <, <=, > or >=", node)
            return Term(_COMPARISONS[type(node.ops[0])], tuple(args), text=text, column=column)
        if isinstance(node, ast.Call):
            return self.call(node, args, text, column)
        raise self.fail(f"{type(node).__name__} is not part of the language", node)  # children() refused it first

    # -- leaves ------------------------------------------------------------------------------

    def number(self, node: ast.Constant) -> float | int:
        value = node.value
        if value is Ellipsis:
            raise self.fail("'...' is not part of the language", node)
        if isinstance(value, bool) or value is None:
            raise self.fail(f"{value} is not a number", node)
        if isinstance(value, complex):
            raise self.fail("complex numbers are not supported", node)
        if isinstance(value, str | bytes):
            raise self.fail("text in quotes is not part of the language", node)
        # an int is compared as an int: float() or isfinite() of a 400-digit literal raises rather than answers
        if isinstance(value, int) and abs(value) > MAX_MAGNITUDE or not isinstance(value, int | float) \
                or not math.isfinite(value) or abs(value) > MAX_MAGNITUDE:
            raise self.fail(f"this number is too large (the limit is {MAX_MAGNITUDE:g})".replace("+", ""), node)
        if isinstance(value, int) and abs(value) > 2**53:
            value = float(value)
        return value

    def name(self, node: ast.Name, text: str, column: int) -> Term:
        name = node.id
        if name in VARIABLES:
            return Term("variable", name=name, text=text, column=column)
        if name in CONSTANTS:
            return Term("number", value=CONSTANTS[name], name=name, text=text, column=column)
        if name in SPELLINGS:
            raise self.fail(f"{name} is a function: call it, as in {name}(x)", node)
        raise self.fail(_unknown_name(name), node)

    def attribute(self, node: ast.Attribute, text: str, column: int) -> Term:
        dotted = dotted_name(node)
        if dotted in _NAMED_CONSTANTS:
            name = _NAMED_CONSTANTS[dotted]
            return Term("number", value=CONSTANTS[name], name=name, text=text, column=column)
        shown = _shown(dotted or f".{node.attr}")
        raise self.fail(f"'{shown}' cannot be read here: the language has calls like x.exp(), "
                        "not attributes", node)

    # -- operators ---------------------------------------------------------------------------

    def arithmetic(self, op: str, args: list[Term], text: str, column: int, node: ast.AST) -> Term:
        if all(arg.op == "number" for arg in args):
            value = _fold(op, [_number(arg) for arg in args])
            if value is None:
                raise self.fail(f"'{_shown(text)}' is not a finite real number (too large, or complex)", node)
            return Term("number", value=value, text=text, column=column)
        return Term(op, tuple(args), text=text, column=column)

    def refuse_stray_comparisons(self, root: Term) -> None:
        stack = [(root, False)]
        while stack:
            term, is_condition = stack.pop()
            if term.op in _COMPARISONS.values() and not is_condition:
                raise ExpressionError("a comparison is only allowed as the condition of where(...)",
                                      term.column)
            stack.extend((arg, term.op == "where" and i == 0) for i, arg in enumerate(term.args))

    # -- calls -------------------------------------------------------------------------------

    def call_parts(self, node: ast.Call) -> tuple[Function, list[ast.expr], list[tuple[str, ast.expr]]]:
        """The Function a call names, its positional arguments (receiver first) and keywords."""
        function, receiver = self.callee(node.func)
        positional = ([receiver] if receiver is not None else []) + list(node.args)
        if function.name in ("max", "min") and len(positional) == 2 and dotted_name(node.func) != function.name \
                and isinstance(positional[1], ast.Constant):
            # PyTorch reads torch.max(x, 1) and x.max(1) as "along dimension 1": refuse rather than differ
            raise self.fail(f"in PyTorch, {function.name} with a number second means 'along that dimension'; "
                            f"for the elementwise {function.name} write {function.name}(x, 1), or clamp(x, "
                            f"{'min' if function.name == 'max' else 'max'}=1)", node)
        keywords = []
        for given in node.keywords:
            if given.arg is None:
                raise self.fail("'**' unpacking is not supported", given)
            if given.arg not in function.options:
                allowed = ", ".join(function.options) or "none"
                raise self.fail(f"{function.name}() takes no keyword '{_shown(given.arg)}' (allowed: {allowed})",
                                given)
            keywords.append((given.arg, given.value))
        low, high = function.arity
        count = len(positional) + len(keywords)
        if not low <= count <= high:
            wanted = str(low) if low == high else f"{low} to {high}"
            raise self.fail(f"{function.name}() takes {wanted} argument{'s' if high > 1 else ''}, "
                            f"not {count}", node)
        return function, positional, keywords

    def callee(self, func: ast.expr) -> tuple[Function, ast.expr | None]:
        """The Function a call's head names, and the receiver of a method call (x in x.exp())."""
        dotted = dotted_name(func)
        if dotted:
            function = resolve(dotted)
            if function is not None:
                return function, None
            root = dotted.split(".")[0]
            if dotted in VARIABLES or dotted in CONSTANTS:
                raise self.fail(f"{dotted} is a {'variable' if dotted in VARIABLES else 'constant'}, not a "
                                f"function: a product needs its *, as in {dotted}*(...)", func)
            if root in _MODULES or "." not in dotted:
                raise self.fail(_unknown_function(dotted), func)
        if isinstance(func, ast.Attribute):
            function = FUNCTIONS.get(func.attr)
            if function is None or not function.method:
                raise self.fail(f"'.{_shown(func.attr)}()' is not an allowed method; try one of "
                                ".exp() .sin() .relu() .sum() .pow(2)", func)
            return function, func.value
        raise self.fail("a '*' is missing before '(': write (...)*(...)", func)

    def call(self, node: ast.Call, args: list[Term], text: str, column: int) -> Term:
        function, positional, keywords = self.call_parts(node)
        values = args[: len(positional)]
        options = list(zip([k for k, _ in keywords], args[len(positional):], strict=True))
        if function.name == "clamp":
            return self.clamp(node, values, options, text, column)
        if function.name == "where" and values[0].op not in _COMPARISONS.values():
            raise self.fail("the condition of where(...) is a comparison, such as x > 0", node.args[0]
                            if node.args else node)
        if function.name == "pow" and all(v.op == "number" for v in values):
            return self.arithmetic("pow", values, text, column, node)
        return Term(function.name, tuple(values), text=text, column=column)

    def clamp(self, node: ast.Call, values: list[Term], options: list[tuple[str, Term]],
              text: str, column: int) -> Term:
        bounds = dict(zip(("min", "max"), values[1:], strict=False))
        for key, term in options:
            if key in bounds:
                raise self.fail(f"clamp() got '{key}' twice", node)
            bounds[key] = term
        if not bounds:
            raise self.fail("clamp() needs a min, a max or both, as in clamp(x, min=0)", node)
        for key, term in bounds.items():
            if term.op != "number":
                raise ExpressionError(f"clamp's {key} must be a number", term.column)
            if abs(_number(term)) > _CLAMP_LIMIT:
                # PyTorch raises (not returns inf) for a float32 clamp bound past float32's range
                raise ExpressionError(f"clamp's {key} must lie within float32's range, -3.4e38 to 3.4e38",
                                      term.column)
        settled = tuple((key, _number(bounds[key])) for key in ("min", "max") if key in bounds)
        return Term("clamp", (values[0],), options=settled, text=text, column=column)


def dotted_name(node: ast.AST) -> str:
    """'torch.nn.functional.relu' for a chain of plain names, '' for anything else."""
    parts = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return ""
    parts.append(node.id)
    return ".".join(reversed(parts))


def _number(term: Term) -> float | int:
    """The value of a ``"number"`` term; every number term the parser makes has one."""
    if term.value is None:
        raise TypeError(f"the {term.op} term {term.text!r} has no value")
    return term.value


def _fold(op: str, values: list[float | int]) -> float | int | None:
    """Python's arithmetic on plain numbers, refusing results that are not finite reals."""
    a = values[0]
    b = values[1] if len(values) > 1 else None
    try:
        fa, fb = float(a), float(b) if b is not None else 0.0
        result = {
            "add": lambda: fa + fb,
            "sub": lambda: fa - fb,
            "mul": lambda: fa * fb,
            "div": lambda: fa / fb,
            "pow": lambda: fa**fb,
            "neg": lambda: -fa,
        }[op]()
    except (OverflowError, ZeroDivisionError):
        return None
    if isinstance(result, complex) or not math.isfinite(result) or abs(result) > MAX_MAGNITUDE:
        return None
    integral = isinstance(a, int) and (b is None or isinstance(b, int)) and op != "div"
    if integral and float(result).is_integer() and abs(result) <= 2**53 and not (op == "pow" and fb < 0):
        return int(result)
    return result


def _unknown_name(name: str) -> str:
    if len(name) == 1:
        return f"unknown variable '{name}': the variables are {', '.join(VARIABLES)}"
    if name in _MODULES:
        return f"'{name}' alone is not a value: call a function, as in {name}.sin(x)"
    close = difflib.get_close_matches(name, [*SPELLINGS, *CONSTANTS], n=1) if len(name) <= _SHOWN else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"unknown name '{_shown(name)}'{hint}"


def _unknown_function(dotted: str) -> str:
    last = dotted.rsplit(".", 1)[-1]
    function = FUNCTIONS.get(last)
    if function is not None:
        spellings = sorted(s for s, n in SPELLINGS.items() if n == function.name and "." in s)
        return f"PyTorch has no {dotted}; write {last}(x) or {spellings[0]}(x)"
    close = difflib.get_close_matches(last, list(FUNCTIONS), n=1) if len(last) <= _SHOWN else []
    hint = f" (did you mean {close[0]}?)" if close else ""
    return f"{_shown(dotted)}() is not available here{hint}; the functions are {', '.join(FUNCTIONS)}"
