"""Decks: a teacher's lesson as an ordered list of slides, in a link or a file, read under bounds.

A slide is a page the explorer can show, as a link carries it (a function and
its points, or a program and its step; the plot's range, the view, the
player's step), with a title, notes in Markdown and optionally a question. The
question says what is asked (a variable's grad, the output's value, a tensor's
grad_fn, how many times a leaf is used), never the answer: autograd computes
that from the slide's own run (``explorer.model.questions``).

A deck is visitor input, from a link (``decode``) or a file (``read_deck``):
every field is checked for its type and size, unknown fields are refused, and
anything refused raises ``ExpressionError`` with a message that says which
slide and field, so the page can say it and go on. Nothing in a deck is run
here: a slide's function or program is checked like typed text when it runs.

The shipped decks are the files in the repository's ``decks/`` folder, the lab's
lessons first (``explorer.content.lessons`` reads them from ``lab.json``).

>>> deck = Deck("Chain rule", (Slide(title="Square", function="y = x ** 2", points=(("x", "3"),)),))
>>> decode(encode(deck)) == deck
True
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from explorer.content.pitfalls import PITFALLS
from explorer.errors import ExpressionError
from explorer.language.expression import MAX_LENGTH, VARIABLES
from explorer.language.points import Range, read_point
from explorer.language.program import LIMITS
from explorer.language.program_link import encode as pack
from explorer.language.program_link import unpack

__all__ = ["safe_links", "ASKS", "Deck", "Slide", "Question", "MAX_SLIDES", "MAX_FILE", "MAX_LINK", "SHIPPED", "encode",
           "decode", "to_json", "from_json", "read_deck", "shipped_decks", "deck_file"]

MAX_SLIDES = 100  # a term's lectures, not a book
MAX_FILE = 500_000  # characters of a deck file: a hundred slides with notes and a few programs
MAX_LINK = 7_000  # characters of the compressed deck in a link; past it, the deck travels as a file
MAX_TITLE = 200
MAX_NOTES = 5_000
MAX_NESTING = 4  # a deck nests 4 deep at most (deck, slides, slide, question); JSON past that is refused unread
FORMAT = "autograd-explorer-deck"
SHIPPED = Path(__file__).resolve().parents[2] / "decks"

# the question's kinds: what the page's run gives the answer from (explorer.model.questions)
ASKS = {
    "grad": "a variable's grad after backward()",
    "value": "the output's value",
    "grad_fn": "the name of a tensor's grad_fn (None for a leaf)",
    "uses": "how many times a leaf is used (the gradients its AccumulateGrad adds up)",
}
# as explorer.model.state and explorer.model.exploration have them (tests/test_decks.py holds them equal)
VIEWS = ("explorer", "torchviz")
DTYPES = ("float32", "float64")
DEVICES = ("cpu", "cuda", "mps")
FURTHER = ("second", "hessian", "derivative-graph", "forward", "symbols", "pitfalls")  # state.DEEPER_VIEWS' keys
_NODE = re.compile(r"[tn][0-9]{1,6}(\.s[0-9]{1,4})?")
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,39}")
_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,39}")


@dataclass(frozen=True)
class Question:
    """What a slide asks: ``asks`` one of ``ASKS``, ``of`` the variable or tensor it is about (its label)."""

    asks: str = "grad"
    of: str = "x"
    prompt: str = ""  # empty: the page words it from ``asks`` and ``of``
    hint: str = ""
    worked: str = ""  # the worked answer; ``{x.grad}`` names a number autograd fills in

    @property
    def variable(self) -> str:
        return self.of

    def wording(self) -> str:
        """The question as the student reads it."""
        if self.prompt:
            return self.prompt
        return {"grad": f"What is {self.of}.grad after backward()?", "value": f"What is the value of {self.of}?",
                "grad_fn": f"What is {self.of}.grad_fn? (its name, or None)",
                "uses": f"How many times is {self.of} used (how many gradients reach it)?"}[self.asks]


@dataclass(frozen=True)
class Slide:
    """One slide: a page (function or program mode, as a link holds it), a title, notes and a question."""

    title: str = ""
    notes: str = ""  # Markdown; rendered without raw HTML
    mode: str = "function"
    function: str = "y = x ** 2"
    points: tuple[tuple[str, str], ...] = ()
    window: str = "-10:10:401"
    device: str = "cpu"
    dtype: str = "float32"
    view: str = "explorer"
    node: str = ""
    step: int = 0  # the backward player's step
    program: str = ""
    pstep: int = 0  # program mode's step
    question: Question | None = None
    key: str = ""  # a lesson's key (the lab's lessons open by it in a link: ``lesson=relu``)
    compare: tuple[str, ...] = ()  # functions run beside this one (the lab's SQ lesson)
    further: str = ""  # the deeper view open below the page ("Go further"), as a link's further= has it
    pitfall: str = ""  # the pitfall shown, where further is "pitfalls"

    @property
    def explanation(self) -> str:
        """The notes, under the name the lab's lessons gave them."""
        return self.notes


