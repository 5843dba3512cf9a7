"""The app in a real Chromium: what only a browser shows (the drawn graph, the plot, clicks, links).

Starts the app on a free local port and drives Debian's Chromium with
Playwright (see ../shared/BROWSER-TESTS.md for why each flag is here).
Screenshots of the main views go to $SCREENSHOT_DIR (default
``test-artifacts/``; ``make screenshots`` writes them into ``assets/``).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

import pytest

playwright = pytest.importorskip("playwright.sync_api")

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SHOTS = Path(os.environ.get("SCREENSHOT_DIR", ROOT / "test-artifacts"))

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "app.py", "--server.headless", "true",
         "--server.address", "127.0.0.1", "--server.port", str(port), "--browser.gatherUsageStats", "false",
         "--server.fileWatcherType", "none"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            if urllib.request.urlopen(f"{url}/_stcore/health", timeout=1).read() == b"ok":
                break
        except OSError:
            time.sleep(0.2)
    else:
        process.kill()
        pytest.fail("the app did not start within 60 s")
    yield url
    process.terminate()
    process.wait(timeout=10)


@pytest.fixture(scope="module")
def browser():
    with playwright.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = context.new_page()
    yield tab
    context.close()


def settle(tab) -> None:
    """Wait for the rerun a change started to finish, the way Streamlit's own tests do."""
    tab.wait_for_timeout(300)
    tab.wait_for_selector("[data-testid=stApp][data-test-connection-state=CONNECTED]", timeout=60_000)
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=60_000)
    assert tab.locator("[data-testid=stException]").count() == 0, "the app raised an exception"


def open_app(tab, server: str, query: dict[str, str] | None = None, link: str | None = None) -> None:
    tab.goto(link or server + ("/?" + urlencode(query) if query else "/"))
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(tab)
    if (query or {}).get("view") != "torchviz":
        tab.locator("g.node").first.wait_for(timeout=30_000)


def type_into(tab, label: str, text: str) -> None:
    box = tab.get_by_role("textbox", name=label, exact=True)
    box.fill(text)
    box.press("Enter")
    settle(tab)


def graph_names(tab) -> list[str]:
    """Each graph node's first line: a grad_fn's name (its saved values are the rows below it), a tensor's label."""
    return [node.locator("text").first.text_content().strip() for node in tab.locator("g.node").all()]


def graph_texts(tab) -> list[str]:
    return [t.strip() for t in tab.locator("g.node").all_text_contents()]


def summary(tab) -> str:
    return tab.locator("[data-testid=stMarkdown]", has_text="→ value").first.inner_text()


def inspector(tab) -> str:
    """The inspector's text about the chosen node (the legend's sentence under the graph names next_functions too)."""
    return tab.locator("[data-testid=stMarkdown]", has_text="next_functions").filter(
        has_not_text="Arrows run backward").inner_text()


def table_row(tab, tensor: str) -> list[str]:
    rows = tab.locator("[data-testid=stMarkdownContainer] table:has(th:text-is('requires_grad')) tbody tr")
    for i in range(rows.count()):
        cells = [c.strip().replace("\u00a0", " ") for c in rows.nth(i).locator("td, th").all_inner_texts()]
        if cells and cells[0] == tensor:
            return cells
    raise AssertionError(f"no row for tensor {tensor!r}")


def screenshot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    # every plot drawn, and the page's height settled
    tab.wait_for_function("() => [...document.querySelectorAll('.ae-plot')].every(p => p.querySelector('.main-svg'))")
    height = None
    for _ in range(20):
        now = tab.evaluate("() => document.querySelector('[data-testid=stMain]').scrollHeight")
        if now == height:
            break
        height = now
        tab.wait_for_timeout(300)
    tab.set_viewport_size({"width": 1400, "height": min(int(height) + 40, 5000)})
    tab.wait_for_timeout(800)
    tab.screenshot(path=str(SHOTS / name), full_page=True)
    tab.set_viewport_size({"width": 1400, "height": 1000})


