"""In front of a class, in a real Chromium: one story on screen while backward plays, the sum trick readable
point by point, and float64 visibly different from float32.

Uses the server, browser and helpers of tests/test_app_browser.py (one server for the module); PyTorch is the
oracle for every number. Screenshots of the player mid-way and of lesson 7, at a projector's and a phone's
width, go to $SCREENSHOT_DIR.
"""

from __future__ import annotations

from urllib.parse import urlencode

import numpy as np
import pytest
import torch
from test_app_browser import SHOTS, browser, open_app, page, server, settle, summary, table_row  # noqa: F401 (the fixtures are used by name)

from explorer.language.program_link import encode

pytestmark = [pytest.mark.browser]

POLYNOMIAL = {"lesson": "polynomial", "f": "y = x ** 2 + 2 * x + 1", "x": "2"}
SUM_TRICK = {"lesson": "sum-trick", "f": "Y = x ** 2", "x": "-10:10:10"}


def graph_grads(tab) -> dict[str, str]:
    """Each tensor box of the graph: its label and what its grad row says ("?" or a number)."""
    found = {}
    for node in tab.locator(".ae-graph g.node").all():
        lines = [t.strip() for t in node.locator("text").all_text_contents()]
        grads = [line.removeprefix("grad ").strip() for line in lines if line.startswith("grad ")]
        if grads:
            found[lines[0]] = grads[0]
    return found


def inspector(tab) -> str:
    return tab.locator("[data-testid=stMarkdownContainer]", has_text="made by").last.inner_text()


def torch_grad(function, x: float, dtype=torch.float32) -> float:
    leaf = torch.tensor(x, dtype=dtype, requires_grad=True)
    function(leaf).backward()
    return leaf.grad.item()


def shots(tab, name: str, height: int) -> None:
    """The page as a projector (1280 px) and a phone (390 px) show it, whole, for a person to look at."""
    SHOTS.mkdir(parents=True, exist_ok=True)
    for width in (1280, 390):
        tab.set_viewport_size({"width": width, "height": height})
        tab.wait_for_timeout(800)
        tab.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    tab.set_viewport_size({"width": 1400, "height": 1000})


def test_the_player_mid_way_shows_one_step_in_graph_header_table_inspector_and_plot(page, server):  # noqa: F811
    open_app(page, server, {**POLYNOMIAL, "step": "2", "node": "t0"})
    drawn = graph_grads(page)
    assert drawn["x"] == "?" and drawn["y"] != "?"  # backward starts at y and has not reached x after 2 steps
    assert summary(page).endswith("x.grad ?")
    for label, grad in drawn.items():
        assert table_row(page, label)[2] == grad, f"the table and the graph disagree on {label}'s grad"
    assert "grad: ?" in inspector(page)
    assert "= ? at x = 2" in page.locator("[data-testid=stMarkdownContainer]", has_text="Each operation").inner_text()
    legend = page.locator(".ae-plot").first.locator("g.legend").text_content()
    assert "autograd" not in legend and "tangent" not in legend  # the slope is x.grad: not yet
    shots(page, "player-mid-way", height=2400)
    # the last step: every panel shows PyTorch's own x.grad
    open_app(page, server, {**POLYNOMIAL, "step": "5", "node": "t0"})
    expected = f"{torch_grad(lambda x: x ** 2 + 2 * x + 1, 2.0):g}"
    assert graph_grads(page)["x"] == expected
    assert summary(page).endswith(f"x.grad {expected}")
    assert table_row(page, "x")[2] == expected
    assert f"grad: {expected}" in inspector(page)


PROGRAM = """import torch

x = torch.tensor(2.0, requires_grad=True)
y = x ** 2 + 2 * x + 1
y.backward()
"""


