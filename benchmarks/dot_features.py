"""How long Graphviz's ``dot`` takes on the explorer's DOT, case by case, and what each layout feature buys.

Run from the repository root:

    python benchmarks/dot_features.py               # the cases table (about 6 minutes on 2 cores)
    python benchmarks/dot_features.py --quick       # fewer repetitions, torchviz stopped after 20 s
    python benchmarks/dot_features.py --ablation    # the nest and the chain with one feature taken out at a time
    python benchmarks/dot_features.py --sizes       # dot's time against the size of an unfolded chain

The cases: the lab's lessons (the slowest one), the two graphs of bench.py (a 50-step chain
``y = sin(y)*1.01 + x`` and a 25-deep nest of ``sin(...)*x + x``), the biggest typed functions of
several shapes that fit the language's caps (explorer/language/expression.py), and graphs built through the
API as a notebook builds them (a 1,000-op chain, a small MLP's loss, a 100-layer MLP, 5,000 ops).
For each: the autograd nodes, the nodes in our DOT as drawn (folded past ``folds.SHOWN_NODES``),
``dot -Tsvg`` on it, on the unfolded DOT (``to_dot(..., expand=True)``, what the app draws when a
user asks for every node) and on torchviz's default ``make_dot(y)``.

Times: the median wall time after one warm-up, and beside it the least CPU time (user + sys) of the
``dot`` process over the same runs, which a busy machine disturbs less. A layout over 2 s runs once;
one past the limit shows as ``>limit``. ratio = torchviz / ours (wall). Nothing is asserted: this is a
report, not a test. The ablation edits the DOT text line by line, since to_dot writes one statement
per line.
"""

from __future__ import annotations

import argparse
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))  # bench.py's expressions
sys.path.insert(0, str(ROOT))

import torch  # noqa: E402
from bench import chain_tensor, chain_text, nest_tensor, nest_text  # noqa: E402

from explorer.compute.explore import explore  # noqa: E402
from explorer.compute.notebook import record_tensor  # noqa: E402
from explorer.content.lessons import LESSONS  # noqa: E402
from explorer.draw.dot import to_dot  # noqa: E402
from explorer.draw.folds import fold  # noqa: E402
from explorer.language.expression import parse  # noqa: E402
from explorer.model.graph import Graph  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # torchviz 0.0.3 imports distutils
    import torchviz

SLOW_S = 2.0


@dataclass(frozen=True)
class Case:
    name: str
    graph: Graph
    output: torch.Tensor | None  # the same graph built live, for torchviz; None where it adds nothing


@dataclass(frozen=True)
class Layout:
    wall_ms: float | None  # None: stopped at the limit
    cpu_ms: float | None
    runs: int


# -- timing -----------------------------------------------------------------------------------


def lay_out(source: str, repeat: int, limit_s: float) -> Layout:
    """``dot -Tsvg`` fed on stdin, as explorer.draw.render runs it: median wall and least CPU time."""
    walls, cpus = [], []
    for attempt in range(repeat + 1):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        try:
            subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode(), capture_output=True,
                           timeout=limit_s, check=True)
        except subprocess.TimeoutExpired:
            return Layout(None, None, attempt + 1)
        wall = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
        if attempt == 0 and wall > SLOW_S:
            return Layout(wall * 1000, cpu * 1000, 1)
        if attempt > 0:  # the first run warms the page cache
            walls.append(wall)
            cpus.append(cpu)
    return Layout(statistics.median(walls) * 1000, min(cpus) * 1000, repeat)


def shown(layout: Layout | None, limit_s: float) -> str:
    if layout is None:
        return "-"
    if layout.wall_ms is None:
        return f">{limit_s:g} s"
    return f"{layout.wall_ms:,.0f} ({layout.cpu_ms:,.0f})"


# -- the cases --------------------------------------------------------------------------------


def typed(text: str) -> Graph:
    return explore(text, {v: 0.5 for v in parse(text).variables}).graph


def biggest(make: Callable[[int], str]) -> str:
    """The longest text ``make`` builds that the language's caps accept (a binary search on its size)."""
    low, high = 1, 2000
    while low < high:
        middle = (low + high + 1) // 2
        try:
            parse(make(middle))
            low = middle
        except ValueError:
            high = middle - 1
    return make(low)


