"""Results as plain JSON text, and back: how pages cross from a worker process to the app.

A worker runs a visitor's function in its own process (``explorer.serve.pool``) and
sends the page back as JSON text: numbers, strings, lists and objects. The app
turns that text back into the same frozen dataclasses it would have built itself.
Nothing is unpickled, so a worker can never hand the app an object that runs code
when it is loaded, and only the explorer's own result classes can be built: a
class name from the text is looked up in ``KINDS``, never imported.

>>> from explorer.language.points import Range
>>> text = dumps({"x": (Range(-1.0, 1.0, 3), float("nan"))})
>>> loads(text)
{'x': (Range(start=-1.0, stop=1.0, count=3), nan)}

NOTE [the encoding]
A dataclass is ``{"@": name, "f": {field: value}}``, a tuple ``{"@t": [...]}``, a
dict ``{"@d": [[key, value], ...]}`` (keys need not be strings), lists and
scalars are themselves. NaN and infinities use JSON's common extension
(``NaN``, ``Infinity``), which Python's json reads back exactly. A list whose items
are all numbers or strings (a figure's coordinates) is taken as it is, without a
walk over its items. A dataclass met again (the same object: a page's graph is
both its exploration's and its player's) is ``{"@r": n}``, the n-th dataclass
begun in the text, and comes back as that same object: the app reads every
answer in the one process that serves every visitor, so it reads each part once.

>>> from explorer.language.points import Range
>>> shared = Range(0.0, 1.0, 2)
>>> back = loads(dumps((shared, shared)))
>>> back[0] is back[1], dumps((shared, shared)).count("Range")
(True, 1)
"""

from __future__ import annotations

import dataclasses
import json
from types import ModuleType
from typing import Any

from explorer.content import pitfalls
from explorer.language import functions, points
from explorer.model import (
    derivatives,
    exploration,
    folding,
    graph,
    page,
    playback,
    plot,
    program_page,
    program_run,
    questions,
    state,
    symbolic,
)

__all__ = ["KINDS", "dumps", "kinds", "loads"]


def kinds(modules: tuple[ModuleType, ...]) -> dict[str, type]:
    """Every public frozen dataclass defined in ``modules``, by class name; two classes of one name are an error."""
    found: dict[str, type] = {}
    for module in modules:
        for cls in vars(module).values():
            # the ignore: typeshed declares a dataclass's __dataclass_fields__, not the __dataclass_params__ it also has
            if not (isinstance(cls, type) and dataclasses.is_dataclass(cls) and cls.__module__ == module.__name__
                    and cls.__dataclass_params__.frozen and not cls.__name__.startswith("_")):  # type: ignore[attr-defined]
                continue
            if found.setdefault(cls.__name__, cls) is not cls:
                raise TypeError(f"two result classes are named {cls.__name__}: {found[cls.__name__].__module__} "
                                f"and {module.__name__}; the JSON names a class by its name alone")
    return found


# every frozen result class of the core, by name: the only classes text can name
KINDS: dict[str, type] = kinds((derivatives, exploration, folding, graph, page, playback, plot, program_page,
                                program_run, questions, state, symbolic, pitfalls, functions, points))

_SCALARS = (str, int, float, bool, type(None))
_SCALAR_TYPES = frozenset(_SCALARS)


def _all_scalars(items: list) -> bool:
    return set(map(type, items)) <= _SCALAR_TYPES  # one pass in C: figures carry 10,000-point lists


def dumps(value: Any) -> str:
    """``value`` (dataclasses of ``KINDS``, tuples, dicts, lists, scalars) as JSON text."""
    return json.dumps(_Writer().plain(value), separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """The value ``dumps`` wrote; raises ValueError for anything else."""
    try:
        return _Reader().value(json.loads(text))
    except TypeError as err:  # a field a class does not have, or an unhashable key
        raise ValueError(f"not plain data written by explorer.serve.plain: {err}") from None


class _Writer:
    def __init__(self) -> None:
        self.begun: dict[int, int] = {}  # id of a dataclass written -> its number, in the order they were begun

    def plain(self, value: Any) -> Any:
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, tuple):
            return {"@t": [self.plain(v) for v in value]}
        if isinstance(value, list):
            return value if _all_scalars(value) else [self.plain(v) for v in value]
        if isinstance(value, dict):
            return {"@d": [[self.plain(k), self.plain(v)] for k, v in value.items()]}
        kind = type(value).__name__
        if KINDS.get(kind) is type(value) and dataclasses.is_dataclass(value):
            if (number := self.begun.get(id(value))) is not None:
                return {"@r": number}
            # numbered before its fields, as the reader numbers it; the value itself outlives the writer's run,
            # so its id is not reused meanwhile
            self.begun[id(value)] = len(self.begun)
            return {"@": kind, "f": {f.name: self.plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}
        raise TypeError(f"{type(value).__name__} is not plain data")


class _Reader:
    def __init__(self) -> None:
        self.begun: list[Any] = []  # each dataclass in the order begun; None until its fields are read

    def value(self, value: Any) -> Any:
        if isinstance(value, _SCALARS):
            return value
        if isinstance(value, list):
            return value if _all_scalars(value) else [self.value(v) for v in value]
        if not isinstance(value, dict) or len(value) not in (1, 2):
            raise ValueError("not plain data written by explorer.serve.plain")
        if "@t" in value:
            return tuple(self.value(v) for v in value["@t"])
        if "@d" in value:
            return {_key(self.value(k)): self.value(v) for k, v in value["@d"]}
        if "@r" in value:
            number = value["@r"]
            # only a dataclass already read whole: never one still being read (that would be a cycle)
            if type(number) is not int or not 0 <= number < len(self.begun) or self.begun[number] is None:
                raise ValueError(f"a reference to no dataclass read before: {str(number)[:20]!r}")
            return self.begun[number]
        cls = KINDS.get(value.get("@", ""))
        if cls is None or not isinstance(value.get("f"), dict):
            raise ValueError(f"unknown kind {str(value.get('@'))[:40]!r}")
        number = len(self.begun)
        self.begun.append(None)
        self.begun[number] = made = cls(**{name: self.value(v) for name, v in value["f"].items()})
        return made


def _key(key: Any) -> Any:
    if isinstance(key, list):
        raise ValueError("a list cannot be a key")
    return key
