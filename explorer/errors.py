"""What can go wrong, by whose doing: the visitor's input, the service's capacity, or the explorer itself.

Each kind has its own words for the user, so a page never blames a function for a
busy server: ``ExpressionError`` says what to change in the input,
``CapacityError`` says to wait and try again (the input was fine), and
``InternalError`` says the explorer failed (neither the input nor the load).

>>> try:
...     raise ExpressionError("unknown name 'q'", column=5)
... except ExplorerError as err:
...     str(err), err.kind
("column 5: unknown name 'q'", 'input')
"""

from __future__ import annotations

__all__ = ["Busy", "CapacityError", "ExplorerError", "ExpressionError", "InternalError", "OverLimit", "OverQuota"]


class ExplorerError(Exception):
    """Anything the explorer reports to a user instead of a result; ``message`` is for the page."""

    kind = ""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class ExpressionError(ExplorerError, ValueError):
    """A typed function, point, device, dtype or link that the explorer refuses: the input must change.

    ``column`` is the 1-based column of the typed text the message points at, or
    ``None`` when the problem is not at one place (an unknown device, say).
    """

    kind = "input"

    def __init__(self, message: str, column: int | None = None) -> None:
        super().__init__(message)
        self.column = column
        self.args = (f"column {column}: {message}" if column else message,)

    def pointer(self, text: str) -> str:
        """The typed text with a caret under the column, for monospace display."""
        if not self.column:
            return text
        return f"{text}\n{' ' * (self.column - 1)}^"


class CapacityError(ExplorerError):
    """The service could not do it now: the input was fine, and the same request may work later."""

    kind = "capacity"


class Busy(CapacityError):
    """Every worker stayed busy: too many visitors at once."""


class OverQuota(CapacityError):
    """This visitor asked for new work faster than their share allows."""


class OverLimit(CapacityError):
    """A job ran past the time or the memory one job may use here, and was stopped."""


class InternalError(ExplorerError):
    """The explorer itself failed (a worker crashed, an answer could not be read): neither the input nor the load."""

    kind = "internal"