@dataclass(frozen=True)
class Deck:
    title: str
    slides: tuple[Slide, ...] = field(default=())


# -- writing


def to_json(deck: Deck) -> dict[str, Any]:
    """The deck as plain JSON values, leaving out what equals a slide's default."""
    default = Slide()
    slides = []
    for slide in deck.slides:
        item: dict[str, Any] = {}
        for each in fields(Slide):
            value = getattr(slide, each.name)
            always = each.name == "title" or (each.name == "function" and slide.mode == "function")
            if value == getattr(default, each.name) and not always:
                continue
            if each.name == "points":
                value = dict(value)
            elif each.name == "compare":
                value = list(value)
            elif each.name == "question":
                value = {k.name: getattr(value, k.name) for k in fields(Question)
                         if getattr(value, k.name) != getattr(Question(), k.name) or k.name in ("asks", "of")}
            item[each.name] = value
        slides.append(item)
    return {"format": FORMAT, "version": 1, "title": deck.title, "slides": slides}


def deck_file(deck: Deck) -> str:
    """The deck as a file's text (JSON, UTF-8)."""
    return json.dumps(to_json(deck), indent=1, ensure_ascii=False) + "\n"


def encode(deck: Deck) -> str:
    """The deck for a link: its JSON compressed (as a program's link is), base64url."""
    return pack(json.dumps(to_json(deck), separators=(",", ":"), ensure_ascii=False))


def decode(text: str) -> Deck:
    """The deck a link carries; raises ExpressionError, with a message, for anything refused."""
    return from_text(unpack(text, "deck", MAX_LINK, MAX_FILE, "a deck may have"))


def read_deck(data: bytes) -> Deck:
    """A deck file's bytes as a deck; raises ExpressionError for anything refused."""
    if len(data) > 4 * MAX_FILE:
        raise ExpressionError(f"the deck file is larger than {4 * MAX_FILE:,} bytes")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise ExpressionError(f"the deck file is not UTF-8 text (byte {err.start + 1} is not)") from None
    if len(text) > MAX_FILE:
        raise ExpressionError(f"the deck file is longer than the {MAX_FILE:,} characters a deck may have")
    return from_text(text)


def from_text(text: str) -> Deck:
    _check_nesting(text)
    try:
        value = json.loads(text, object_pairs_hook=_no_repeats, parse_constant=_no_constant)
    except (ValueError, RecursionError) as err:
        message = err.msg if isinstance(err, json.JSONDecodeError) else str(err)
        raise ExpressionError(f"the deck is not JSON: {message[:100]}") from None
    return from_json(value)


def _check_nesting(text: str) -> None:
    """Refuse JSON nested deeper than a deck ever is, before parsing it (no recursion limit is reached)."""
    depth, in_string, escaped = 0, False, False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > MAX_NESTING:
                raise ExpressionError(f"the deck nests deeper than a deck does ({MAX_NESTING} levels)")
        elif char in "]}":
            depth -= 1


def _no_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    names = [name for name, _ in pairs]
    repeated = {name for name in names if names.count(name) > 1}
    if repeated:
        raise ExpressionError(f"the deck gives {sorted(repeated)[0][:40]!r} twice in one place")
    return dict(pairs)


def _no_constant(name: str) -> None:
    raise ExpressionError(f"the deck holds {name}, which is not JSON")


