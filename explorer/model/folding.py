"""What a drawing of a big graph leaves out, as plain data: the summary boxes and what each stands for.

``explorer.draw.folds.fold`` decides the folds; the DOT writer and the page read them.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Fold", "Folding"]


@dataclass(frozen=True)
class Fold:
    """One summary box: the autograd nodes and tensors it stands for, and what it says."""

    id: str  # "f0": the box's id in the DOT and the SVG
    text: str  # "… 940 more steps of SinBackward0 → MulBackward0 → AddBackward0 …"
    nodes: tuple[str, ...]
    tensors: tuple[str, ...]


@dataclass(frozen=True)
class Folding:
    """What a drawing leaves out; no folds means every node is drawn."""

    folds: tuple[Fold, ...] = ()

    def owner(self) -> dict[str, str]:
        """The fold each hidden node or tensor is in, by id."""
        return {item: f.id for f in self.folds for item in (*f.nodes, *f.tensors)}

    @property
    def note(self) -> str:
        """One sentence for the page: what was collapsed, or '' when nothing was."""
        if not self.folds:
            return ""
        hidden = sum(len(f.nodes) for f in self.folds)
        parts = "; ".join(f.text.strip("… ") for f in self.folds)
        return f"Collapsed {hidden:,} autograd nodes into {len(self.folds)} summary box" \
               f"{'es' if len(self.folds) > 1 else ''} to keep the picture readable: {parts}."
