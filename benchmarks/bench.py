"""The explorer's performance against its anchors, as one table (issue #5).

Run from the repository root:

    python benchmarks/bench.py            # about 6 minutes on 2 cores
    python benchmarks/bench.py --quick    # fewer repetitions, a 20 s limit on each layout

What it measures, each beside an anchor measured in the same run on the same machine:

(a) layout: our DOT (``explorer.draw.dot.to_dot`` of the recorded graph) laid out by ``dot -Tsvg``,
    against torchviz's default ``make_dot(y)`` DOT of the same expression laid out the same way,
    for a 50-step chain (``y = sin(y)*1.01 + x``, 50 times, from y = x) and a 25-deep nest of
    ``sin(...)*x + x``. Both are typed as one expression of the explorer's language (they fit its
    caps: 701 and 276 characters, nesting 50 and 25). Each is laid out by a ``dot`` started for it (a
    subprocess fed on stdin, as a notebook renders torchviz's graph); ours also as the app lays it
    out, by the one ``dot`` that ``explorer.draw.render`` keeps running (no process start, ~20 ms here).
    Target: at most 300 ms and 20x faster than torchviz.
(a') bigger graphs: the longest typed functions of several shapes the caps allow (each ≤300 ms), and graphs
    built through the API as a notebook builds them (a small MLP's loss, a 1,000-op chain, a 100-layer MLP,
    5,000 ops: recorded, folded, laid out, each ≤3 s), against torchviz's make_dot where it does not fail.
(b) interaction: ``explorer.compute.build.build`` (parse, record, backward, DOT, both SVGs, figures, playback)
    for each of the lab's nine lessons, against the lab's own notebook way for the relu cell:
    compute, backward, ``torchviz.make_dot`` + ``dot -Tsvg``, and a matplotlib plot of f and f'
    rendered to PNG as a notebook shows it. Target: at most 10 ms.
(c) plot payload: the JSON Streamlit sends for the f and f' figure (``plotly.io.to_json``: the same JSON as
    the plot's component sends, ``panels/plots.py``) at
    ``explorer.language.points.MAX_POINTS`` points. Target: at most 300 KB.
(d) the whole app: one rerun after a text change through ``streamlit.testing.v1.AppTest``, and the
    browser round trip from typing a new function to its graph and plot on screen (real Chromium, as in
    ../shared/BROWSER-TESTS.md), each against the same on a tiny page that only echoes its input.
    Targets: a rerun ≤50 ms; the browser ≤500 ms and ≤3x the echo page. The browser also for two functions
    seen before, typed in turn: each page from the app's cache, no work on the server beyond the page's own
    Streamlit calls, so what is left is drawing it. Note: AppTest compiles the script on
    every run (a new ScriptCache each time), which a real server does once. Also (e) the cold start: from
    ``python app.py`` (what ``make run`` runs) to the first page in Chromium, against the echo page's cold start plus
    ``import torch``; target ≤6 s and ≤1.5x.

How: ``time.perf_counter``, warm-up runs first, then the median of several repetitions. A layout
that takes more than 2 s is timed once (its first run), and one past ``--dot-timeout`` is shown
as ``>limit``. ratio = anchor / ours, so above 1 means we are faster. Nothing is asserted: this is
a report, not a test, and it is not part of the pytest suite.

Benchmark-only dependency: matplotlib (the anchor of (b)); without it that anchor is left out.
"""

from __future__ import annotations

import argparse
import datetime
import io
import os
import platform
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
import urllib.request
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # run from a checkout without installing the package
sys.path.insert(0, str(ROOT / "benchmarks"))

import plotly.io  # noqa: E402
import program  # noqa: E402  (benchmarks/program.py: program mode beside CPython)
import torch  # noqa: E402

from explorer.compute.build import build  # noqa: E402
from explorer.compute.curves import plots  # noqa: E402
from explorer.compute.explore import explore  # noqa: E402
from explorer.compute.notebook import record_tensor  # noqa: E402
from explorer.compute.program_build import build_program, program_view  # noqa: E402
from explorer.content.lessons import LESSONS  # noqa: E402
from explorer.draw.dot import to_dot  # noqa: E402
from explorer.draw.render import svg  # noqa: E402
from explorer.language.expression import parse  # noqa: E402
from explorer.language.points import MAX_POINTS, read_point  # noqa: E402
from explorer.model.state import PageState  # noqa: E402

