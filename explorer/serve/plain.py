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
walk over its items.
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
    return json.dumps(_to_plain(value), separators=(",", ":"))


def loads(text: str | bytes) -> Any:
    """The value ``dumps`` wrote; raises ValueError for anything else."""
    try:
        return _from_plain(json.loads(text))
    except TypeError as err:  # a field a class does not have, or an unhashable key
        raise ValueError(f"not plain data written by explorer.serve.plain: {err}") from None


def _to_plain(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, tuple):
        return {"@t": [_to_plain(v) for v in value]}
    if isinstance(value, list):
        return value if _all_scalars(value) else [_to_plain(v) for v in value]
    if isinstance(value, dict):
        return {"@d": [[_to_plain(k), _to_plain(v)] for k, v in value.items()]}
    kind = type(value).__name__
    if KINDS.get(kind) is type(value) and dataclasses.is_dataclass(value):
        return {"@": kind, "f": {f.name: _to_plain(getattr(value, f.name)) for f in dataclasses.fields(value)}}
    raise TypeError(f"{type(value).__name__} is not plain data")


def _from_plain(value: Any) -> Any:
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return value if _all_scalars(value) else [_from_plain(v) for v in value]
    if not isinstance(value, dict) or len(value) not in (1, 2):
        raise ValueError("not plain data written by explorer.serve.plain")
    if "@t" in value:
        return tuple(_from_plain(v) for v in value["@t"])
    if "@d" in value:
        return {_key(_from_plain(k)): _from_plain(v) for k, v in value["@d"]}
    cls = KINDS.get(value.get("@", ""))
    if cls is None or not isinstance(value.get("f"), dict):
        raise ValueError(f"unknown kind {str(value.get('@'))[:40]!r}")
    return cls(**{name: _from_plain(v) for name, v in value["f"].items()})


def _key(key: Any) -> Any:
    if isinstance(key, list):
        raise ValueError("a list cannot be a key")
    return key
