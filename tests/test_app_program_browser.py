"""Program mode in a real Chromium: paste a program into the editor, step it line by line while the graph grows,
run backward in the player, reopen the shared link in a fresh browser, and read a refused program's message.

Uses the server, browser and helpers of tests/test_app_browser.py (see ../shared/BROWSER-TESTS.md). Screenshots
of program mode go to $SCREENSHOT_DIR (``make screenshots`` writes them into ``assets/``).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_app_browser import SHOTS, browser, inspector, page, server, settle  # noqa: F401 (the fixtures are used by name)

pytestmark = [pytest.mark.browser]

PROGRAM = """import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2
z = y * 3 + x
z.backward()
print("dz/dx =", x.grad)
"""


def open_program(tab, url: str) -> None:
    tab.goto(url)
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(tab)
    tab.locator(".cm-editor").first.wait_for(timeout=30_000)


def paste(tab, program: str) -> None:
    """Select everything in the editor, paste ``program`` over it, and run it."""
    tab.locator(".cm-content").click()
    tab.keyboard.press("Control+A")
    tab.keyboard.insert_text(program)  # as a paste does: no auto-indent, no closing brackets added
    tab.get_by_role("button", name="Run the program").click()
    settle(tab)


def printed(tab) -> str:
    return tab.locator(".ae-copy pre").first.inner_text()


def current_line(tab) -> str:
    return tab.locator(".cm-ae-current").inner_text()


def editor_lines(tab) -> list[str]:
    """The editor's lines with text (the browser's innerText doubles an empty line)."""
    return [line for line in tab.locator(".cm-content").inner_text().splitlines() if line.strip()]


def drawn_nodes(tab) -> int:
    return tab.locator(".ae-graph g.node").count()


def clipped_labels(tab) -> list[str]:
    """Button labels the browser cut short ("Ba..."): their text is wider than their box."""
    return tab.evaluate("""() => [...document.querySelectorAll('button, button *')].filter(el =>
        el.textContent.trim() && el.clientWidth > 0 && el.scrollWidth > el.clientWidth + 1)
        .map(el => el.textContent)""")


def press(tab, key: str) -> None:
    """Click the button whose widget key is ``key`` (Streamlit marks its element with the class st-key-<key>)."""
    tab.locator(f".st-key-{key} button").click()
    settle(tab)


def step(tab, name: str) -> None:
    press(tab, f"pstep_{name.lower()}")


def test_program_paste_step_play_backward_share_and_refuse(browser, server):  # noqa: F811
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    open_program(tab, server + "/?mode=program")
    paste(tab, PROGRAM)
    tab.locator(".ae-copy pre", has_text="dz/dx").wait_for()
    assert printed(tab) == "dz/dx = tensor(13.)"
    assert editor_lines(tab) == [line for line in PROGRAM.splitlines() if line]

    tab.get_by_role("heading", name="Autograd Explorer").click()  # the focus out of the editor
    tab.keyboard.press("PageDown")  # what a presenter's clicker sends
    settle(tab)
    assert current_line(tab) == "import torch"
    tab.keyboard.press("ArrowRight")
    settle(tab)
    assert current_line(tab) == "x = torch.tensor(2.0, requires_grad=True)"
    tab.keyboard.press("ArrowLeft")
    settle(tab)
    assert current_line(tab) == "import torch"
    step(tab, "First")
    assert current_line(tab) == "import torch"
    step(tab, "Next")
    assert current_line(tab) == "x = torch.tensor(2.0, requires_grad=True)" and drawn_nodes(tab) == 0
    step(tab, "Next")
    tab.locator(".ae-graph g.node", has_text="PowBackward0").wait_for()
    after_y = drawn_nodes(tab)
    step(tab, "Next")
    tab.locator(".ae-graph g.node", has_text="MulBackward0").wait_for()
    assert current_line(tab) == "z = y * 3 + x" and drawn_nodes(tab) > after_y  # the graph grew
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / "program-mode.png"))

    step(tab, "Next")  # z.backward(): the player takes over
    assert current_line(tab) == "z.backward()"
    press(tab, "step_last")
    assert "x.grad = 13" in tab.locator("[data-testid=stMarkdown]", has_text="AccumulateGrad writes").inner_text()
    assert tab.locator(".ae-graph g.node.ae-running", has_text="AccumulateGrad").count() == 1
    tab.screenshot(path=str(SHOTS / "program-mode-backward.png"))
    assert clipped_labels(tab) == []  # the player's buttons too, at a projector's width
    tab.locator(".ae-graph g.node", has_text="PowBackward0").click()  # the inspector below the player
    settle(tab)
    details = inspector(tab)
    assert "PowBackward0" in details and "saved tensor self" in details

    with tab.expect_download() as download:
        tab.get_by_role("button", name="Python script").click()
    assert Path(download.value.path()).read_text(encoding="utf-8") == PROGRAM  # the program back, to run as it is

    link = tab.locator(".ae-copy pre", has_text="mode=program").inner_text().replace("\n", "").strip()
    assert "code=" in link and "pstep=5" in link
    fresh = browser.new_context(viewport={"width": 1280, "height": 900})
    other = fresh.new_page()
    open_program(other, link)
    assert editor_lines(other) == [line for line in PROGRAM.splitlines() if line]
    assert current_line(other) == "z.backward()"
    fresh.close()

    paste(tab, "import torch\nx = torch.ones(2, requires_grad=True)\nx.__class__\n")
    alert = tab.locator("[data-testid=stAlert]", has_text="Line 3, column").inner_text()
    assert "Line 3, column" in alert and "__class__" in alert
    assert tab.locator(".cm-ae-error").inner_text() == "x.__class__"
    context.close()


@pytest.mark.parametrize(("width", "name", "query"), [
    (800, "program-mode-embed.png", "&embed=true"),
    (390, "program-mode-phone.png", ""),
])
def test_program_mode_at_a_course_pages_and_a_phones_width(browser, server, width, name, query):  # noqa: F811
    context = browser.new_context(viewport={"width": width, "height": 900})
    tab = context.new_page()
    open_program(tab, server + "/?mode=program&pstep=5" + query)
    tab.locator(".ae-graph g.node", has_text="PowBackward0").wait_for()
    assert clipped_labels(tab) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SHOTS / name))
    context.close()