# -- reading, field by field


def from_json(value: object) -> Deck:
    """A deck from parsed JSON, every field checked; raises ExpressionError naming the first refused."""
    top = _object(value, "the deck", {"format", "version", "title", "slides"})
    if top.get("format") != FORMAT or top.get("version") != 1:
        raise ExpressionError(f'the deck\'s "format" must be "{FORMAT}" and its "version" 1')
    title = _text(top.get("title", ""), "the deck's title", MAX_TITLE)
    slides = top.get("slides")
    if not isinstance(slides, list) or not slides:
        raise ExpressionError('the deck\'s "slides" must be a list of at least one slide')
    if len(slides) > MAX_SLIDES:
        raise ExpressionError(f"the deck has {len(slides):,} slides; a deck has at most {MAX_SLIDES}")
    return Deck(title, tuple(_slide(item, f"slide {n}") for n, item in enumerate(slides, 1)))


def _slide(value: object, where: str) -> Slide:
    item = _object(value, where, {each.name for each in fields(Slide)})
    default = Slide()
    read: dict[str, Callable[[object, str], Any]] = {
        "title": lambda v, w: _text(v, w, MAX_TITLE),
        "notes": lambda v, w: _text(v, w, MAX_NOTES, lines=True),
        "mode": lambda v, w: _choice(v, w, ("function", "program")),
        "function": lambda v, w: _text(v, w, MAX_LENGTH),
        "points": _points,
        "window": _window,
        "device": lambda v, w: _choice(v, w, DEVICES),
        "dtype": lambda v, w: _choice(v, w, DTYPES),
        "view": lambda v, w: _choice(v, w, VIEWS),
        "node": lambda v, w: _pattern(v, w, _NODE, "a node is named like t3 or n0.s1", empty=True),
        "step": lambda v, w: _whole(v, w, 9_999),
        "program": lambda v, w: _text(v, w, LIMITS.characters, lines=True),
        "pstep": lambda v, w: _whole(v, w, 99_999),
        "question": _question,
        "key": lambda v, w: _pattern(v, w, _KEY, "a key is lowercase letters, digits and -", empty=True),
        "compare": _compare,
        "further": lambda v, w: _choice(v, w, ("", *FURTHER)),
        "pitfall": lambda v, w: _choice(v, w, ("", *(pitfall.key for pitfall in PITFALLS))),
    }
    values = {name: read[name](raw, f"{where}'s {name}") for name, raw in item.items()}
    slide = Slide(**{**{each.name: getattr(default, each.name) for each in fields(Slide)}, **values})
    if slide.mode == "program" and not slide.program.strip():
        raise ExpressionError(f"{where} is in program mode but has no program")
    if slide.pitfall and slide.further != "pitfalls":
        raise ExpressionError(f"{where} names a pitfall but does not open the pitfalls (further: pitfalls)")
    if slide.mode == "program" and slide.question is not None:
        raise ExpressionError(f"{where}: a question is asked on a function slide, not a program's")
    return slide


