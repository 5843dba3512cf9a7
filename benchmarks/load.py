"""A classroom load test: N simulated visitors, each changing the function every few seconds (issue #6).

Run from the repository root:

    python benchmarks/load.py                       # sweep 1 2 4 8 16 32 visitors, 30 s each
    python benchmarks/load.py --visitors 4 8 --duration 60
    python benchmarks/load.py --url http://127.0.0.1:8080   # a running app or load balancer (loopback only)

Each visitor is what a student's browser sends, without the browser (a Chromium per visitor would need more
than this machine's 2 cores): a websocket to ``/_stcore/stream`` speaking Streamlit's own protobuf messages.
It opens the page with a link's query string, as a shared link does, then every ``--think`` seconds (a few
seconds, drawn at random, so a per-session rate limit of a few requests per second never throttles it) it types
a new function into the Function box: a ``rerun_script`` message carrying the box's new text, exactly the
widget state a browser sends. The latency of a change is the time from sending it to Streamlit's
``script_finished``; the page's whole run, graph layout, figures and all, lies in between.

The functions: the lab's nine lesson functions in turn, each with a constant added that no other request uses
(``y = x ** 2 + 2 * x + 1 + 1017``), so the page cache never answers for the server: every change is a new
function, the costly case of a class typing their own variations. The constant also makes every answer
different, so a visitor checks that the page it got back is the one it asked for: the value line must show the
value ``explorer.explore`` computes for that function here.

Counted as errors: an exception, an error box or a warning box on the page (a refusal: too fast, too slow, too
big), a value line that is missing or wrong, a disconnect, and a change that takes longer than ``--timeout``.
Everything is bounded: each round lasts ``--duration`` seconds plus at most one timeout, the sweep stops after
the first round that misses the target (unless ``--keep-going``), the app this script starts listens on
127.0.0.1 only and is stopped at the end, even on failure or Ctrl-C.

Nothing is asserted: this prints one table, and the largest number of visitors served with p95 under 1 s and
no errors. The machine's other work shows in the numbers: run it on a quiet machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import ipaddress
import itertools
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package

from streamlit.proto.Alert_pb2 import Alert  # noqa: E402
from streamlit.proto.BackMsg_pb2 import BackMsg  # noqa: E402
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg  # noqa: E402
from websockets.asyncio.client import connect  # noqa: E402

from explorer import explore, parse  # noqa: E402
from explorer.content.lessons import LESSONS  # noqa: E402
from explorer.draw.dot import format_value  # noqa: E402
from explorer.model.state import DEFAULT_POINTS  # noqa: E402

FUNCTION_LABEL = "Function"  # the label of app.py's function box
TARGET_P95_S = 1.0
_COUNTED_BOXES = {Alert.ERROR: "error", Alert.WARNING: "warning"}
_FINISHED = {ForwardMsg.FINISHED_SUCCESSFULLY, ForwardMsg.FINISHED_WITH_COMPILE_ERROR}


@dataclass(frozen=True)
class Settings:
    visitors: tuple[int, ...]
    duration_s: float
    think_s: tuple[float, float]
    timeout_s: float
    seed: int


@dataclass(frozen=True)
class Reply:
    """What one run of the page sent back, as far as a visitor checks it."""

    value_line: str  # the markdown line "`y = ...` → value `...`", "" when missing
    errors: tuple[str, ...]  # exceptions and error boxes shown on the page
    function_box: str  # the widget id of the function box
    query_string: str  # the link the page wrote for itself


@dataclass
class Round:
    visitors: int
    latencies: list[float] = field(default_factory=list)
    opens: list[float] = field(default_factory=list)
    errors: Counter = field(default_factory=Counter)
    next_request: int = 0  # where the next round's numbering starts

    def p(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] if ordered else float("nan")

    @property
    def served(self) -> bool:
        return bool(self.latencies) and self.p(0.95) < TARGET_P95_S and not self.errors


# -- what a visitor types --------------------------------------------------------------------

def function_for(request: int) -> str:
    """The lab's lesson functions in turn, each with a constant that no other request uses."""
    base = LESSONS[request % len(LESSONS)].function
    return f"{base} + {1000 + request}"


def expected_value(function: str) -> str:
    """The value the page must show for a function at the default points, as the page formats it."""
    points = {v: DEFAULT_POINTS[v] for v in parse(function).variables}
    return format_value(explore(function, points).value)


# -- one visitor -----------------------------------------------------------------------------

def rerun(query_string: str, widget: str = "", text: str = "") -> bytes:
    """A rerun_script message as the browser sends it: the link, and the function box's new text if any."""
    message = BackMsg()
    message.rerun_script.query_string = query_string
    message.rerun_script.page_script_hash = ""
    if widget:
        state = message.rerun_script.widget_states.widgets.add()
        state.id = widget
        state.string_value = text
    return message.SerializeToString()