with warnings.catch_warnings():
    warnings.simplefilter("ignore", DeprecationWarning)  # torchviz 0.0.3 imports distutils
    import torchviz

SLOW_S = 2.0  # a layout slower than this is timed once: its median would cost minutes
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ECHO_PAGE = """
import streamlit as st
text = st.text_input("Function", value="x")
st.text(f"echo: {text}")  # plain text: markdown would turn x**2 into bold
"""


@dataclass(frozen=True)
class Settings:
    warmup: int
    repeat: int
    dot_timeout_s: float
    app: bool  # run part (d), the whole app through AppTest and Chromium


@dataclass(frozen=True)
class Timing:
    """A median in milliseconds over ``runs`` runs; ``ms`` is None when the run passed the time limit."""

    ms: float | None
    runs: int
    limit_s: float = 0.0


@dataclass(frozen=True)
class Row:
    case: str
    ours: Timing | None
    anchor: Timing | None
    payload: str
    target: str
    met: str


# -- timing -----------------------------------------------------------------------------------


def median_ms(action: Callable[[], object], settings: Settings) -> Timing:
    """Median wall time of ``action`` after the warm-up runs."""
    for _ in range(settings.warmup):
        action()
    times = []
    for _ in range(settings.repeat):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return Timing(statistics.median(times) * 1000, settings.repeat)


def dot_svg(source: str, timeout_s: float) -> bytes:
    """Lay out DOT text as SVG by a dot started for it: ``dot -Tsvg`` fed on stdin, with a time limit."""
    done = subprocess.run([shutil.which("dot"), "-Tsvg"], input=source.encode("utf-8"), capture_output=True,
                          timeout=timeout_s, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"dot failed: {done.stderr.decode('utf-8', 'replace')[:300]}")
    return done.stdout


def time_layout(source: str, settings: Settings) -> tuple[Timing, int | None]:
    """The layout time of DOT text and the SVG's size in bytes (None when it ran past the limit)."""
    start = time.perf_counter()
    try:
        drawn = dot_svg(source, settings.dot_timeout_s)
    except subprocess.TimeoutExpired:
        return Timing(None, 1, settings.dot_timeout_s), None
    first = time.perf_counter() - start
    if first > SLOW_S:
        return Timing(first * 1000, 1), len(drawn)
    return median_ms(lambda: dot_svg(source, settings.dot_timeout_s), settings), len(drawn)


# -- (a) layout -------------------------------------------------------------------------------


def chain_text(steps: int) -> str:
    """y = sin(y)*1.01 + x, ``steps`` times from y = x, as one typed expression."""
    text = "x"
    for _ in range(steps):
        text = f"sin({text})*1.01 + x"
    return text


def nest_text(depth: int) -> str:
    text = "x"
    for _ in range(depth):
        text = f"sin({text})*x + x"
    return text


def chain_tensor(x: torch.Tensor, steps: int) -> torch.Tensor:
    """The same graph as chain_text, built in Python for torchviz."""
    y = x
    for _ in range(steps):
        y = torch.sin(y) * 1.01 + x
    return y


def nest_tensor(x: torch.Tensor, depth: int) -> torch.Tensor:
    y = x
    for _ in range(depth):
        y = torch.sin(y) * x + x
    return y


