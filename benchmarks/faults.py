"""Classroom load while the process layer is attacked: workers and their children killed, caches cleared (issue #15).

Run from the repository root:

    python benchmarks/faults.py                          # 8 visitors, 60 s, a fault every 3 s
    python benchmarks/faults.py --visitors 4 --duration 30 --every 2

What it does, all on loopback and bounded in time:

1. starts a fresh app of this checkout (``python -m streamlit run app.py``, its worker pool as configured);
2. runs benchmarks/load.py's classroom: ``--visitors`` students, each typing a new function every few seconds
   over a websocket, each page checked against the value it must show;
3. meanwhile, every ``--every`` seconds, one fault drawn at random: a page worker killed with SIGKILL (idle,
   busy or still starting, as the OOM killer or a crash would end it), a worker's child killed (its ``dot`` or
   its sympy process), or Streamlit's ``clear_cache`` message sent from another session (any visitor can);
4. prints the faults, then load.py's table: changes served, p50 and p95, and the errors the students saw (an
   error or warning box, a wrong or missing value, a disconnect, a timeout), which should be none.

Nothing is asserted: this is a measurement (SECURITY.md records a run).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import signal
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import load  # noqa: E402  (benchmarks/load.py: the classroom)
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402


def children(parent: int) -> dict[int, str]:
    """The running children of ``parent``: pid -> program name (from /proc)."""
    found = {}
    for entry in Path("/proc").iterdir():
        with contextlib.suppress(OSError):
            if entry.name.isdigit():
                stat = (entry / "stat").read_text()
                fields = stat[stat.rindex(")") + 2:].split()
                if fields[0] not in "ZX" and int(fields[1]) == parent:
                    found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    return found


async def clear_cache(url: str) -> None:
    stream = url.replace("http", "ws", 1) + "/_stcore/stream"
    async with load.connect(stream, subprotocols=["streamlit"], ping_interval=None) as ws:
        message = BackMsg()
        message.clear_cache = True
        await ws.send(message.SerializeToString())
        await asyncio.sleep(0.2)


async def faults(url: str, app: int, every_s: float, stop_at: float, seed: int, done: Counter) -> None:
    """One fault every ``every_s`` seconds until ``stop_at``."""
    rng = random.Random(seed)
    while time.monotonic() + every_s < stop_at:
        await asyncio.sleep(every_s)
        workers = [pid for pid, command in children(app).items() if "page_worker.py" in command]
        theirs = [pid for worker in workers for pid in children(worker)]  # dot, sympy
        kind = rng.choice(["worker", "child", "clear_cache"])
        if kind == "clear_cache":
            await clear_cache(url)
        elif victims := (workers if kind == "worker" else theirs):
            with contextlib.suppress(ProcessLookupError):
                os.kill(rng.choice(victims), signal.SIGKILL)
        else:
            kind = f"{kind} (none running)"
        done[kind] += 1


async def run(url: str, app: int, settings: load.Settings, every_s: float) -> tuple[load.Round, Counter]:
    done: Counter = Counter()
    # as load.py does: the workers import torch and warm up before the classroom, then the faults start with it
    warm = load.Settings((2,), 0.1, settings.think_s, 120.0, settings.seed)
    first = (await load.run_round(url, 2, warm, 0)).next_request
    stop_at = time.monotonic() + settings.duration_s
    chaos = asyncio.create_task(faults(url, app, every_s, stop_at, settings.seed, done))
    result = await load.run_round(url, settings.visitors[0], settings, first=first)
    await chaos
    return result, done


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--visitors", type=int, default=8)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--every", type=float, default=3.0, help="seconds between faults (default 3)")
    parser.add_argument("--seed", type=int, default=15)
    args = parser.parse_args(argv)
    settings = load.Settings(visitors=(args.visitors,), duration_s=args.duration, think_s=(3.0, 6.0),
                             timeout_s=30.0, seed=args.seed)
    port = load.free_port()
    app = load.start_app(port)
    try:
        url = f"http://127.0.0.1:{port}"
        load.wait_healthy(url)
        result, done = asyncio.run(run(url, app.pid, settings, args.every))
    finally:
        load.stop(app)
    print(f"Faults, one every {args.every:g} s: " + ", ".join(f"{n} {kind}" for kind, n in done.most_common()))
    print(load.table([result]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
