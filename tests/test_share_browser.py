"""What a class takes away and moves between, in a real Chromium: the link reopens the deeper view that was open,
the downloaded plot draws with the network cut, and a lesson carries nothing of the lesson before it (its link,
the player's speed)."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest
from test_app_browser import browser, open_app, page, server, settle  # noqa: F401 (the fixtures are used by name)

from explorer.content.lessons import LESSONS, lesson

pytestmark = [pytest.mark.browser]


def _query(tab) -> dict[str, str]:
    """The page's link as the address bar has it (the share box shows the same query)."""
    return {key: values[-1] for key, values in parse_qs(urlsplit(tab.url).query).items()}


def _open_lesson(tab, key: str) -> None:
    tab.locator(f".st-key-lesson_{key} button").click()
    settle(tab)


def _speed(tab) -> str:
    """The speed the player's box shows, as the visitor reads it ("1 s a step")."""
    return tab.locator(".st-key-speed input").input_value()


def test_the_open_deeper_view_reopens_from_the_link_in_a_fresh_browser(page, server, browser):  # noqa: F811
    open_app(page, server, {"f": "f = u * v + u ** 2"})
    page.get_by_role("radio", name="the Hessian").click()
    settle(page)
    page.get_by_text("Row and column order").wait_for(timeout=30_000)
    link = page.url
    assert _query(page).get("further") == "hessian"
    fresh = browser.new_context(viewport={"width": 1400, "height": 1000})  # no cookie, no storage: a new visitor
    try:
        tab = fresh.new_page()
        open_app(tab, server, link=link)
        tab.get_by_text("Row and column order").wait_for(timeout=30_000)  # the Hessian, drawn again
        assert "Row and column order: u, v" in tab.locator("[data-testid=stCaptionContainer]",
                                                            has_text="Row and column order").inner_text()
    finally:
        fresh.close()


def test_the_downloaded_plot_draws_its_curves_with_the_network_cut(page, server, browser, tmp_path):  # noqa: F811
    open_app(page, server)
    with page.expect_download() as download:
        page.get_by_role("button", name="Plot HTML").click()
    saved = tmp_path / "autograd_plot.html"
    download.value.save_as(saved)
    offline = browser.new_context(viewport={"width": 1000, "height": 800})
    refused: list[str] = []

    def cut(route) -> None:
        if route.request.url.startswith("file:"):
            route.continue_()
        else:  # a classroom without internet: the CDN, or anything else, does not answer
            refused.append(route.request.url)
            route.abort()

    offline.route("**/*", cut)
    try:
        tab = offline.new_page()
        tab.goto(saved.as_uri())
        tab.locator(".js-plotly-plot .main-svg").first.wait_for(timeout=15_000)
        curves = tab.locator(".js-plotly-plot g.trace.scatter path.js-line")
        assert curves.count() >= 2, "f and its derivative are drawn"
        assert all(len(d) > 20 for d in (curves.nth(i).get_attribute("d") for i in range(curves.count())))
        assert refused == []
    finally:
        offline.close()


def test_lesson_9s_link_holds_only_its_own_points_after_lesson_8(page, server):  # noqa: F811
    open_app(page, server)
    relu, practice = LESSONS[7], LESSONS[8]
    _open_lesson(page, relu.key)
    assert _query(page)["x"] == dict(relu.points)["x"]  # the relu lesson's range, in its own link
    _open_lesson(page, practice.key)
    query = _query(page)
    assert query["lesson"] == practice.key
    assert {v: query[v] for v in "xyzuvwt" if v in query} == dict(lesson(practice.key).points)


def test_the_players_speed_is_kept_through_a_practice_lesson(page, server):  # noqa: F811
    open_app(page, server)
    before = _speed(page)
    assert before == "1 s a step"
    practice = next(each for each in LESSONS if each.question)
    _open_lesson(page, practice.key)  # the gradients, and the player, hidden until answered
    _open_lesson(page, LESSONS[2].key)
    assert _speed(page) == before
