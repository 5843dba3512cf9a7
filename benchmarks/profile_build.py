"""Where the time of ``explorer.compute.build.build`` goes for the lab's lessons: a cProfile breakdown.

Run from the repository root:

    python benchmarks/profile_build.py            # every lesson, 3 builds each
    python benchmarks/profile_build.py relu       # one lesson

Prints, for ``build`` and then for the costliest steps inside it, the time each
direct callee takes when called from there (cProfile's per-caller cumulative
time), as milliseconds per build and as a share of the whole build. Profiling
slows pure-Python code more than C code, so read the shares, not the totals
(bench.py has the honest totals).
"""

from __future__ import annotations

import cProfile
import pstats
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from explorer.compute.build import build  # noqa: E402
from explorer.content.lessons import LESSONS  # noqa: E402
from explorer.model.state import PageState  # noqa: E402

ROUNDS = 3
# (file name, function) of the steps worth opening up, in the order build runs them
OPEN = [("page.py", "build"), ("live.py", "explore"), ("plots.py", "plots"), ("plots.py", "_sketch"),
        ("figure.py", "_traces"), ("plots.py", "contour"),
        ("live.py", "play")]


def profile(keys: list[str]) -> tuple[pstats.Stats, int]:
    chosen = [item for item in LESSONS if item.key in keys]
    states = [(PageState(function=i.function, points=i.points, lesson=i.key), i.question is not None)
              for i in chosen]
    for state, hide in states:  # warm-up: imports and first-call costs stay out of the profile
        build(state, hide)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(ROUNDS):
        for state, hide in states:
            build(state, hide)
    profiler.disable()
    return pstats.Stats(profiler), ROUNDS * len(states)


def find(stats: pstats.Stats, file: str, name: str) -> tuple | None:
    return next((key for key in stats.stats if key[0].endswith(file) and key[2] == name), None)


def children(stats: pstats.Stats, parent: tuple) -> list[tuple[str, float]]:
    """Each function ``parent`` calls and its cumulative time when called from ``parent``, largest first."""
    found = []
    for key, (_, _, _, _, callers) in stats.stats.items():
        if parent in callers:
            file, line, name = key
            found.append((f"{Path(file).name}:{line}({name})", callers[parent][3]))
    return sorted(found, key=lambda item: -item[1])


def main() -> None:
    keys = sys.argv[1:] or [item.key for item in LESSONS]
    stats, builds = profile(keys)
    total = stats.stats[find(stats, "page.py", "build")][3]
    print(f"{builds} builds of {', '.join(keys)}; build takes {total / builds * 1000:.1f} ms under the profiler")
    for file, name in OPEN:
        parent = find(stats, file, name)
        if parent is None:
            continue
        scope = "" if name == "build" else " (every call of it, wherever from)"
        print(f"\ninside {file}:{name}{scope}: ms per build, share of build")
        for callee, seconds in children(stats, parent)[:8]:
            print(f"  {seconds / builds * 1000:8.1f} ms  {seconds / total:6.1%}  {callee}")


if __name__ == "__main__":
    main()