def test_program_modes_player_mid_way_keeps_the_inspector_and_the_table_at_its_step(page, server):  # noqa: F811
    link = f"{server}/?" + urlencode({"mode": "program", "code": encode(PROGRAM), "pstep": "4", "step": "2"})
    page.goto(link)
    page.wait_for_selector("[data-testid=stApp][data-test-script-state=notRunning]", timeout=90_000)
    settle(page)
    page.locator(".ae-graph g.node").first.wait_for(timeout=30_000)
    assert graph_grads(page)["x"] == "?"
    nodes = page.locator(".ae-graph g.node").all()
    leaf = next(n for n in nodes if n.locator("text").first.inner_html().strip() == "x")
    leaf.click()
    settle(page)
    values = page.locator(".ae-copy", has_text="data =").first.inner_text()
    assert "grad = ?" in values
    rows = page.locator("table:has(th:text-is('same tensor as')) tbody tr")
    x_row = next(r for r in rows.all() if r.locator("td").first.inner_text().strip() == "x")
    assert x_row.locator("td").nth(2).inner_text().strip() == "?"


def test_the_sum_trick_can_be_checked_point_by_point(page, server):  # noqa: F811
    open_app(page, server, SUM_TRICK)
    x = torch.linspace(-10, 10, 10, requires_grad=True)
    torch.sum(x ** 2).backward()
    table = page.locator("table:has(th:text-is('x.grad'))")
    header = [h.strip() for h in table.locator("th").all_inner_texts()]
    rows = [[c.strip() for c in r.locator("td").all_inner_texts()] for r in table.locator("tbody tr").all()]
    assert len(rows) == 10
    for i, row in enumerate(rows):
        shown = dict(zip(header, row, strict=True))
        assert float(shown["x"]) == pytest.approx(x[i].item(), rel=1e-3, abs=1e-3)
        assert float(shown["x.grad"]) == pytest.approx(x.grad[i].item(), rel=1e-3, abs=1e-3)
    # the lab's printout: no cell of the tensor table wraps onto a second line
    wrapped = page.evaluate("""() => [...document.querySelectorAll('table')].filter(t => [...t.querySelectorAll('th')]
        .some(h => h.textContent.trim() === 'requires_grad')).flatMap(t => [...t.querySelectorAll('td')]).filter(td => {
            const range = document.createRange(); range.selectNodeContents(td);
            return new Set([...range.getClientRects()].map(r => Math.round(r.top))).size > 1;
        }).map(td => td.textContent)""")
    assert wrapped == []
    # the plot marks the ten points on both curves
    drawn = page.locator(".ae-plot").first.locator("g.points path.point").count()
    assert drawn >= 20
    shots(page, "sum-trick", height=3000)


def test_full_precision_shows_what_float64_carries_and_float32_does_not(page, server):  # noqa: F811
    shown = {}
    for dtype, torch_dtype, numpy_dtype in (("float32", torch.float32, np.float32), ("float64", torch.float64, float)):
        open_app(page, server, {"f": "y = sin(x) * x", "x": "2", "dtype": dtype, "node": "t2"})
        x = torch.tensor(2.0, dtype=torch_dtype)
        value = (torch.sin(x) * x).item()
        expected = str(numpy_dtype(value)).removesuffix(".0")
        assert f"data: {expected}" in inspector(page)  # the inspector: every digit, always
        page.get_by_text("Full precision").click()
        settle(page)
        shown[dtype] = table_row(page, "y")[1]
        assert shown[dtype] == expected
        assert f"→ value {expected}," in summary(page)  # the line under the inputs follows the switch
        assert float(shown[dtype]) == value if dtype == "float64" else np.float32(shown[dtype]) == np.float32(value)
    assert shown["float32"] != shown["float64"]
    assert len(shown["float64"]) > len(shown["float32"]) + 5


def test_symbols_compare_the_formula_with_autograd_in_the_pages_dtype(page, server):  # noqa: F811
    open_app(page, server, {"f": "y = sin(x) * x", "x": "2", "dtype": "float32"})
    page.get_by_text("the derivative in symbols").click()
    settle(page)
    table = page.locator("table:has(th:text-is('variable'))")
    header = [h.strip() for h in table.locator("th").all_inner_texts()]
    cells = dict(zip(header, [c.strip() for c in table.locator("td").all_inner_texts()], strict=True))
    float32 = torch_grad(lambda x: torch.sin(x) * x, 2.0, torch.float32)
    assert np.float32(cells["autograd (float32)"]) == np.float32(float32)
    assert cells["autograd (float32)"] == str(np.float32(float32))