def _object(value: object, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ExpressionError(f"{where} must be a JSON object, not {_kind(value)}")
    unknown = sorted(set(value) - allowed)
    if unknown:
        raise ExpressionError(f"{where} has a field this explorer does not know: {unknown[0][:40]!r}")
    return value


def _kind(value: object) -> str:
    return {dict: "an object", list: "a list", str: "text", bool: "true or false", int: "a number",
            float: "a number"}.get(type(value), "null")


def _text(value: object, where: str, limit: int, lines: bool = False) -> str:
    if not isinstance(value, str):
        raise ExpressionError(f"{where} must be text, not {_kind(value)}")
    if len(value) > limit:
        raise ExpressionError(f"{where} is longer than the {limit:,} characters it may have")
    allowed = "\n\t" if lines else ""
    if any(not char.isprintable() and char not in allowed for char in value):
        raise ExpressionError(f"{where} holds a control character")
    return value


def _choice(value: object, where: str, choices: tuple[str, ...]) -> str:
    if value not in choices or not isinstance(value, str):
        raise ExpressionError(f"{where} must be one of {', '.join(choices)}")
    return value


def _pattern(value: object, where: str, pattern: re.Pattern[str], reason: str, empty: bool = False) -> str:
    if not isinstance(value, str) or not (pattern.fullmatch(value) or (empty and value == "")):
        raise ExpressionError(f"{where} was refused: {reason}")
    return value


def _whole(value: object, where: str, most: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= most:
        raise ExpressionError(f"{where} must be a whole number from 0 to {most:,}")
    return value


def _points(value: object, where: str) -> tuple[tuple[str, str], ...]:
    item = _object(value, where, set(VARIABLES))
    points = []
    for variable, typed in sorted(item.items()):
        text = _text(typed, f"{where} of {variable}", MAX_LENGTH)
        read_point(text, variable)  # an ExpressionError says what is wrong with it
        points.append((variable, text.strip()))
    return tuple(points)


def _window(value: object, where: str) -> str:
    text = _text(value, where, MAX_LENGTH)
    if not isinstance(read_point(text, "the plot"), Range):
        raise ExpressionError(f"{where} is start:stop:count, as in -10:10:401")
    return text


def _compare(value: object, where: str) -> tuple[str, ...]:
    if not isinstance(value, list) or len(value) > 4:
        raise ExpressionError(f"{where} must be a list of at most 4 functions")
    return tuple(_text(each, where, MAX_LENGTH) for each in value)


def _question(value: object, where: str) -> Question:
    item = _object(value, where, {each.name for each in fields(Question)})
    asks = _choice(item.get("asks", "grad"), f"{where}'s asks", tuple(ASKS))
    of = _pattern(item.get("of", "x"), f"{where}'s of", _NAME, "it names a variable or tensor, like x or y")
    if asks in ("grad", "uses") and of not in VARIABLES:
        raise ExpressionError(f"{where}'s of must be a variable ({', '.join(VARIABLES)}) for {asks}")
    texts = {name: _text(item.get(name, ""), f"{where}'s {name}", MAX_NOTES if name == "worked" else MAX_TITLE * 2)
             for name in ("prompt", "hint", "worked")}
    return Question(asks, of, **texts)


# -- the decks shipped in decks/


def shipped_decks(folder: Path = SHIPPED) -> dict[str, Deck]:
    """The decks in ``folder`` by file name (without .json), the lab's first; a file refused is left out."""
    decks = {}
    paths = sorted(folder.glob("*.json"), key=lambda p: (p.stem != "lab", p.stem))
    for path in paths[:MAX_SLIDES]:
        try:
            decks[path.stem] = read_deck(path.read_bytes())
        except (ExpressionError, OSError):
            continue  # a host's broken file leaves the others listed; tests/test_decks.py reads every shipped one
    return decks


# -- notes as Markdown: links only to the web

_INLINE = re.compile(r"(!?)\[([^\[\]\n]*)\]\(((?:[^()\n]|\([^()\n]*\))*)\)")
_OPENER = re.compile(r"\]\((?![ \t]*<?https?://)", re.I)  # a link's "](" before anything but a web address
_REFERENCE = re.compile(r"^ {0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]*)>?.*$", re.M)
_AUTOLINK = re.compile(r"<([A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\s]*)>")
_WEB = re.compile(r"https?://", re.I)


def safe_links(text: str) -> str:
    """Markdown whose links and images all point at http(s) addresses: any other (``javascript:``, ``data:``, a
    relative path) becomes its plain text. Raw HTML is left to Streamlit, which shows it as text.

    >>> safe_links("[ok](https://pytorch.org) [bad](javascript:alert(1)) <data:text/html,x>")
    '[ok](https://pytorch.org) bad data:text/html,x'
    """
    def inline(found: re.Match[str]) -> str:
        image, label, target = found.groups()
        return found.group(0) if _WEB.match(target.strip().lstrip("<")) else label

    text = _INLINE.sub(inline, text)
    text = _REFERENCE.sub(lambda found: found.group(0) if _WEB.match(found.group(1)) else "", text)
    text = _AUTOLINK.sub(lambda found: found.group(0) if _WEB.match(found.group(1)) else found.group(1), text)
    return _OPENER.sub("] (", text)  # what the patterns above missed (nested brackets) is no link at all