def layout_rows(name: str, text: str, make: Callable[[torch.Tensor], torch.Tensor], settings: Settings) -> list[Row]:
    """Our DOT and torchviz's, each laid out by a dot started for it; then ours as the app lays it out, by the
    dot it keeps running (explorer.draw.render), against the same torchviz time."""
    ours_dot = to_dot(explore(text, {"x": 2.0}).graph)
    their_dot = torchviz.make_dot(make(torch.tensor(2.0, requires_grad=True))).source
    ours, ours_svg = time_layout(ours_dot, settings)
    anchor, their_svg = time_layout(their_dot, settings)
    payload = f"DOT {kb(len(ours_dot))} vs {kb(len(their_dot))}; SVG {kb(ours_svg)} vs {kb(their_svg)}"
    rows = []
    for how, timing in (("", ours), (", dot kept running (the app)", median_ms(lambda: svg(ours_dot), settings))):
        ratio = speedup(timing, anchor)
        met = timing.ms is not None and timing.ms <= 300 and ratio is not None and ratio >= 20
        rows.append(Row(f"layout: {name}{how} ({len(text)} chars)", timing, anchor, payload if not how else "",
                        "≤300 ms, ≥20x", yes_no(met)))
    return rows


def graph_row(name: str, graph, output: torch.Tensor | None, settings: Settings, target_ms: float) -> Row:
    """Our DOT of a recorded graph (recording and folding included) laid out, against torchviz's make_dot."""
    started = time.perf_counter()
    ours_dot = to_dot(graph)
    dot_ms = (time.perf_counter() - started) * 1000
    layout, size = time_layout(ours_dot, settings)
    ours = None if layout.ms is None else Timing(layout.ms + dot_ms, layout.runs)
    anchor, note = None, ""
    if output is not None:
        try:
            their_dot = torchviz.make_dot(output).source
            anchor, _ = time_layout(their_dot, settings)
        except RecursionError:
            note = "torchviz: RecursionError; "
    drawn = ours_dot.count(' [id="')
    folded = "folded" if "more steps of" in ours_dot or "…" in ours_dot else "whole"
    met = ours is not None and ours.ms <= target_ms
    return Row(f"graph: {name}", ours or layout, anchor, f"{note}{drawn} nodes drawn ({folded}), SVG {kb(size)}",
               f"≤{target_ms:,.0f} ms", yes_no(met))


def bigger_rows(settings: Settings) -> list[Row]:
    """The issue's bigger graphs, built through the API as a notebook builds them, and the worst typed ones."""
    import dot_features  # benchmarks/dot_features.py: the same builders its ablation uses

    rows = []
    for name, make in dot_features.TYPED_WORST.items():
        text = dot_features.biggest(make)
        rows.append(graph_row(f"{name} ({len(text)} chars)", dot_features.typed(text), None, settings, 300))
    record_tensor(*dot_features.mlp_loss(1))  # warm-up: the first recording in a process pays torch's lazy setup
    for name, (output, params) in {
        "API small MLP loss (3 layers)": dot_features.mlp_loss(2),
        "API 1,000-op chain": dot_features.api_chain(1000),
        "API 100-layer MLP loss": dot_features.mlp_loss(100),
        "API 5,000-op chain": dot_features.api_chain(5000),
    }.items():
        started = time.perf_counter()
        graph = record_tensor(output, params)
        recorded_ms = (time.perf_counter() - started) * 1000
        row = graph_row(name, graph, output, settings, 3000)
        total = None if row.ours.ms is None else Timing(row.ours.ms + recorded_ms, row.ours.runs)
        rows.append(Row(row.case, total or row.ours, row.anchor, row.payload, row.target,
                        yes_no(total is not None and total.ms <= 3000)))
    return rows


# -- (b) interaction --------------------------------------------------------------------------


def lesson_state(key: str) -> tuple[PageState, bool]:
    """The page state one click on a lesson opens, and whether it hides the gradients (a practice cell)."""
    chosen = next(item for item in LESSONS if item.key == key)
    return PageState(function=chosen.function, points=chosen.points, lesson=chosen.key), chosen.question is not None