async def read_run(socket_, timeout_s: float, known_box: str, known_query: str) -> Reply:
    """Read ForwardMsgs until the script run finishes; what the page showed."""
    value_line, errors, box, query = "", [], known_box, known_query
    deadline = time.monotonic() + timeout_s
    while True:
        raw = await asyncio.wait_for(socket_.recv(), max(0.0, deadline - time.monotonic()))
        message = ForwardMsg()
        message.ParseFromString(raw)
        kind = message.WhichOneof("type")
        if kind == "delta" and message.delta.WhichOneof("type") == "new_element":
            element = message.delta.new_element
            shown = element.WhichOneof("type")
            if shown == "text_input" and element.text_input.label == FUNCTION_LABEL:
                box = element.text_input.id
            elif shown == "markdown" and "→ value" in element.markdown.body:
                value_line = element.markdown.body
            elif shown == "exception":
                errors.append(f"exception: {element.exception.type}")
            elif shown == "alert" and element.alert.format in _COUNTED_BOXES:
                # a refusal (too fast, too slow, too big) is a visitor who did not get their page
                errors.append(f"{_COUNTED_BOXES[element.alert.format]} box: {element.alert.body[:50]}")
        elif kind == "page_info_changed":
            query = message.page_info_changed.query_string
        elif kind == "script_finished" and message.script_finished in _FINISHED:
            return Reply(value_line, tuple(errors), box, query)


async def visitor(number: int, url: str, settings: Settings, stop_at: float, result: Round,
                  expected: dict[str, str], counter: Iterator[int]) -> None:
    """One student: open a shared link, then type a new function every few seconds until the round ends."""
    rng = random.Random(settings.seed * 1000 + number)
    stream = url.replace("http", "ws", 1).rstrip("/") + "/_stcore/stream"
    # students do not arrive on the same millisecond: spread the openings over one think time
    await asyncio.sleep(rng.uniform(0, settings.think_s[1]))
    try:
        async with connect(stream, subprotocols=["streamlit"], max_size=None, open_timeout=settings.timeout_s,
                           ping_interval=None) as ws:
            first = function_for(next(counter))
            started = time.monotonic()
            await ws.send(rerun(urlencode({"f": first})))
            reply = await read_run(ws, settings.timeout_s, "", "")
            result.opens.append(time.monotonic() - started)
            check(reply, first, expected, result)
            while time.monotonic() + settings.think_s[0] < stop_at:
                await asyncio.sleep(rng.uniform(*settings.think_s))
                if time.monotonic() >= stop_at:
                    break
                typed = function_for(next(counter))
                started = time.monotonic()
                await ws.send(rerun(reply.query_string, reply.function_box, typed))
                reply = await read_run(ws, settings.timeout_s, reply.function_box, reply.query_string)
                result.latencies.append(time.monotonic() - started)
                check(reply, typed, expected, result)
    except TimeoutError:
        result.errors["timeout"] += 1
    except (OSError, EOFError) as err:  # refused, reset, or closed by the server
        result.errors[f"disconnect ({type(err).__name__})"] += 1
    except Exception as err:  # websockets' ConnectionClosed and handshake errors: the visitor is cut off
        result.errors[f"disconnect ({type(err).__name__})"] += 1


def check(reply: Reply, function: str, expected: dict[str, str], result: Round) -> None:
    for problem in reply.errors:
        result.errors[problem] += 1
    want = expected.setdefault(function, expected_value(function))
    if f"→ value `{want}`" not in reply.value_line:
        result.errors["wrong or missing value"] += 1
    if not reply.function_box:
        result.errors["no function box"] += 1


async def run_round(url: str, visitors: int, settings: Settings, first: int) -> Round:
    """One round: the visitors' requests are numbered from first on, so no two requests ever share a function."""
    result = Round(visitors)
    counter = itertools.count(first)
    # the answers are worked out before the round, so no visitor waits while another one checks
    budget = visitors * (2 + int(settings.duration_s / settings.think_s[0]))
    expected = {f: expected_value(f) for f in map(function_for, range(first, first + budget))}
    stop_at = time.monotonic() + settings.duration_s
    tasks = [visitor(n, url, settings, stop_at, result, expected, counter) for n in range(visitors)]
    await asyncio.wait_for(asyncio.gather(*tasks), settings.duration_s + 2 * settings.timeout_s + 30)
    result.next_request = next(counter)
    return result


# -- the app under test ----------------------------------------------------------------------

def loopback_only(url: str) -> str:
    """Refuse any address but this machine's own: a load test never leaves the machine."""
    host = urlsplit(url).hostname or ""
    address = socket.gethostbyname(host)
    if not ipaddress.ip_address(address).is_loopback:
        raise SystemExit(f"{url}: only loopback addresses (127.0.0.0/8, localhost) are load-tested")
    return url


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_healthy(url: str, timeout_s: float = 60.0) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        with contextlib.suppress(OSError):
            with urllib.request.urlopen(url + "/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer /_stcore/health within {timeout_s:.0f} s")


