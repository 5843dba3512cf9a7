"""The page at the widths a class uses, in both themes: nothing clipped, the graph fitting its frame (or saying
that it scrolls), the contour on its own axes, and no WCAG 2.1 A/AA violation axe-core can find.

The widths: a projector at 1280 and 1920 px (presentation mode, the sidebar open and folded), a course page's
embed at 800 and 1000 px (``embed=true``), a phone at 390 px. Each theme is one browser page that loads each
kind of link once and resizes it, to keep the family quick. axe-core is vendored in ``tests/vendor`` (its
licence beside it) and injected into the page. Screenshots of each width go to $SCREENSHOT_DIR (default
``test-artifacts/``; ``make screenshots`` writes them into ``assets/``).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import pytest
from test_app_browser import CHROMIUM, SHOTS, browser, server, settle  # noqa: F401 (fixtures: one server here)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)"),
]

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core-4.14.1.min.js"
THEMES = ("light", "dark")
# the lesson with the widest graph, a contour, the player mid-way and every control the page has
LESSON = {"f": "f = u * v + u ** 2", "lesson": "partial", "step": "3"}
# (how the class sees it, the link's extra parameters, [(width, sidebar open)])
SETTINGS = [
    ("projector", {"present": "1"}, [(1280, False), (1280, True), (1920, True), (1920, False)]),
    ("embed", {"embed": "true"}, [(1000, False), (1000, True), (800, False)]),  # opened where "auto" shows the sidebar
    ("phone", {}, [(390, False)]),
]

# every piece of a button or a select that shows text, is on screen and has less room than its text needs
CLIPPED = """() => [...document.querySelectorAll('button, button *, [data-baseweb=select] *')].filter(e => {
    const box = e.getBoundingClientRect();
    return box.width > 0 && box.right > 0 && e.textContent.trim() && e.checkVisibility()
        && e.scrollWidth > e.clientWidth;
}).map(e => `"${e.textContent.trim()}" needs ${e.scrollWidth} px in ${e.clientWidth}`)"""

# every table that scrolls sideways within its frame (on a projector the class cannot scroll it)
TABLES_CUT = """() => [...document.querySelectorAll('[data-testid=stMain] table')]
    .filter(t => t.checkVisibility() && t.scrollWidth > t.clientWidth + 1)
    .map(t => `a table needs ${t.scrollWidth} px in ${t.clientWidth}: "${t.querySelector('th').textContent}" ...`)"""

IS_OPEN = ("() => { const box = document.querySelector('[data-testid=stSidebar]').getBoundingClientRect(); "
           "return box.width > 100 && box.left >= 0; }")


def load(tab, server: str, query: dict[str, str]) -> None:  # noqa: F811 (server is the fixture's url)
    tab.goto(server + "/?" + urlencode(query))
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(tab)
    tab.locator("g.node").first.wait_for(timeout=30_000)
    tab.locator(".ae-plot g.contourlayer").first.wait_for(timeout=30_000)


def sidebar(tab, shown: bool) -> None:
    """Open or fold the lessons sidebar, as a teacher does with its « and » buttons."""
    is_open = IS_OPEN
    if tab.evaluate(is_open) != shown:
        if shown:
            tab.locator("[data-testid=stExpandSidebarButton]").first.click()
        else:
            tab.locator("[data-testid=stSidebar]").hover()  # the « button shows on hover
            tab.locator("[data-testid=stSidebarCollapseButton] button").first.click()
        tab.wait_for_function(is_open if shown else f"() => !({is_open})()")
    tab.wait_for_timeout(600)  # the sidebar's slide, and the graph and plot resizing to the new width


def graph_frame(tab) -> dict:
    canvas = tab.locator(".ae-canvas").first
    return canvas.evaluate("""c => ({scroll: c.scrollWidth, client: c.clientWidth,
        cue: Boolean(c.closest('.ae-graph').querySelector('.ae-cue:not([hidden])')),
        right: Boolean(c.closest('.ae-more-right')),
        text: Math.min(...[...c.querySelectorAll('text')].map(t => t.getBoundingClientRect().height))})""")


def contour_axes(tab) -> dict:
    """The contour's drawn axis ranges and the farthest any arrow's line reaches, from Plotly's own state."""
    return tab.locator(".ae-plot.js-plotly-plot", has=tab.locator("g.contourlayer")).first.evaluate("""gd => {
        const reach = gd.data.filter(t => (t.name || '').startsWith('gradient'))
            .flatMap(t => t.x.concat(t.y)).filter(v => v !== null && Number.isFinite(v));
        return {x: gd._fullLayout.xaxis.range, y: gd._fullLayout.yaxis.range,
                low: Math.min(...reach), high: Math.max(...reach)};
    }""")