def lab_relu_cell() -> tuple[int, int]:
    """The lab's relu cell as a notebook runs it, plus make_dot drawn to SVG; the SVG and PNG sizes."""
    from matplotlib.figure import Figure  # a benchmark-only dependency, imported where it is used

    x = torch.linspace(-10, 10, 1000, requires_grad=True)
    big_y = torch.relu(x)
    y = torch.sum(big_y)
    drawn = dot_svg(torchviz.make_dot(y).source, 20.0)  # before backward, as torchviz wants
    y.backward()
    figure = Figure()
    axes = figure.subplots()
    axes.plot(x.detach().numpy(), big_y.detach().numpy(), label="function")
    axes.plot(x.detach().numpy(), x.grad.numpy(), label="derivative")
    axes.set_xlabel("x")
    axes.legend()
    picture = io.BytesIO()
    figure.savefig(picture, format="png")  # what a notebook's inline backend sends
    return len(drawn), len(picture.getvalue())


def lab_anchor(settings: Settings) -> tuple[Timing | None, str]:
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        return None, "matplotlib missing"
    svg_size, png_size = lab_relu_cell()
    return median_ms(lab_relu_cell, settings), f"SVG {kb(svg_size)} + PNG {kb(png_size)}"


def core_work(state: PageState, hide: bool) -> None:
    """The issue's "core work for one change": parse, record, backward, DOT, figure (no layout, no player)."""
    parsed = parse(state.function)
    at = {v: state.point(v) for v in parsed.variables}
    result = explore(state.function, at, device=state.device, dtype=state.dtype, torchviz=False)  # as the page
    to_dot(result.graph, show_grads=not hide)
    window = read_point(state.window, "the plot")
    plots(state.function, result.points, window, state.device, state.dtype, not hide)


def interaction_rows(settings: Settings) -> list[Row]:
    anchor, anchor_payload = lab_anchor(settings)
    rows = []
    for item in LESSONS:
        state, hide = lesson_state(item.key)
        page = build(state, hide)
        ours = median_ms(lambda state=state, hide=hide: core_work(state, hide), settings)
        whole = median_ms(lambda state=state, hide=hide: build(state, hide), settings)
        figures = sum(len(plotly.io.to_json(p.figure, validate=False)) for p in page.plots)
        svgs = len(page.svg or "") + len(page.torchviz_svg or "")
        rows.append(Row(f"core work: lesson {item.title.split('.')[0]} {item.key}", ours, anchor,
                        f"whole page {whole.ms:.0f} ms; SVG {kb(svgs)}, plots {kb(figures)}", "≤10 ms",
                        yes_no(ours.ms <= 10)))
    rows.append(Row("anchor: lab's relu cell in a notebook", anchor, None, anchor_payload, "", ""))
    return rows


# -- (c) plot payload -------------------------------------------------------------------------


def payload_row(name: str, state: PageState, settings: Settings) -> Row:
    page = build(state)
    curve = next(p for p in page.plots if p.kind == "curve")
    size = len(plotly.io.to_json(curve.figure, validate=False))  # what the plot's component sends
    ours = median_ms(lambda: build(state), settings)
    return Row(f"plot JSON: {name}", ours, None, f"f and f' figure {kb(size)}", "≤300 KB",
               yes_no(size <= 300 * 1024))


def payload_rows(settings: Settings) -> list[Row]:
    most = f"-10:10:{MAX_POINTS}"
    return [
        payload_row(f"relu, x = {most}", PageState(function="Y = torch.relu(x)", points=(("x", most),)), settings),
        payload_row(f"x**2 at x = 2, plot {most}", PageState(function="y = x ** 2", window=most), settings),
        payload_row(f"1/x (a gap), x = {most}", PageState(function="y = 1/x", points=(("x", most),)), settings),
        payload_row(f"sin(100*x) (a fast wiggle), x = {most}",
                    PageState(function="y = torch.sin(100*x)", points=(("x", most),)), settings),
    ]


# -- (d) the whole app ------------------------------------------------------------------------