def start_app(port: int, env: dict[str, str] | None = None, log: Path | None = None) -> subprocess.Popen:
    """One replica of the app on 127.0.0.1:port, as the Dockerfile runs it; the caller stops it."""
    out = open(log, "wb") if log else subprocess.DEVNULL  # noqa: SIM115 - closed with the process
    return subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false"],
        cwd=ROOT, stdout=out, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})},
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)


@contextlib.contextmanager
def app_under_test(url: str | None) -> Iterator[str]:
    """The given loopback URL, or a fresh app of this checkout on a free loopback port, stopped at the end."""
    if url:
        yield loopback_only(url.rstrip("/"))
        return
    port = free_port()
    process = start_app(port)
    try:
        wait_healthy(f"http://127.0.0.1:{port}")
        yield f"http://127.0.0.1:{port}"
    finally:
        stop(process)


# -- the report ------------------------------------------------------------------------------

def ms(seconds: float) -> str:
    return "-" if seconds != seconds else f"{1000 * seconds:.0f}"


def table(rounds: list[Round]) -> str:
    lines = ["| visitors | changes | p50 ms | p95 ms | max ms | open p50 ms | errors |",
             "|---:|---:|---:|---:|---:|---:|---|"]
    for r in rounds:
        errors = ", ".join(f"{count} {name}" for name, count in r.errors.most_common()) or "0"
        opened = statistics.median(r.opens) if r.opens else float("nan")
        lines.append(f"| {r.visitors} | {len(r.latencies)} | {ms(r.p(0.5))} | {ms(r.p(0.95))} | "
                     f"{ms(max(r.latencies, default=float('nan')))} | {ms(opened)} | {errors} |")
    return "\n".join(lines)


def parse_args(argv: list[str] | None) -> tuple[Settings, str | None, bool]:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog="See the top of benchmarks/load.py for what is measured and how.")
    parser.add_argument("--visitors", type=int, nargs="+", default=[1, 2, 4, 8, 16, 32],
                        help="the rounds: how many visitors at once in each (default: 1 2 4 8 16 32)")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds each round lasts (default 30)")
    parser.add_argument("--think", type=float, nargs=2, default=[3.0, 6.0], metavar=("MIN", "MAX"),
                        help="seconds a visitor waits between changes, drawn uniformly (default 3 6)")
    parser.add_argument("--timeout", type=float, default=20.0, help="a change slower than this is an error")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--keep-going", action="store_true",
                        help="run every round, even after one that missed the target (default: stop there)")
    parser.add_argument("--url", help="load-test this running app or load balancer (loopback only) instead of "
                                      "starting one")
    args = parser.parse_args(argv)
    if not 0 < args.think[0] <= args.think[1] or args.duration <= 0 or min(args.visitors) < 1:
        parser.error("--think needs 0 < MIN <= MAX; --duration and --visitors must be positive")
    return Settings(tuple(sorted(set(args.visitors))), args.duration, (args.think[0], args.think[1]),
                    args.timeout, args.seed), args.url, args.keep_going


def main(argv: list[str] | None = None) -> int:
    settings, url, keep_going = parse_args(argv)
    request = 0
    rounds: list[Round] = []
    with app_under_test(url) as target:
        print(f"# {target}: rounds of {settings.duration_s:.0f} s, a change every "
              f"{settings.think_s[0]:g}-{settings.think_s[1]:g} s per visitor, {os.cpu_count()} cores, "
              f"load average {os.getloadavg()[0]:.1f} before the start", flush=True)
        # the first session imports torch and each worker process warms up: open the page twice at once first
        warm = Settings((2,), 0.1, settings.think_s, 120.0, settings.seed)
        request = asyncio.run(run_round(target, 2, warm, request)).next_request
        cpu_before = time.process_time()
        for visitors in settings.visitors:
            result = asyncio.run(run_round(target, visitors, settings, request))
            rounds.append(result)
            request = result.next_request
            print(table(rounds[-1:]).splitlines()[-1], flush=True)
            if not result.served and not keep_going:
                break  # more visitors will not be served either: the sweep ends sooner
    print()
    print(table(rounds))
    served = [r.visitors for r in rounds if r.served]
    print(f"\nlargest number of visitors with p95 < {TARGET_P95_S:g} s and no errors: "
          f"{max(served) if served else 'none'}")
    print(f"(this client's own CPU time: {time.process_time() - cpu_before:.1f} s, on the same cores as the app; "
          f"load average {os.getloadavg()[0]:.1f} at the end: other work on the machine shows in the numbers)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