def nested(function: str) -> Callable[[int], str]:
    def make(depth: int) -> str:
        text = "x"
        for _ in range(depth):
            text = f"{function}({text})"
        return text
    return make


TYPED_WORST = {
    "typed x*x*...*x": lambda n: "*".join(["x"] * n),
    "typed x+x+...+x": lambda n: "+".join(["x"] * n),
    "typed sin(sin(...(x)))": nested("sin"),
    "typed exp(-x**2)+...": lambda n: "+".join(["exp(-x**2)"] * n),
    "typed sigmoid(x*x)+...": lambda n: "+".join(["sigmoid(x*x)"] * n),
    "typed where(x<1,x,0)+...": lambda n: "+".join(["where(x<1,x,0)"] * n),
    "typed chain, longest": chain_text,
    "typed nest, longest": nest_text,
}


def mlp_loss(layers: int, width: int = 16) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    torch.manual_seed(0)
    parts: list[torch.nn.Module] = []
    for i in range(layers):
        parts += [torch.nn.Linear(4 if i == 0 else width, width), torch.nn.ReLU()]
    model = torch.nn.Sequential(*parts, torch.nn.Linear(width, 1))
    loss = torch.nn.functional.mse_loss(model(torch.randn(8, 4)), torch.zeros(8, 1))
    return loss, dict(model.named_parameters())