LAB = [
    # (function as the lab writes it, points, grad_fns the graph must show, the summary's ending)
    ("y = x ** 2", {"x": "2"}, {"PowBackward0", "AccumulateGrad"}, "x.grad 4"),
    ("y = x ** 2 + 2 * x + 1", {"x": "2"}, {"PowBackward0", "MulBackward0", "AddBackward0"}, "x.grad 6"),
    ("y = 2 * x ** 3 + x", {"x": "1"}, {"PowBackward0", "MulBackward0", "AddBackward0"}, "x.grad 7"),
    ("y = SQ(x)", {"x": "2"}, {"SQBackward", "AccumulateGrad"}, "x.grad 4"),
    ("f = u * v + u ** 2", {"u": "1", "v": "2"}, {"MulBackward0", "PowBackward0", "AddBackward0"},
     "u.grad 4, v.grad 1"),
    ("y = torch.sum(x ** 2)", {"x": "-10:10:10"}, {"SumBackward0", "PowBackward0"}, "x.grad [-20 ... 20] (10)"),
    ("Y = torch.relu(x)", {"x": "-10:10:1000"}, {"ReluBackward0", "SumBackward0"}, "x.grad [0 ... 1] (1,000)"),
    ("f = u * v + (u * v) ** 2", {"u": "2", "v": "1"}, {"MulBackward0", "PowBackward0"}, "u.grad 5, v.grad 10"),
]


@pytest.mark.parametrize(("function", "points", "grad_fns", "ending"), LAB, ids=[case[0] for case in LAB])
def test_typing_each_lab_function_draws_its_graph_values_and_plot(page, server, function, points, grad_fns,
                                                                  ending):
    open_app(page, server)
    type_into(page, "Function", function)
    for variable, typed in points.items():
        type_into(page, f"{variable} =", typed)
    assert summary(page).endswith(ending)
    assert grad_fns <= set(graph_names(page))
    leaf = table_row(page, "x" if "x" in points else "u")
    assert leaf[3:6] == ["None", "True", "True"]  # grad_fn, is_leaf, requires_grad: the lab's printout
    traces = page.locator(".ae-plot").first.locator("g.trace")
    legend = page.locator(".ae-plot").first.locator("g.legend").text_content()
    assert traces.count() >= 2 and "(autograd)" in legend  # the function and its derivative


def test_graph_keeps_up_with_several_changes_in_a_row(page, server):
    open_app(page, server)
    for function, name in [("sin(x)", "SinBackward0"), ("exp(x)", "ExpBackward0"), ("x.tanh()", "TanhBackward0"),
                           ("sqrt(x)", "SqrtBackward0"), ("torch.sigmoid(x)", "SigmoidBackward0")]:
        type_into(page, "Function", function)
        assert name in graph_names(page), f"the graph still shows the previous function instead of {function}"


def test_bad_input_shows_its_message_and_the_page_keeps_working(page, server):
    open_app(page, server)
    type_into(page, "Function", "x ** 2 + q")
    error = page.locator("[data-testid=stAlert]", has_text="unknown variable").inner_text()
    assert "column 10" in error
    assert "PowBackward0" in graph_names(page)  # the last good graph stays
    type_into(page, "Function", "x ** 3")
    assert summary(page).endswith("x.grad 12")


def test_a_copied_link_reopens_the_same_page(browser, server):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=server)
    page = context.new_page()
    open_app(page, server)
    type_into(page, "Function", "f = u * v + u ** 2")
    type_into(page, "u =", "3")
    shown = page.locator(".ae-copy", has_text="?f=")
    shown.get_by_role("button", name="Copy the link to this page").click()
    link = page.evaluate("navigator.clipboard.readText()")
    assert link == shown.locator("pre").inner_text().strip() and link.startswith(server)
    assert shown.get_by_role("button").inner_text() == "Copied"  # the teacher sees it worked
    other = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    open_app(other, server, link=link)
    assert other.get_by_role("textbox", name="Function", exact=True).input_value() == "f = u * v + u ** 2"
    assert other.get_by_role("textbox", name="u =", exact=True).input_value() == "3"
    assert summary(other) == summary(page)
    other.context.close()
    context.close()


def test_clicking_a_graph_node_opens_it_in_the_inspector(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1"})
    page.locator("g.node", has_text="PowBackward0").click()
    settle(page)
    details = inspector(page)
    assert "PowBackward0" in details and "exponent" in details and "AccumulateGrad" in details
    assert page.locator("g.node.ae-selected", has_text="PowBackward0").count() == 1


def test_a_graph_node_can_be_chosen_with_the_keyboard(page, server):
    open_app(page, server, {"f": "y = x ** 2"})
    node = page.locator("g.node", has_text="AccumulateGrad")
    node.focus()
    page.keyboard.press("Enter")
    settle(page)
    details = inspector(page)
    assert "accumulates into tensor x" in details


def test_a_crafted_link_cannot_put_markup_or_script_on_the_page(page, server):
    dialogs = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    page.goto(server + "/?" + urlencode({"f": "<img src=x onerror=alert(1)>", "x": "<script>alert(2)</script>",
                                         "node": "\"><svg onload=alert(3)>"}))
    settle(page)
    page.wait_for_timeout(1000)
    assert dialogs == []
    assert page.locator("img[src=x]").count() == 0
    alerts = " ".join(page.locator("[data-testid=stAlert]").all_inner_texts())
    assert "value of x was ignored" in alerts and "node=" in alerts and "(column 1)" in alerts


def test_torchviz_view_draws_what_make_dot_draws(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "view": "torchviz"})
    image = page.locator("[data-testid=stImage] img").first
    image.wait_for()
    assert image.get_attribute("src")