@pytest.mark.parametrize("theme", THEMES)
def test_the_page_holds_at_a_class_widths(browser, server, theme):  # noqa: F811
    problems: list[str] = []
    for kind, extra, sizes in SETTINGS:
        # a fresh context each: Streamlit remembers a sidebar the visitor folded or opened
        context = browser.new_context(viewport={"width": sizes[0][0], "height": 900}, color_scheme=theme)
        tab = context.new_page()
        load(tab, server, {**LESSON, **extra})
        if extra and tab.evaluate(IS_OPEN):  # a projector's and a course page's link give the page the width
            problems.append(f"{kind} ({theme}) opens with the sidebar taking the width")
        for width, open_sidebar in sizes:
            where = f"{kind} {width} px{' with the sidebar' if open_sidebar else ''}, {theme}"
            tab.set_viewport_size({"width": width, "height": 900})
            sidebar(tab, open_sidebar)
            problems += [f"{where}: {clip}" for clip in tab.evaluate(CLIPPED)]
            if kind == "projector":
                problems += [f"{where}: {cut}" for cut in tab.evaluate(TABLES_CUT)]
            frame = graph_frame(tab)
            if frame["scroll"] > frame["client"] or frame["cue"]:
                problems.append(f"{where}: the graph does not fit its frame by default ({frame})")
            # zoomed in to read, the graph scrolls: the frame says so, and shows the side with more
            zoom = tab.get_by_role("button", name="Zoom the graph in")
            for _ in range(3):
                zoom.click()
            zoomed = graph_frame(tab)
            if not (zoomed["scroll"] > zoomed["client"] and zoomed["cue"] and zoomed["right"]):
                problems.append(f"{where}: a zoomed graph scrolls with no cue ({zoomed})")
            tab.get_by_role("button", name="Fit the graph to the width").click()
            axes = contour_axes(tab)
            if axes["x"] != [-10, 10] or axes["y"] != [-10, 10]:
                problems.append(f"{where}: the contour's axes run {axes['x']} by {axes['y']}, not the window's")
            if axes["low"] < -10 or axes["high"] > 10:
                problems.append(f"{where}: gradient arrows reach {axes['low']:.3g}..{axes['high']:.3g}, off the "
                                "coloured area")
            # what the class sees: the graph and the player at the top of the screen
            tab.get_by_text("Graph view", exact=True).evaluate("e => e.scrollIntoView({block: 'start'})")
            tab.wait_for_timeout(300)
            SHOTS.mkdir(parents=True, exist_ok=True)
            name = f"layout-{kind}-{width}{'-sidebar' if open_sidebar else ''}-{theme}.png"
            tab.screenshot(path=str(SHOTS / name))
        context.close()
    assert not problems, "\n".join(problems)


def test_the_sidebar_names_the_theme_choices_streamlits_menu_has(browser, server):  # noqa: F811
    tab = browser.new_page(viewport={"width": 1280, "height": 900})
    tab.goto(server + "/")
    settle(tab)
    note = tab.locator("[data-testid=stSidebar] [data-testid=stCaptionContainer]", has_text="theme").inner_text()
    named = re.search(r"→ ([^.]+)\.", note)
    assert named, note
    tab.locator("[data-testid=stMainMenu]").click()
    menu = tab.locator("[data-testid=stMainMenuPopover]").inner_text().splitlines()
    for item in re.split(r", | or ", named.group(1)):
        assert item in menu, f"the sidebar says {item!r}; the menu shows {menu}"
    tab.close()


def violations(tab) -> list[str]:
    """axe-core's WCAG 2.1 A and AA violations on the page as it is now: rule, and where."""
    tab.add_script_tag(path=str(AXE))
    found = tab.evaluate("""async () => (await axe.run(document, {runOnly: {type: 'tag',
        values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}})).violations.flatMap(v => v.nodes.map(n =>
        `${v.id}: ${n.target.join(' ')} (${(n.any[0] || n.all[0] || n.none[0] || {}).message || v.help})`))""")
    return list(found)


@pytest.mark.parametrize("theme", THEMES)
def test_axe_finds_no_wcag_violation(browser, server, theme):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900}, color_scheme=theme)
    tab = context.new_page()
    found: list[str] = []
    pages = [("the first page", {"f": "x**2 + 2*x + 1"}, None),
             ("a lesson", {"f": "f = u * v + u ** 2", "lesson": "partial"}, None),
             ("the player mid-way", {"f": "y = x ** 2 + 2 * x + 1", "lesson": "polynomial", "step": "3"}, None),
             ("a deeper view", {"f": "f = u * v + u ** 2", "lesson": "partial"}, "forward mode beside reverse")]
    for name, query, view in pages:
        tab.goto(server + "/?" + urlencode(query))
        settle(tab)
        tab.locator("g.node").first.wait_for(timeout=30_000)
        if view:
            tab.get_by_text(view, exact=True).click()
            settle(tab)
        tab.wait_for_function("() => [...document.querySelectorAll('.ae-plot')].every(p => "
                              "p.querySelector('.main-svg'))")
        found += [f"{name} ({theme}): {v}" for v in violations(tab)]
    context.close()
    assert not found, "\n".join(found)
