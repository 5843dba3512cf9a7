"""Which features of our DOT make Graphviz's ``dot`` slow on long chains: one feature taken out at a time.

Run from the repository root:

    python benchmarks/dot_features.py             # the chain y = sin(y)*1.01 + x, 20 steps
    python benchmarks/dot_features.py --steps 10

Takes the explorer's DOT of the chain (as bench.py does, but shorter, so every
variant finishes) and times ``dot -Tsvg`` on it as drawn and with one feature
changed: no saved-tensor and saved-attribute nodes, one-line labels instead of
the data/grad tables, the leaf's fan-out edges left out or marked
``constraint=false``. torchviz's DOT of the same tensor is timed beside them.
Each variant runs once after one warm-up (they are seconds apart, not
milliseconds); the DOT edits are line by line, since to_dot writes one
statement per line.
"""

from __future__ import annotations

import argparse
import re
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # bench.py's helpers
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from bench import chain_tensor, chain_text, dot_svg  # noqa: E402

from explorer.dot import to_dot  # noqa: E402
from explorer.exploration import explore  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # torchviz 0.0.3 imports distutils
    import torchviz

_SAVED = re.compile(r'"n\d+\.s\d+"')
_TABLE = re.compile(r'shape=plain, label=<.*?<b>(.*?)</b>.*>\];$')


def without_saved(lines: list[str]) -> list[str]:
    return [line for line in lines if not _SAVED.search(line)]


def one_line_labels(lines: list[str]) -> list[str]:
    return [_TABLE.sub(r'shape=box, label="\1"];', line) for line in lines]


def leaf_edges(lines: list[str]) -> tuple[str, list[int]]:
    """The leaf's AccumulateGrad node and the indexes of the edges it starts."""
    leaf = next(re.search(r'"(n\d+)"', line).group(1) for line in lines if 'label="AccumulateGrad"' in line)
    return leaf, [i for i, line in enumerate(lines) if line.startswith(f'  "{leaf}" ->')]


def without_fan_out(lines: list[str]) -> list[str]:
    _, edges = leaf_edges(lines)
    return [line for i, line in enumerate(lines) if i not in edges]


def fan_out_unconstrained(lines: list[str]) -> list[str]:
    _, edges = leaf_edges(lines)
    return [line[:-1] + " [constraint=false];" if i in edges else line for i, line in enumerate(lines)]


def seconds(source: str, timeout_s: float) -> str:
    dot_svg(source, timeout_s)  # warm-up: the page cache, dot's own start
    start = time.perf_counter()
    try:
        dot_svg(source, timeout_s)
    except Exception as err:  # a timeout is a result here, not a failure
        return f">{timeout_s:g} s ({type(err).__name__})"
    return f"{time.perf_counter() - start:.2f} s"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--timeout", type=float, default=120.0)
    args = parser.parse_args()
    lines = to_dot(explore(chain_text(args.steps), {"x": 2.0}).graph).splitlines()
    y = chain_tensor(torch.tensor(2.0, requires_grad=True), args.steps)
    _, fan_out = leaf_edges(lines)
    print(f"chain of {args.steps} steps; the leaf x feeds {len(fan_out)} nodes")
    variants = {
        "ours, as drawn": lines,
        "ours, no saved tensor/attribute nodes": without_saved(lines),
        "ours, one-line labels instead of tables": one_line_labels(lines),
        "ours, leaf fan-out edges left out": without_fan_out(lines),
        "ours, leaf fan-out edges constraint=false": fan_out_unconstrained(lines),
        "ours, all three changes": fan_out_unconstrained(one_line_labels(without_saved(lines))),
        "torchviz make_dot(y)": torchviz.make_dot(y).source.splitlines(),
        "torchviz make_dot(y, show_attrs, show_saved)":
            torchviz.make_dot(y, show_attrs=True, show_saved=True).source.splitlines(),
    }
    for name, variant in variants.items():
        source = "\n".join(variant) + "\n"
        print(f"  {name:48s} {len(source) / 1024:6.1f} KB  {seconds(source, args.timeout)}", flush=True)


if __name__ == "__main__":
    main()
