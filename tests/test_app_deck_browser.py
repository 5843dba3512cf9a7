"""A teacher's deck in a real Chromium: author three slides (a function, a program, a question), open the deck's
link in a fresh browser, move with the keys a clicker sends, answer the question wrong then right, and download
the notebook, which then runs in a real Jupyter kernel and prints the slides' numbers.

Uses the server, browser and helpers of tests/test_app_browser.py (see ../shared/BROWSER-TESTS.md). Screenshots
of authoring and presenting go to $SCREENSHOT_DIR.
"""

from __future__ import annotations

import pytest
from test_app_browser import SHOTS, browser, server, settle  # noqa: F401 (the fixtures are used by name)
from test_app_program_browser import open_program, paste, press
from test_deck_notebook import printed_grads, run_notebook
from test_decks import DECK

from explorer import explore
from explorer.compute.interpreter import run_program
from explorer.content.decks import deck_file

pytestmark = [pytest.mark.browser]

PROGRAM = """import torch

w = torch.tensor(1.5, requires_grad=True)
loss = (3 * w - 2) ** 2
loss.backward()
print("dloss/dw =", w.grad)
"""


def counter(tab) -> str:
    return tab.locator(".st-key-deck_bar [data-testid=stMarkdown]").first.inner_text()


def type_function(tab, text: str) -> None:
    box = tab.get_by_role("textbox", name="Function", exact=True)
    box.fill(text)
    box.press("Enter")
    settle(tab)


def summary(tab) -> str:
    return tab.locator("[data-testid=stMarkdown]", has_text="→ value").first.inner_text()


def key(tab, name: str) -> None:
    tab.get_by_role("heading", name="Autograd Explorer").click()  # the focus out of any box
    tab.keyboard.press(name)
    settle(tab)


def shot(tab, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    tab.wait_for_timeout(500)
    tab.screenshot(path=str(SHOTS / name))


def test_author_share_present_answer_and_take_home_a_deck(browser, server, tmp_path):  # noqa: F811
    author = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = author.new_page()
    open_program(tab, server + "/?mode=program")
    paste(tab, PROGRAM)
    tab.locator(".ae-copy pre", has_text="dloss/dw").wait_for()
    tab.get_by_text("Function", exact=True).first.click()  # the mode switch
    settle(tab)
    type_function(tab, "y = x ** 3")
    press(tab, "deck_add")
    tab.get_by_text("Program (PyTorch code)", exact=True).first.click()
    settle(tab)
    press(tab, "deck_add")
    tab.get_by_text("Function", exact=True).first.click()
    settle(tab)
    type_function(tab, "f = u * v + u ** 2")
    press(tab, "deck_add")
    assert counter(tab).startswith("Slide 3 of 3")
    tab.get_by_role("textbox", name="Slide title").fill("Your turn")
    tab.get_by_role("textbox", name="Notes (Markdown)").fill("Two leaves, **one** backward.")
    tab.locator(".st-key-slide_asks").click()
    tab.get_by_role("option", name="a variable's grad after backward()").click()
    tab.get_by_role("textbox", name="About (a variable, or the output's name)").fill("u")
    tab.get_by_role("textbox", name="Hint, after a wrong answer").fill("Treat v as a constant.")
    press(tab, "slide_save")
    assert summary(tab).endswith("u.grad ?, v.grad ?")
    tab.set_viewport_size({"width": 1280, "height": 1500})
    tab.get_by_role("heading", name="Decks").scroll_into_view_if_needed()
    shot(tab, "deck-authoring.png")
    link = tab.locator(".st-key-deck_link pre").inner_text()
    author.close()

    student = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    tab = student.new_page()
    tab.goto(link)
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(tab)
    assert counter(tab).startswith("Slide 1 of 3")
    cubic = explore("y = x ** 3", {"x": 2})
    assert summary(tab) == f"y = x ** 3 → value {cubic.value:g}, x.grad {cubic.grad['x']:g}"
    key(tab, "ArrowRight")
    assert counter(tab).startswith("Slide 2 of 3")
    tab.locator(".ae-copy pre", has_text="dloss/dw").wait_for()
    assert tab.locator(".ae-copy pre").first.inner_text() == run_program(PROGRAM).stdout.strip()
    key(tab, "PageDown")
    assert counter(tab).startswith("Slide 3 of 3")
    key(tab, "PageUp")
    assert counter(tab).startswith("Slide 2 of 3")
    key(tab, "PageDown")
    assert counter(tab).startswith("Slide 3 of 3")
    assert "Two leaves, one backward." in tab.locator(".st-key-deck_notes_box").inner_text()
    truth = explore("f = u * v + u ** 2", {"u": 1, "v": 2}).grad
    answer_box = tab.get_by_role("textbox", name="What is u.grad after backward()?")
    answer_box.fill(f"{truth['u'] + 1:g}")
    answer_box.press("Enter")
    settle(tab)
    assert "Treat v as a constant." in tab.locator("[data-testid=stAlert]").last.inner_text()
    assert summary(tab).endswith("u.grad ?, v.grad ?")
    answer_box.fill(f"{truth['u']:g}")
    answer_box.press("Enter")
    settle(tab)
    assert summary(tab).endswith(f"u.grad {truth['u']:g}, v.grad {truth['v']:g}")
    tab.locator(".st-key-deck_notes label").click()  # notes hidden for the projector
    settle(tab)
    assert tab.locator(".st-key-deck_notes_box").count() == 0
    projector = student.new_page()
    projector.set_viewport_size({"width": 1920, "height": 1080})
    projector.goto(link + "&present=1")
    projector.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(projector)
    projector.locator("g.node").first.wait_for(timeout=30_000)
    assert counter(projector).startswith("Slide 1 of 3")
    shot(projector, "deck-presenting.png")

    with tab.expect_download() as download:
        tab.locator(".st-key-deck_notebook button").click()
    saved = tmp_path / "deck.ipynb"
    download.value.save_as(saved)
    student.close()
    outputs = run_notebook(saved.read_text(encoding="utf-8"), tmp_path)
    assert printed_grads(outputs[0]) == pytest.approx(cubic.grad)
    assert outputs[1] == run_program(PROGRAM).stdout
    assert printed_grads(outputs[2]) == pytest.approx(truth)


def test_a_deck_file_opens_from_the_sidebar_and_a_broken_one_is_refused_with_a_message(browser, server, tmp_path):  # noqa: F811
    """The file door, as a teacher past a link's length uses it: the file the Deck file button writes opens again;
    a damaged file is named in a message and the page goes on."""
    good, broken = tmp_path / "lesson.json", tmp_path / "broken.json"
    good.write_text(deck_file(DECK), encoding="utf-8")
    broken.write_bytes(deck_file(DECK).encode()[:-40] + b"\xff")
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    tab.goto(server + "/")
    tab.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(tab)
    tab.locator(".st-key-deck_upload input[type=file]").set_input_files(str(broken))
    settle(tab)
    assert "The deck file was not opened" in tab.locator("[data-testid=stAlert]").first.inner_text()
    assert tab.locator(".st-key-deck_bar").count() == 0
    tab.locator(".st-key-deck_upload input[type=file]").set_input_files(str(good))
    settle(tab)
    assert counter(tab).startswith(f"Slide 1 of {len(DECK.slides)}")
    first = DECK.slides[0]
    truth = explore(first.function, {v: float(p) for v, p in first.points})
    assert summary(tab) == f"{first.function} → value {truth.value:g}, x.grad {truth.grad['x']:g}"
    context.close()
