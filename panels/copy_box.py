"""Text to copy (the page's link, the graph as text), in a box with a Copy button."""

from __future__ import annotations

from .components import mount


def copyable(text: str, label: str, key: str, wrap: bool = False) -> None:
    """``text`` shown as it is (never as HTML or markdown) with a Copy button; ``label`` names it for screen
    readers. Not ``st.code``: its syntax highlighter is 1.5 MB of JavaScript the first page would wait for."""
    mount("copy", {"text": text, "label": label, "wrap": wrap}, key=key)
