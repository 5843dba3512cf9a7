"""The one exception every rejected input raises."""

from __future__ import annotations

__all__ = ["ExpressionError"]


class ExpressionError(ValueError):
    """A typed function, point, device or dtype that the explorer refuses.

    ``column`` is the 1-based column of the typed text the message points at, or
    ``None`` when the problem is not at one place (an unknown device, say).

    >>> try:
    ...     raise ExpressionError("unknown name 'q'", column=5)
    ... except ExpressionError as err:
    ...     str(err)
    "column 5: unknown name 'q'"
    """

    def __init__(self, message: str, column: int | None = None) -> None:
        self.message = message
        self.column = column
        super().__init__(f"column {column}: {message}" if column else message)

    def pointer(self, text: str) -> str:
        """The typed text with a caret under the column, for monospace display."""
        if not self.column:
            return text
        return f"{text}\n{' ' * (self.column - 1)}^"