def apptest_rerun(script: Path, settings: Settings, fresh: bool = True) -> Timing:
    """Median time of AppTest.run() after typing a function: a new one each time (``fresh``, so the page is
    built), or one of two seen before (so the page comes from the app's cache)."""
    import streamlit.logger
    from streamlit.testing.v1 import AppTest

    streamlit.logger.set_log_level("error")  # AppTest's "missing ScriptRunContext" warnings are expected
    app = AppTest.from_file(str(script), default_timeout=120)
    app.run()  # the first run imports torch
    count = iter(range(10_000))

    def change() -> None:
        n = next(count)
        box = app.text_input(key="function") if script.name == "app.py" else app.text_input[0]
        box.set_value(f"x**2 + {n + 101 if fresh else n % 2 + 1}*x")
        app.run()

    return median_ms(change, settings)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(script: Path) -> tuple[subprocess.Popen, str]:
    port = free_port()
    # the app as `make run` starts it (its workers before the server); any other page with `streamlit run`
    launch = [str(script)] if script.name == "app.py" else ["-m", "streamlit", "run", str(script)]
    process = subprocess.Popen(
        [sys.executable, *launch, "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                return process, url
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"streamlit did not start for {script}")


def browser_round_trip(browser, script: Path, shown: Callable[[str], list[str]], settings: Settings,
                       seen: bool = False) -> Timing:
    """Median time from Enter in the function box to the new function's content on screen (every selector of
    ``shown``: for the app, its graph and its plot), script idle. ``seen``: two functions typed in turn, each
    typed before the timing starts, so that every page comes from the app's cache."""
    process, url = start_server(script)
    try:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(url)
        tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=120_000)
        box = tab.get_by_role("textbox", name="Function", exact=True)
        box.wait_for(timeout=60_000)
        count = iter(range(10_000))

        def change() -> None:
            n = next(count)
            function = f"x**2 + {(n % 2 if seen else n) + 101}*x"
            box.fill(function)
            box.press("Enter")
            for selector in shown(function):
                tab.locator(selector).first.wait_for(timeout=60_000)
            tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)

        if seen:
            change(), change()
        timing = median_ms(change, settings)
        tab.close()  # an open tab would go on reconnecting to the stopped server, beside the next one's
        return timing
    finally:
        process.terminate()
        process.wait(timeout=10)


def cold_start(browser, script: Path, shown: list[str]) -> float:
    """Seconds from the start command to the first page rendered in Chromium (all of ``shown`` on screen, run
    finished)."""
    started = time.perf_counter()
    process, url = start_server(script)
    try:
        tab = browser.new_page(viewport={"width": 1400, "height": 1000})
        tab.goto(url)
        for selector in shown:
            tab.locator(selector).first.wait_for(timeout=120_000)
        tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=120_000)
        elapsed = time.perf_counter() - started
        tab.close()
        return elapsed
    finally:
        process.terminate()
        process.wait(timeout=30)


def torch_import_s() -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import torch"], check=True)
    return time.perf_counter() - started


# the bare link's first page: its graph and its plot drawn
APP_FIRST_PAGE = ["g.node:has-text('PowBackward0')", ".ae-plot .legendtext:has-text('y = x ** 2')"]


def cold_start_row(browser, echo: Path, settings: Settings) -> Row:
    runs = 1 if settings.repeat <= 3 else 3
    ours = statistics.median(cold_start(browser, ROOT / "app.py", APP_FIRST_PAGE) for _ in range(runs))
    echo_s = statistics.median(cold_start(browser, echo, ["text='echo: x'"]) for _ in range(runs))
    torch_s = statistics.median(torch_import_s() for _ in range(runs))
    anchor = echo_s + torch_s
    met = ours <= 6 and ours <= 1.5 * anchor
    return Row("cold start: python app.py → first page in Chromium", Timing(ours * 1000, runs),
               Timing(anchor * 1000, runs), f"anchor = echo page {echo_s:.1f} s + import torch {torch_s:.1f} s",
               "≤6 s, ≤1.5x anchor", yes_no(met))


def app_rows(settings: Settings) -> list[Row]:
    with tempfile.TemporaryDirectory() as folder:
        echo = Path(folder) / "echo.py"
        echo.write_text(textwrap.dedent(ECHO_PAGE))
        floor = apptest_rerun(echo, settings)
        fresh = apptest_rerun(ROOT / "app.py", settings)
        cached = apptest_rerun(ROOT / "app.py", settings, fresh=False)
        rows = [Row("app: AppTest rerun, a new function typed", fresh, floor, "built by a worker", "≤50 ms",
                    yes_no(fresh.ms <= 50)),
                Row("app: AppTest rerun, a function seen before (cached)", cached, floor, "from the page cache",
                    "≤50 ms", yes_no(cached.ms <= 50))]
        rows += browser_rows(echo, settings)
    return rows


