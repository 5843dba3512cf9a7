"""A plot as plain data: one figure in Plotly's JSON schema, ready for the browser.

Computed in ``explorer.compute.curves`` and ``explorer.compute.differentiation``,
laid out by ``explorer.draw.figure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["Plot"]


@dataclass(frozen=True)
class Plot:
    """One figure as Plotly JSON, the variables on its axes, and what to say about it."""

    kind: str  # "curve" or "contour"
    variables: tuple[str, ...]
    figure: dict[str, Any]
    notes: tuple[str, ...]
