"""Big graphs folded for drawing: a long run of repeated steps, or the part far from the output, as one box.

A graph whose drawing would pass ``SHOWN_NODES`` nodes (autograd nodes, the
tensors they made, what they saved) is unreadable as a picture and slow to
lay out, so ``fold`` picks what a box stands in for: first a run of repeated
steps along the graph's longest path (the spine), found by the grad_fn names
repeating with a short period (``AddBackward0 → MulBackward0 → SinBackward0``
1,000 times); the first steps at the output end and the last at the input end
stay drawn, the rest become one box. If that is not enough, the autograd
nodes farthest from the output (breadth first) become a second box. Leaves
(AccumulateGrad) stay drawn, so every variable still shows its value and
grad, unless there are hundreds of them. Every walk here is iterative.

>>> from explorer import explore
>>> folding = fold(explore("x" + "*x" * 240, {"x": 1}).graph)
>>> [f.text for f in folding.folds]
['… 235 more steps of MulBackward0 …']
>>> fold(explore("x * x", {"x": 1}).graph).folds
()
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Collection

from explorer.model.folding import Fold, Folding
from explorer.model.graph import Graph

__all__ = ["KEEP_INPUT_STEPS", "KEEP_OUTPUT_STEPS", "SHOWN_NODES", "fold"]

# NOTE [where folding starts]
# Counted in drawn nodes: each autograd node, the tensor it made and what it saved. dot's layout time grows
# faster than the graph (benchmarks/dot_features.py --sizes), and past about this many a picture is also
# wider than any screen. The lab's graphs and bench.py's 50-step chain are drawn whole; the typed language's
# biggest functions (x*x*...*x, long sums, deep nests) are folded.
SHOWN_NODES = 600
KEEP_OUTPUT_STEPS = 3  # repeated steps still drawn next to the output
KEEP_INPUT_STEPS = 2  # and next to the inputs
_LONGEST_STEP = 12  # autograd nodes in one repeated step, at most
_LEAF = "AccumulateGrad"


def fold(graph: Graph, limit: int | None = SHOWN_NODES) -> Folding:
    """The folds that bring ``graph`` to at most about ``limit`` drawn nodes (None: draw everything)."""
    weight = _drawn_nodes(graph)
    if limit is None or sum(weight.values()) <= limit or graph.root is None:
        return Folding()
    inputs = {n.id: tuple(dict.fromkeys(i for i in n.inputs if i is not None)) for n in graph.nodes}
    names = {n.id: n.name for n in graph.nodes}
    folds: list[tuple[str, set[str]]] = []
    run = _repeated_run(graph.root, inputs, names)
    if run is not None:
        folds.append(run)
    hidden = set().union(*(nodes for _, nodes in folds))
    if sum(w for n, w in weight.items() if n not in hidden) > limit:
        folds = _fold_far_nodes(graph.root, inputs, names, weight, folds, limit)
    return Folding(tuple(_finished(f"f{i}", text, nodes, graph) for i, (text, nodes) in enumerate(folds)))


def _drawn_nodes(graph: Graph) -> dict[str, int]:
    """How many nodes of the drawing each autograd node brings, about: itself, the tensor it made, what it
    saved, a copy of each leaf it uses (see dot's NOTE [layout speed]) and the constants it reads."""
    leaves = {n.id for n in graph.nodes if n.name == _LEAF}
    constants = {t.id for t in graph.tensors if t.role == "constant"}
    reads = {t.node: sum(o in constants for o in t.operands) for t in graph.tensors if t.node is not None}
    return {n.id: 1 + (n.tensor is not None) + sum(s.value is not None for s in n.saved)
            + sum(i in leaves for i in n.inputs) + reads.get(n.id, 0) for n in graph.nodes}


def _finished(fold_id: str, text: str, nodes: set[str], graph: Graph) -> Fold:
    order = [n.id for n in graph.nodes if n.id in nodes]
    tensors = tuple(t.id for t in graph.tensors if t.node in nodes)
    return Fold(fold_id, text, tuple(order), tensors)


# -- a run of repeated steps --------------------------------------------------------------


def _repeated_run(root: str, inputs: dict, names: dict) -> tuple[str, set[str]] | None:
    """The longest run of repeated steps along the spine, less the steps kept at each end."""
    spine = _spine(root, inputs, names)
    found = _longest_period([names[n] for n in spine])
    if found is None:
        return None
    start, period, steps = found
    folded = steps - KEEP_OUTPUT_STEPS - KEEP_INPUT_STEPS
    if folded < 2:
        return None
    first = start + KEEP_OUTPUT_STEPS * period
    last = first + folded * period  # spine[last] is the first node kept at the input end
    inside = set(spine[first:last])
    kept_below = _reach([spine[last]], inputs) if last < len(spine) else set()
    kept_above = _reach([root], inputs, stop=inside)
    nodes = {n for n in _reach([spine[first]], inputs) - kept_below - kept_above if names[n] != _LEAF}
    step = " → ".join(names[n] for n in spine[first:first + period])  # as backward meets them, like the arrows
    return f"… {folded:,} more steps of {step}{_beside(nodes - inside, names, folded)} …", nodes


def _beside(side: set[str], names: dict, steps: int) -> str:
    """What each folded step computes off the spine (the terms of a long sum), in words."""
    if not side:
        return ""
    counts = Counter(names[n] for n in side)
    if all(count % steps == 0 for count in counts.values()):
        each = ", ".join(name if count == steps else f"{count // steps} {name}"
                         for name, count in sorted(counts.items()))
        return f", each beside {each}"
    return f", beside {len(side):,} more autograd nodes"


def _spine(root: str, inputs: dict, names: dict) -> list[str]:
    """The longest path from the output's grad_fn towards the leaves, leaves left out."""
    height = _heights(root, inputs)
    spine, here = [root], root
    while True:
        inner = [i for i in inputs[here] if names[i] != _LEAF]
        if not inner:
            return spine
        here = max(inner, key=lambda i: height[i])  # max keeps the first of equals: next_functions order
        spine.append(here)


def _heights(root: str, inputs: dict) -> dict[str, int]:
    """Each node's longest path to a leaf, by an explicit post-order walk."""
    height: dict[str, int] = {}
    stack = [(root, False)]
    while stack:
        node, expanded = stack.pop()
        if node in height:
            continue
        if expanded:
            height[node] = 1 + max((height[i] for i in inputs[node]), default=-1)
            continue
        stack.append((node, True))
        stack.extend((i, False) for i in inputs[node] if i not in height)
    return height


def _longest_period(sequence: list[str]) -> tuple[int, int, int] | None:
    """(start, period, repeats) of the longest stretch that repeats one step, shortest step first among equals."""
    best = None
    for period in range(1, min(_LONGEST_STEP, len(sequence) // 2) + 1):
        length = 0
        for k in range(len(sequence) - period):
            length = length + 1 if sequence[k] == sequence[k + period] else 0
            steps = (length + period) // period
            covered = steps * period
            if steps >= 2 and (best is None or covered > best[0]):
                best = (covered, k + period + 1 - (length + period), period, steps)
    if best is None:
        return None
    _, start, period, steps = best
    return start, period, steps


def _reach(starts: list[str], inputs: dict, stop: Collection[str] = frozenset()) -> set[str]:
    """Every node reachable from ``starts`` along next_functions, not entering ``stop``."""
    seen = {s for s in starts if s not in stop}
    queue = deque(seen)
    while queue:
        for nxt in inputs[queue.popleft()]:
            if nxt not in seen and nxt not in stop:
                seen.add(nxt)
                queue.append(nxt)
    return seen


# -- the part far from the output ---------------------------------------------------------


def _fold_far_nodes(root: str, inputs: dict, names: dict, weight: dict, folds: list, limit: int) -> list:
    """Keep the drawn nodes nearest the output up to ``limit`` (a fold counts as one); the rest become one more fold."""
    owner = {n: i for i, (_, nodes) in enumerate(folds) for n in nodes}
    # a few hundred variables are themselves the picture's limit: then they fold like the rest
    keep_leaves = sum(w for n, w in weight.items() if names[n] == _LEAF) <= limit // 2
    near: set[str] = set()
    kept, seen, queue = 0, {root}, deque([root])
    while queue:
        node = queue.popleft()
        counts = 0 if node in owner or (keep_leaves and names[node] == _LEAF) else weight[node]
        if counts and kept + counts > limit:
            continue
        kept += counts
        near.add(node)
        for nxt in inputs[node]:
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    far = {n for n in inputs if n not in near and not (keep_leaves and names[n] == _LEAF)}
    # a run fold the far part reaches into joins it: one box, not a box inside a box
    joined = {owner[n] for n in far if n in owner}
    for index in joined:
        far |= folds[index][1]
    folds = [f for i, f in enumerate(folds) if i not in joined]
    if far:
        kinds = ", ".join(f"{name} ×{count:,}" for name, count in Counter(names[n] for n in far).most_common(3))
        folds.append((f"… {len(far):,} more autograd nodes further from the output ({kinds}) …", far))
    return folds