def test_screenshots_of_the_main_views(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "lesson": "polynomial"})
    page.locator("g.node", has_text="PowBackward0").click()
    settle(page)
    screenshot(page, "explorer.png")
    open_app(page, server, {"f": "f = u * v + u ** 2", "lesson": "partial"})
    screenshot(page, "partial-derivatives.png")
    open_app(page, server, {"f": "Y = torch.relu(x)", "x": "-10:10:1000", "lesson": "relu"})
    screenshot(page, "relu.png")
    open_app(page, server, {"f": "y = SQ(x)", "lesson": "custom-function"})
    screenshot(page, "custom-function.png")
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "view": "torchviz"})
    screenshot(page, "torchviz-view.png")
    # a course page's embed, in the dark theme: the graph keeps its white page
    open_app(page, server, {"f": "f = u * v + (u * v) ** 2", "u": "2", "v": "1", "embed": "true",
                            "embed_options": "dark_theme"})
    screenshot(page, "embedded-dark.png")
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "present": "1", "lesson": "polynomial"})
    screenshot(page, "presentation.png")
    open_app(page, server, {"f": "f = u * v + u ** 2", "lesson": "partial"})
    page.get_by_text("forward mode beside reverse", exact=True).click()
    settle(page)
    screenshot(page, "forward-mode.png")
    page.get_by_text("the errors everyone hits", exact=True).click()
    settle(page)
    screenshot(page, "pitfalls.png")
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "lesson": "polynomial", "step": "4"})
    screenshot(page, "backward-player.png")
    names = (
        "backward-player.png",
        "forward-mode.png",
        "pitfalls.png",
        "presentation.png",
        "explorer.png",
        "partial-derivatives.png",
        "relu.png",
        "custom-function.png",
        "torchviz-view.png",
        "embedded-dark.png",
    )
    for name in names:
        assert (SHOTS / name).stat().st_size > 20_000


def plot_pixel(chart, x: float, y: float) -> tuple[float, float]:
    """Where the point (x, y) of a drawn plot is on the page, from Plotly's own axes."""
    offset = chart.evaluate("""(gd, [x, y]) => {
        const xa = gd._fullLayout.xaxis, ya = gd._fullLayout.yaxis;
        return [xa._offset + xa.l2p(x), ya._offset + ya.l2p(y)];
    }""", [x, y])
    box = chart.bounding_box()
    return box["x"] + offset[0], box["y"] + offset[1]


def test_clicking_the_curve_moves_the_evaluation_point(page, server):
    open_app(page, server, {"f": "y = x ** 2"})
    chart = page.locator(".ae-plot.js-plotly-plot").first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    where = plot_pixel(chart, 5, 25)
    page.mouse.move(*where)  # Plotly picks the point under the hover
    page.wait_for_timeout(300)
    assert "(5, 25)" in chart.locator("g.hovertext").first.text_content(), "hovering the curve reads its value"
    # the hover points answer from Plotly's data: redrawing the plot draws the visible markers only
    assert chart.locator("path.point").count() <= 5
    page.mouse.click(*where)
    settle(page)
    x = float(page.get_by_role("textbox", name="x =", exact=True).input_value())
    assert abs(x - 5) < 1, "the point moved to where the curve was clicked"
    assert summary(page).endswith(f"x.grad {2 * x:.4g}")
    assert table_row(page, "x")[1] == f"{x:g}", "the tensors are the new point's"
    legend = page.locator(".ae-plot").first.locator("g.legend").text_content()
    assert f"x = {x:g}" in legend, "the plot's marker moved with the point"


def test_clicking_the_contour_moves_both_variables(page, server):
    open_app(page, server, {"f": "f = u * v + u ** 2", "u": "1", "v": "2"})
    chart = page.locator(".ae-plot.js-plotly-plot", has=page.locator("g.contourlayer")).first
    chart.wait_for()
    chart.scroll_into_view_if_needed()
    page.mouse.click(*plot_pixel(chart, -3, 4))
    settle(page)
    u = float(page.get_by_role("textbox", name="u =", exact=True).input_value())
    v = float(page.get_by_role("textbox", name="v =", exact=True).input_value())
    assert abs(u + 3) < 1 and abs(v - 4) < 1, (u, v)
    assert summary(page).endswith(f"u.grad {v + 2 * u:.4g}, v.grad {u:.4g}")