def browser_rows(echo: Path, settings: Settings) -> list[Row]:
    name = "app: browser, type a function → its graph and plot on screen"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return [Row(name, None, None, "skipped: playwright missing", "", "")]
    if not Path(CHROMIUM).exists():
        return [Row(name, None, None, f"skipped: no {CHROMIUM}", "", "")]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        try:
            # the graph's tensor x**2 + 101*x holds the term "101*x", the plot's legend names the function;
            # the echo page echoes the text
            def shown(f: str) -> list[str]:
                return [f"g.node:has-text('{f.split(' + ')[1]}')", f".ae-plot .legendtext:has-text('y = {f}')"]

            ours = browser_round_trip(browser, ROOT / "app.py", shown, settings)
            seen = browser_round_trip(browser, ROOT / "app.py", shown, settings, seen=True)
            anchor = browser_round_trip(browser, echo, lambda f: [f"text='echo: {f}'"], settings)
            cold = cold_start_row(browser, echo, settings)
        finally:
            browser.close()
    met = ours.ms is not None and anchor.ms is not None and ours.ms <= 500 and ours.ms <= 3 * anchor.ms
    # no PyTorch, no layout, no worker: what is left is Streamlit drawing the page and Plotly the plot
    floor = Row("app: browser, a function seen before (page from the cache)", seen, anchor,
                "the same page, no work on the server", "", "")
    return [Row(name, ours, anchor, "", "≤500 ms, ≤3x echo", yes_no(met)), floor, cold]


# -- the table --------------------------------------------------------------------------------


def program_rows(settings: Settings) -> list[Row]:
    """Program mode's interpreter beside CPython running the same text, each from torch.manual_seed(0)."""
    repeat = max(1, min(settings.repeat, 3))  # the fit runs for seconds: a few runs give a steady median
    rows = []
    for name, source, target in (("polynomial fit of Learning PyTorch with Examples, 2,000 steps",
                                  program.POLYNOMIAL_FIT, 2.0),
                                 ("the lab's first cell", program.LAB_FIRST_CELL, None)):
        ours = Timing(statistics.median(program.interpreter_times(source, repeat)) * 1000, repeat)
        anchor = Timing(statistics.median(program.cpython_times(source, repeat)) * 1000, repeat)
        ratio = ours.ms / anchor.ms if ours.ms and anchor.ms else None
        rows.append(Row(f"program mode: {name}", ours, anchor, "anchor = CPython running the same program",
                        f"≤{target:g}x CPython" if target else "",
                        yes_no(ratio is not None and ratio <= target) if target else ""))
    first_cell = program.LAB_FIRST_CELL
    page = Timing(statistics.median(_seconds(lambda: build_program(first_cell), 2 * repeat + 3)) * 1000, 2 * repeat + 3)
    function_page = Timing(statistics.median(_seconds(lambda: build(PageState(function="x**2", points=(("x", "2"),))),
                                                      2 * repeat + 3)) * 1000, 2 * repeat + 3)
    ratio = page.ms / function_page.ms if page.ms and function_page.ms else None
    rows.append(Row("program mode: the lab's first cell, its whole page (run, graphs drawn)", page, function_page,
                    "anchor = function mode's whole page for x**2", "≤1.3x function mode",
                    yes_no(ratio is not None and ratio <= 1.3)))
    built = build_program(program.LAB_FIRST_CELL)
    steps = [i for i in range(len(built.run.forward))] if built.run else []
    step = Timing(statistics.median(_seconds(lambda: [program_view(built, "forward", i, 0) for i in steps[-1:]],
                                             2 * repeat + 3)) * 1000, 2 * repeat + 3)
    rows.append(Row("program mode: one step of the line-by-line view (the graph so far drawn)", step, None,
                    f"{len(steps)} forward graphs in the lab's first cell", "≤50 ms",
                    yes_no(step.ms is not None and step.ms <= 50)))
    return rows


