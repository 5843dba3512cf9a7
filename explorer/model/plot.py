"""A plot as plain data: one figure in Plotly's JSON schema, ready for the browser.

Computed in ``explorer.compute.curves`` and ``explorer.compute.differentiation``,
laid out by ``explorer.draw.figure``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

__all__ = ["GRADIENT", "WITH_GRADIENT", "Plot"]

# the ``meta`` of a trace that shows a gradient (f', the tangent, the contour's arrows): what a page leaves out
# while backward has not yet reached the variable (the player part-way)
GRADIENT = "gradient"
WITH_GRADIENT = " with its gradient"  # the end of a contour's title while its arrows are drawn


@dataclass(frozen=True)
class Plot:
    """One figure as Plotly JSON, the variables on its axes, and what to say about it."""

    kind: str  # "curve" or "contour"
    variables: tuple[str, ...]
    figure: dict[str, Any]
    notes: tuple[str, ...]

    def without_gradient(self) -> Plot:
        """The plot with no trace that shows a gradient: f alone, and the point on it."""
        data = [trace for trace in self.figure["data"] if trace.get("meta") != GRADIENT]
        frame = self.figure["layout"]
        title = frame.get("title")
        if isinstance(title, dict) and isinstance(title.get("text"), str):
            frame = {**frame, "title": {**title, "text": title["text"].removesuffix(WITH_GRADIENT)}}
        return Plot(self.kind, self.variables, {"data": data, "layout": frame}, ())

    @property
    def shows_gradient(self) -> bool:
        return any(trace.get("meta") == GRADIENT for trace in self.figure["data"])