def test_the_plot_loads_plotlys_cartesian_bundle_once_and_not_streamlits_chart(page, server):
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    open_app(page, server, {"f": "y = x ** 2"})
    plot = page.locator(".ae-plot.js-plotly-plot").first
    plot.locator("g.trace").first.wait_for()
    assert "y = x ** 2" in plot.locator("g.legend").text_content()
    assert plot.locator("g.trace.scatter path.js-line").count() >= 2, "the function and its derivative are drawn"
    for function in ("x ** 3", "sin(x)"):
        type_into(page, "Function", function)
        page.wait_for_function("f => document.querySelector('.ae-plot g.legend').textContent.includes(f)",
                               arg=f"y = {function}")
    page.get_by_text("f'' beside f and f'", exact=True).click()  # a second plot in the page
    settle(page)
    assert page.locator(".ae-plot.js-plotly-plot").count() >= 2
    bundles = [url for url in requests if url.endswith("/app/static/plotly-cartesian-4.1.1.min.js")]
    assert len(bundles) == 1, bundles
    charts = [url for url in requests if "/static/js/" in url and "plotly" in url.lower()]
    assert charts == [], "Streamlit's own Plotly chunk (4.7 MB) is not needed"


def test_the_plot_is_labelled_and_readable_in_the_dark_theme(page, server):
    open_app(page, server, {"f": "y = x ** 2", "embed": "true", "embed_options": "dark_theme"})
    plot = page.locator(".ae-plot").first
    plot.locator("g.xtick text").first.wait_for()
    assert plot.get_attribute("role") == "figure"
    assert plot.get_attribute("aria-label").startswith("plot of y = x ** 2, dy/dx (autograd)")
    # the tick labels take the theme's light text on the dark page, not Plotly's default dark grey
    fill = plot.locator("g.xtick text").first.evaluate("t => getComputedStyle(t).fill")
    red, green, blue = (int(c) for c in fill[fill.index("(") + 1:fill.index(")")].split(",")[:3])
    assert red + green + blue > 3 * 180, fill
    assert plot.locator("rect.bg").first.evaluate("r => getComputedStyle(r).fillOpacity") == "0"


def test_presentation_mode_draws_the_plot_larger(page, server):
    open_app(page, server, {"f": "y = x ** 2", "present": "1"})
    plot = page.locator(".ae-plot").first
    plot.locator("g.xtick text").first.wait_for()
    assert plot.locator("svg.main-svg").first.get_attribute("height") == "520"
    assert plot.locator("g.xtick text").first.evaluate("t => getComputedStyle(t).fontSize") == "20px"


def test_downloads_give_a_script_and_a_picture_of_the_graph(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1"})
    with page.expect_download() as script:
        page.get_by_role("button", name="Python script").click()
    text = Path(script.value.path()).read_text()
    assert "y = x ** 2 + 2 * x + 1" in text and "y.backward()" in text and "make_dot" in text
    settle(page)
    with page.expect_download(timeout=60_000) as picture:
        page.get_by_role("button", name="Graph PNG").click()
    assert Path(picture.value.path()).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_stepping_through_backward_moves_the_highlight_and_fills_in_grads(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "lesson": "polynomial"})
    page.get_by_role("button", name="First").click()
    settle(page)
    seen = []
    for _ in range(5):
        running = page.locator("g.node.ae-running").first
        running.wait_for()
        hidden = sum("grad ?" in t for t in graph_texts(page))
        seen.append((running.locator("text").first.text_content().strip(), hidden))  # the name, above its rows
        if len(seen) < 5:
            page.get_by_role("button", name="Next").click()
            settle(page)
    names = [name for name, _ in seen]
    assert names == ["AddBackward0", "AddBackward0", "MulBackward0", "PowBackward0", "AccumulateGrad"]
    assert [hidden for _, hidden in seen] == [4, 3, 2, 1, 0]  # each step reveals one more tensor's grad
    story = page.locator("[data-testid=stMarkdown]", has_text="AccumulateGrad writes into").inner_text()
    assert "2 + 4 = 6" in story
    screenshot(page, "backward-player.png")


def test_play_advances_on_its_own(page, server):
    open_app(page, server, {"f": "y = x ** 2 + 2 * x + 1", "step": "1"})
    page.get_by_role("button", name="Play").click()
    heading = "Step 1 of 5"
    for _ in range(30):  # at 1 s a step it moves within a few seconds; a busy machine gets 15 s
        page.wait_for_timeout(500)
        heading = page.locator("[data-testid=stMarkdown]", has_text="of 5:").first.inner_text()
        if not heading.startswith("Step 1 of 5"):
            break
    assert not heading.startswith("Step 1 of 5"), "the player did not move on its own"
