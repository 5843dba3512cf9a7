"""One visitor hammers the server with the costliest input the caps allow; does another visitor notice? (issue #6)

Run from the repository root:

    python benchmarks/isolation.py                 # about 2 minutes: 40 s alone, 40 s beside the heavy visitor
    python benchmarks/isolation.py --duration 20

What it does, all on loopback, bounded in time, and printed as one table:

1. The costliest input: a few candidates at the caps (explorer/language/expression.py, explorer/language/points.py,
   explorer/model/exploration.py) are built once here with ``explorer.compute.build.build`` on one torch thread,
   as a worker builds them, and the slowest is the heavy visitor's input.
2. A fresh app of this checkout (its worker pool as configured: ``EXPLORER_WORKERS`` etc.).
3. Alone: a student (a websocket client speaking Streamlit's protocol, benchmarks/load.py) types a new lab
   function every ``--think`` seconds for ``--duration`` seconds; the latency of each change is timed.
4. Under attack: the same student again, while ``--heavy`` other sessions each submit the costliest input as
   fast as the server answers them (a new constant each time, so no cache helps), with no pause at all.
5. The table: the student's median and p95 in both phases, their ratio (target: at most 2), how many heavy
   jobs the server took, and how each one ended (served, stopped at the time limit, refused by the quota or
   the pool).

Nothing is asserted: this is a measurement, not a test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import urlencode

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (benchmarks/load.py: the visitor's protocol)

from explorer.compute.build import build  # noqa: E402
from explorer.errors import ExpressionError  # noqa: E402
from explorer.model.state import PageState  # noqa: E402

RANGE = "-10:10:10000"  # the most points one range may have


def _terms(count: int, variable: str = "x") -> str:
    return f"torch.sin({variable}) * torch.exp(-{variable}**2) + " * count


def candidates() -> dict[str, PageState]:
    """Inputs at the caps: the longest typed function, the deepest, the widest range with the most work."""
    long_chain = "x"
    for _ in range(50):
        long_chain = f"torch.sin({long_chain}) * 1.01 + x"
    many_terms = _terms(30) + "x"  # ~180 tensors: the most the recorded-value cap allows at one point
    at_cap = "torch.sin(x) * x + x"  # 4 tensors at 10,000 points: near the page's cap of 50,000 recorded values
    return {
        "50-step chain at one point, plot over 10,000 points": PageState(
            function=long_chain, points=(("x", "0.5"),), window=RANGE),
        "a function over 10,000 points, at the page's cap": PageState(function=at_cap, points=(("x", RANGE),),
                                                                      window=RANGE),
        "two ranges, a 100 x 100 grid": PageState(function="u*v + u**2", points=(("u", "-1:1:100"),
                                                                                 ("v", "-1:1:100"))),
        "30 terms at one point, plot over 10,000 points": PageState(
            function=many_terms, points=(("x", "0.5"),), window=RANGE),
        "seven ranges, a 40,000-point grid": PageState(
            function="x*y*z*u*v*w*t", points=tuple((v, "-1:1:4" if v != "x" else "-1:1:9") for v in "xyzuvwt")),
        "two variables, contour and 10,000-point plots": PageState(
            function=_terms(10, "u") + _terms(10, "v") + "u*v", points=(("u", "0.5"), ("v", "1")),
            window=RANGE),
    }


def costliest() -> tuple[str, PageState, float]:
    torch.set_num_threads(1)  # as a worker runs
    timed = {}
    for name, state in candidates().items():
        started = time.perf_counter()
        try:
            build(state)
        except ExpressionError as err:
            print(f"  refused, left out: {name}: {err}", file=sys.stderr)
            continue
        timed[name] = time.perf_counter() - started
        print(f"  {name}: {timed[name]:.2f} s here", file=sys.stderr)
    name = max(timed, key=timed.get)
    return name, candidates()[name], timed[name]


async def student(url: str, duration_s: float, think_s: float, first: int) -> list[float]:
    """Lab functions, a new one every think_s seconds; each change's latency."""
    latencies: list[float] = []
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with load.connect(stream, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        await ws.send(load.rerun(urlencode({"f": load.function_for(first)})))
        reply = await load.read_run(ws, 120, "", "")
        stop_at = time.monotonic() + duration_s
        request = first
        while time.monotonic() < stop_at:
            await asyncio.sleep(think_s)
            request += 1
            started = time.monotonic()
            await ws.send(load.rerun(reply.query_string, reply.function_box, load.function_for(request)))
            reply = await load.read_run(ws, 120, reply.function_box, reply.query_string)
            latencies.append(time.monotonic() - started)
            if reply.errors or "→ value" not in reply.value_line:
                raise RuntimeError(f"the student's page went wrong: {reply.errors or 'no value line'}")
    return latencies


async def heavy(url: str, state: PageState, stop_at: float, outcomes: Counter, number: int) -> None:
    """The costliest input again and again, a new constant each time, with no pause."""
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    query = urlencode({"f": state.function, **dict(state.points), "plot": state.window})
    async with load.connect(stream, subprotocols=["streamlit"], max_size=None, ping_interval=None) as ws:
        await ws.send(load.rerun(query))
        reply = await load.read_run(ws, 120, "", "")
        k = 0
        while time.monotonic() < stop_at:
            k += 1
            await ws.send(load.rerun(reply.query_string, reply.function_box, f"{state.function} + {number + 1}{k}"))
            reply = await load.read_run(ws, 120, reply.function_box, reply.query_string)
            kind = next((e for e in reply.errors), "served")
            outcomes[_outcome(kind)] += 1


def _outcome(shown: str) -> str:
    words = {"longer than": "stopped at the time limit", "faster than": "refused by the quota",
             "busy": "refused: workers busy", "memory": "stopped at the memory limit"}
    return next((said for key, said in words.items() if key in shown), shown[:60])


async def measure(url: str, state: PageState, duration_s: float, think_s: float, heavies: int):
    alone = await student(url, duration_s, think_s, first=0)
    outcomes: Counter = Counter()
    stop_at = time.monotonic() + duration_s + 5
    attackers = [asyncio.create_task(heavy(url, state, stop_at, outcomes, n)) for n in range(heavies)]
    await asyncio.sleep(5)  # the heavy visitors are at full speed before the student starts
    beside = await student(url, duration_s, think_s, first=10_000)
    await asyncio.gather(*attackers)
    return alone, beside, outcomes


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--duration", type=float, default=40.0, help="seconds of each phase (default 40)")
    parser.add_argument("--think", type=float, default=1.0, help="the student's pause between changes (default 1 s)")
    parser.add_argument("--heavy", type=int, default=1, help="sessions sending the costliest input (default 1)")
    parser.add_argument("--url", help="a running app on loopback instead of a fresh one")
    args = parser.parse_args(argv)
    print("Finding the costliest input at the caps:", file=sys.stderr)
    name, state, seconds = costliest()
    with load.app_under_test(args.url) as url:
        alone, beside, outcomes = asyncio.run(measure(url, state, args.duration, args.think, args.heavy))
    ratio = statistics.median(beside) / statistics.median(alone)
    print(f"\nHeavy input: {name} ({len(state.function)} characters; {seconds:.2f} s to build on one thread here)")
    print(f"Heavy sessions: {args.heavy}; their jobs: "
          + (", ".join(f"{n} {what}" for what, n in outcomes.most_common()) or "none"))
    print("\n| the student's changes | count | median ms | p95 ms |")
    print("|---|---:|---:|---:|")
    print(f"| alone | {len(alone)} | {1000 * statistics.median(alone):.0f} | {1000 * p95(alone):.0f} |")
    print(f"| beside the heavy visitor | {len(beside)} | {1000 * statistics.median(beside):.0f} | "
          f"{1000 * p95(beside):.0f} |")
    print(f"\nmedian ratio: {ratio:.2f} (target: at most 2); p95 ratio: {p95(beside) / p95(alone):.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
