"""The public listening page in a real browser (Playwright driving Debian's Chromium): on a phone it renders and
its audio plays, counting a listen; a page on another origin may frame the embeddable player when the ward
lists that origin, while an admin page refuses to be framed.

The app is served by waitress on a free loopback port; the "ward portal" is a tiny file server on another
port (another origin). Screenshots go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import threading
import time

import pytest
from sqlalchemy import func, select

from broadcast.config import PROJECT_ROOT
from broadcast.domain.models import Listen, Ward
from tests.published import WARD
from web.public import cache

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PHONE = {"width": 360, "height": 740}


pytestmark = [
    pytest.mark.browser,
    pytest.mark.once,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def server(runtime, published):
    from waitress.server import create_server

    from web import create_app

    cache.clear()
    app = create_app(runtime, config={"RATELIMIT_ENABLED": False})
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    thread.join(timeout=5)
    cache.clear()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                # play() from the test, as a tap on the player would
                "--autoplay-policy=no-user-gesture-required",
            ],
        )
        yield b
        b.close()


def new_page(browser, viewport, console: list):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on("console", lambda msg: console.append(msg.text))
    page.on("pageerror", lambda exc: console.append(str(exc)))
    return page


def listens(runtime) -> dict[tuple[int, str], int]:
    with runtime.unit() as s:
        rows = s.execute(
            select(Listen.bulletin_id, Listen.channel, func.sum(Listen.count)).group_by(
                Listen.bulletin_id, Listen.channel
            )
        )
        return {(b, c): n for b, c, n in rows}


PLAYED = "a => a.played.length > 0 && a.currentTime > 0"


def wait_played(audio, timeout_s: float = 10.0) -> None:
    """Poll from the test: page.wait_for_function polls with eval() inside the page, which the pages' CSP
    (script-src 'self', no unsafe-eval) rightly refuses whenever the first check is not already true."""
    deadline = time.monotonic() + timeout_s
    while not audio.evaluate(PLAYED):
        assert time.monotonic() < deadline, "the audio did not play"
        time.sleep(0.1)


def test_the_page_on_a_phone_plays_a_bulletin_and_counts_the_listen(server, browser, runtime, published):
    console: list[str] = []
    page = new_page(browser, PHONE, console)
    response = page.goto(f"{server}/nghe/{WARD}/")
    assert response.status == 200
    assert page.text_content("h1") == "Loa Phường Mộ Lao"
    assert page.locator("article.item").count() == 4
    # Fits a small phone: nothing wider than the screen.
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"
    bid = published["public"][0]
    audio = page.locator(f"article:has(#tin-{bid}) audio")
    audio.scroll_into_view_if_needed()
    audio.evaluate("a => a.play()")
    wait_played(audio)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-phone.png"), full_page=True)
    assert listens(runtime) == {(bid, "page"): 1}
    page.click(f"article:has(#tin-{bid}) summary")
    assert page.is_visible(f"article:has(#tin-{bid}) details .text")
    assert not [m for m in console if "Content Security Policy" in m or "Uncaught" in m], console


def test_another_origin_frames_the_player_but_not_an_admin_page(server, browser, runtime, published, web):
    folder, portal = web
    with runtime.unit() as s:
        s.scalar(select(Ward).where(Ward.code == WARD)).embed_origins = [portal]
    (folder / "portal.html").write_text(
        '<!doctype html><html lang="vi"><meta charset="utf-8"><title>Cổng thông tin</title>'
        f'<iframe id="player" src="{server}/nghe/{WARD}/nhung" width="360" height="500"></iframe>'
        f'<iframe id="admin" src="{server}/login" width="360" height="500"></iframe></html>',
        encoding="utf-8",
    )
    console: list[str] = []
    page = new_page(browser, {"width": 800, "height": 600}, console)
    page.goto(f"{portal}/portal.html", wait_until="load")
    player = page.frame_locator("#player")
    player.locator("a", has_text="Nghe thêm").wait_for()
    assert player.locator("audio").count() == 4
    frames = {f.url: f for f in page.frames}
    assert f"{server}/nghe/{WARD}/nhung" in frames
    # The refused admin frame shows Chromium's error page, never the login form.
    assert f"{server}/login" not in frames
    admin = page.frame_locator("#admin")
    assert admin.locator("#username").count() == 0
    assert any("frame-ancestors 'none'" in m for m in console), console
    bid = published["public"][0]
    frame = frames[f"{server}/nghe/{WARD}/nhung"]
    embedded = frame.locator(f"audio[src*='/tin/{bid}.mp3']")
    embedded.evaluate("a => a.play()")
    wait_played(embedded)
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "public-embed.png"))
    assert listens(runtime) == {(bid, "embed"): 1}