def api_chain(ops: int) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    """``ops`` autograd ops of y = sin(y)*1.01 + x (three a step), as a notebook would build them."""
    x = torch.tensor(2.0, requires_grad=True)
    return chain_tensor(x, ops // 3), {"x": x}


def cases() -> list[Case]:
    found = []
    slowest = max(LESSONS, key=lambda lesson: len(typed(lesson.function).nodes))
    found.append(Case(f"lab lesson with most nodes ({slowest.function})", typed(slowest.function), None))
    x = torch.tensor(2.0, requires_grad=True)
    found.append(Case("bench nest, 25 deep", typed(nest_text(25)), nest_tensor(x, 25)))
    found.append(Case("bench chain, 50 steps", typed(chain_text(50)), chain_tensor(x, 50)))
    for name, make in TYPED_WORST.items():
        found.append(Case(name, typed(biggest(make)), None))
    for name, (output, params) in {
        "API small MLP loss (3 layers)": mlp_loss(2),
        "API 1,000-op chain": api_chain(1000),
        "API 100-layer MLP loss": mlp_loss(100),
        "API 5,000-op chain": api_chain(5000),
    }.items():
        found.append(Case(name, record_tensor(output, params), output))
    return found


def table(repeat: int, limit_s: float) -> None:
    header = ("case", "autograd nodes", "drawn nodes", "folded", "ours ms", "unfolded ms", "torchviz ms", "ratio")
    print("times: median wall ms (least CPU ms) of dot -Tsvg; ratio = torchviz / ours, wall")
    print(" | ".join(header))
    print(" | ".join("---" for _ in header))
    for case in cases():
        start = time.perf_counter()
        ours_dot = to_dot(case.graph)
        dot_ms = (time.perf_counter() - start) * 1000
        folding = fold(case.graph)
        ours = lay_out(ours_dot, repeat, limit_s)
        unfolded = lay_out(to_dot(case.graph, expand=True), max(repeat // 3, 1), limit_s) if folding.folds else None
        theirs, their_cell = None, "-"
        if case.output is not None:
            try:
                theirs = lay_out(torchviz.make_dot(case.output).source, max(repeat // 3, 1), limit_s)
                their_cell = shown(theirs, limit_s)
            except RecursionError:  # make_dot walks the graph recursively
                their_cell = "RecursionError"
        ratio = "-"
        if theirs is not None and ours.wall_ms:
            ratio = f"{theirs.wall_ms / ours.wall_ms:,.0f}x" if theirs.wall_ms else \
                f">{limit_s * 1000 / ours.wall_ms:,.0f}x"
        drawn = ours_dot.count(' [id="')
        print(" | ".join([case.name, f"{len(case.graph.nodes):,}", f"{drawn:,}",
                          f"{sum(len(f.nodes) for f in folding.folds):,} in {len(folding.folds)}"
                          if folding.folds else "no", shown(ours, limit_s), shown(unfolded, limit_s),
                          their_cell, ratio]) + f"  (to_dot {dot_ms:.0f} ms)", flush=True)


# -- ablation: one feature taken out at a time ------------------------------------------------

def without_newrank(lines: list[str]) -> list[str]:
    return [line.replace("newrank=true, ", "") for line in lines]


def rounded_grad_fns(lines: list[str]) -> list[str]:
    """grad_fn records with rounded corners (Mrecord): each corner is written as a curve."""
    return [line.replace('fillcolor="#e3e3e3", ', 'shape=Mrecord, fillcolor="#e3e3e3", ') for line in lines]


def straight_arrows(lines: list[str]) -> list[str]:
    return [line.replace("newrank=true, ", "newrank=true, splines=line, ") for line in lines]


def inputs_declared_first(lines: list[str]) -> list[str]:
    """Node statements in reverse: the inputs end first, as a plain walk of graph.tensors would give."""
    head, body, tail = lines[:4], lines[4:-1], lines[-1:]
    nodes = [line for line in body if " -> " not in line]
    return head + nodes[::-1] + [line for line in body if " -> " in line] + tail


def html_tables(lines: list[str]) -> list[str]:
    """Records as HTML-like tables (what to_dot drew before) instead of records."""
    def table_of(match: re.Match) -> str:
        rows = "".join(f"<tr><td>{cell}</td></tr>" for cell in match.group(2).split("|"))
        return (f'shape=plain, label=<<table border="1" cellborder="1" cellspacing="0" cellpadding="3" '
                f'bgcolor="{match.group(1)}">{rows}</table>>]')
    return [re.sub(r'fillcolor="([^"]*)", label="([^"]*)"\]', table_of, line) for line in lines]


def ablation(repeat: int, limit_s: float) -> None:
    x = torch.tensor(2.0, requires_grad=True)
    variants: dict[str, Callable[[list[str]], list[str]]] = {
        "as drawn": lambda lines: lines,
        "without newrank": without_newrank,
        "rounded grad_fn records": rounded_grad_fns,
        "straight arrows (splines=line)": straight_arrows,
        "inputs declared first": inputs_declared_first,
        "HTML tables instead of records": html_tables,
    }
    print("times: median wall ms (least CPU ms) of dot -Tsvg")
    print("variant | nest 25 deep | chain 50 steps")
    print("--- | --- | ---")
    graphs = {"nest": typed(nest_text(25)), "chain": typed(chain_text(50))}
    empty = lay_out("digraph { a }", repeat, limit_s)
    for name, change in variants.items():
        cells = [shown(lay_out("\n".join(change(to_dot(g).splitlines())) + "\n", repeat, limit_s), limit_s)
                 for g in graphs.values()]
        print(f"{name} | " + " | ".join(cells), flush=True)
    their = [torchviz.make_dot(nest_tensor(x, 25)).source, torchviz.make_dot(chain_tensor(x, 50)).source]
    print("torchviz make_dot(y) | " + " | ".join(shown(lay_out(s, 1, limit_s), limit_s) for s in their))
    print(f"a graph of one node | {shown(empty, limit_s)} | (dot's own start)")


def sizes(repeat: int, limit_s: float) -> None:
    print("steps | autograd nodes | drawn nodes | dot ms, unfolded")
    print("--- | --- | --- | ---")
    for steps in (10, 25, 50, 67, 100, 200, 333):
        graph = record_tensor(*api_chain(steps * 3))
        source = to_dot(graph, expand=True)
        layout = shown(lay_out(source, repeat, limit_s), limit_s)
        print(f"{steps} | {len(graph.nodes)} | {source.count(' [id=')} | {layout}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="3 runs each, torchviz stopped after 20 s")
    parser.add_argument("--ablation", action="store_true", help="the nest and the chain, one feature out at a time")
    parser.add_argument("--sizes", action="store_true", help="dot's time against an unfolded chain's length")
    parser.add_argument("--timeout", type=float, help="seconds before a layout is stopped (default 60, quick 20)")
    args = parser.parse_args()
    if shutil.which("dot") is None:
        sys.exit("the benchmark needs Graphviz's dot program (apt-get install graphviz)")
    repeat, limit_s = (3, args.timeout or 20.0) if args.quick else (9, args.timeout or 60.0)
    if args.ablation:
        ablation(repeat, limit_s)
    elif args.sizes:
        sizes(repeat, limit_s)
    else:
        table(repeat, limit_s)


if __name__ == "__main__":
    main()