def _seconds(action: Callable[[], object], runs: int) -> list[float]:
    action()  # warm: the first call pays for imports and dot's start
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        action()
        times.append(time.perf_counter() - start)
    return times


def kb(size: int | None) -> str:
    return "?" if size is None else f"{size / 1024:.1f} KB"


def speedup(ours: Timing, anchor: Timing) -> float | None:
    if ours.ms is None or anchor.ms is None:
        return None
    return anchor.ms / ours.ms


def yes_no(met: bool) -> str:
    return "yes" if met else "NO"


def show_ms(timing: Timing | None) -> str:
    if timing is None:
        return "—"
    if timing.ms is None:
        return f">{timing.limit_s * 1000:,.0f}"
    once = " (1 run)" if timing.runs == 1 else ""
    return f"{timing.ms:,.1f}{once}"


def show_ratio(ours: Timing | None, anchor: Timing | None) -> str:
    if ours is None or anchor is None:
        return "—"
    if ours.ms is None and anchor.ms is not None:
        return f"<{anchor.ms / (ours.limit_s * 1000):.3g}x"
    if anchor.ms is None and ours.ms is not None:
        return f">{anchor.limit_s * 1000 / ours.ms:.3g}x"
    value = speedup(ours, anchor)
    return "?" if value is None else f"{value:.3g}x"


def table(rows: list[Row]) -> str:
    header = ("case", "ours (ms)", "anchor (ms)", "ratio", "payload", "target", "met?")
    cells = [header] + [(r.case, show_ms(r.ours), show_ms(r.anchor), show_ratio(r.ours, r.anchor), r.payload,
                         r.target, r.met) for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |" for row in cells]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    return "\n".join(lines)


def machine() -> str:
    model = platform.processor() or platform.machine()
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        names = [line.split(":", 1)[1].strip() for line in cpuinfo.read_text().splitlines()
                 if line.startswith("model name")]
        model = names[0] if names else model
    return f"{model}, {os.cpu_count()} cores, {platform.system()} {platform.release()}"


def dot_version() -> str:
    done = subprocess.run([shutil.which("dot"), "-V"], capture_output=True, check=False)
    return done.stderr.decode().strip()


def heading(settings: Settings) -> str:
    import streamlit

    return "\n".join([
        f"Autograd Explorer benchmark, {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"Python {platform.python_version()}, torch {torch.__version__}, streamlit {streamlit.__version__}, "
        f"plotly {plotly.__version__}, {dot_version()}",
        f"machine: {machine()}",
        f"each time: median of {settings.repeat} runs after {settings.warmup} warm-up; a layout over {SLOW_S:g} s "
        f"is timed once, one over {settings.dot_timeout_s:g} s is stopped; ratio = anchor / ours (above 1: faster)",
    ])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions and a 20 s limit on each layout")
    parser.add_argument("--dot-timeout", type=float, help="seconds before a layout is stopped (default 120, quick 20)")
    parser.add_argument("--no-app", action="store_true", help="leave out (d): AppTest and the browser")
    args = parser.parse_args(argv)
    settings = Settings(warmup=1 if args.quick else 2, repeat=3 if args.quick else 9,
                        dot_timeout_s=args.dot_timeout or (20.0 if args.quick else 120.0), app=not args.no_app)
    if shutil.which("dot") is None:
        sys.exit("the benchmark needs Graphviz's dot program (apt-get install graphviz)")
    print(heading(settings), flush=True)
    rows = [
        *layout_rows("50-step chain sin(y)*1.01 + x", chain_text(50), lambda x: chain_tensor(x, 50), settings),
        *layout_rows("25-deep nest sin(...)*x + x", nest_text(25), lambda x: nest_tensor(x, 25), settings),
    ]
    rows += bigger_rows(settings)
    rows += interaction_rows(settings)
    rows += payload_rows(settings)
    rows += program_rows(settings)
    if settings.app:
        rows += app_rows(settings)
    print()
    print(table(rows))


if __name__ == "__main__":
    main()
