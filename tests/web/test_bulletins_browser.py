"""Real-browser tests (Playwright driving Debian's Chromium) of the bulletin desk.

The app is served by waitress on a free loopback port in a thread; screenshots
go to test-artifacts/ (git-ignored).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from broadcast.config import PROJECT_ROOT
from tests.bulletins.fast import fast_hashing  # noqa: F401  (autouse)

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM),
        reason=f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)",
    ),
]


@pytest.fixture
def server(runtime, demo):
    from waitress.server import create_server

    from web import create_app

    app = create_app(runtime, config={"RATELIMIT_ENABLED": False})
    srv = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.effective_port}"
    srv.close()
    thread.join(timeout=5)


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
            ],
        )
        yield b
        b.close()


def shot(page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"bulletins-{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def new_page(browser, viewport, errors: list):
    context = browser.new_context(viewport=viewport, locale="vi-VN")
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.on(
        "console",
        lambda msg: (
            errors.append(msg.text)
            if msg.type == "error" and not msg.text.startswith("Failed to load resource")
            else None
        ),
    )
    page.on(
        "response",
        lambda r: (
            errors.append(f"{r.status} {r.url}") if r.status >= 400 and not r.url.endswith("/favicon.ico") else None
        ),
    )
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return page


def log_in(page, base, username, password="loaphuong2025"):
    page.goto(base + "/login")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")


def log_out(page):
    page.click("form.logout button")
    page.wait_for_url("**/login")


def test_submit_then_approve_in_the_browser(server, browser):
    errors: list[str] = []
    page = new_page(browser, PHONE, errors)
    log_in(page, server, "vanhoa")
    page.click("text=Viết tin")
    page.wait_for_url("**/bulletins/new")
    page.fill("#title", "Thông báo tổng vệ sinh môi trường")
    body = "Sáng Chủ nhật, UBND phường phát động tổng vệ sinh môi trường tại 17 tổ dân phố. " * 3
    page.fill("#body", body)
    counter = page.text_content("#body-count")
    assert f"{len(body.strip())} / 10.000 ký tự" in counter and "giây" in counter
    page.select_option("#category", "thong-bao")
    shot(page, "01-form-phone")
    page.click("button[value=submit]")
    page.wait_for_url("**/bulletins/*")
    assert "Chờ duyệt" in page.text_content(".bulletin-meta")
    assert page.is_visible("#recorder")  # MediaRecorder exists in Chromium
    shot(page, "02-submitted-phone")
    bulletin_url = page.url
    log_out(page)

    log_in(page, server, "lanhdao")
    page.goto(server + "/bulletins/queue")
    item = page.locator("article.queue-item", has_text="Thông báo tổng vệ sinh môi trường")
    assert item.count() == 1
    shot(page, "03-queue-phone")
    item.locator("button.primary").click()
    page.wait_for_url("**/bulletins/queue")
    assert "Đã thực hiện" in page.text_content(".flash")
    assert page.locator("article.queue-item", has_text="Thông báo tổng vệ sinh môi trường").count() == 0
    page.goto(server + "/bulletins?status=approved")
    assert page.locator(".bulletin-item", has_text="Thông báo tổng vệ sinh môi trường").count() == 1
    page.goto(bulletin_url)
    assert "Đã duyệt" in page.text_content(".bulletin-meta")
    assert "Chờ duyệt → Đã duyệt" in page.text_content("#history")
    shot(page, "04-approved-phone")
    assert not [e for e in errors if "Content Security Policy" in e or "Uncaught" in e], errors


def test_desktop_list_and_dashboard(server, browser):
    errors: list[str] = []
    page = new_page(browser, DESKTOP, errors)
    log_in(page, server, "lanhdao")
    assert "tin chờ duyệt" in page.text_content("[data-widget=bulletins]")
    shot(page, "05-dashboard-desktop")
    page.goto(server + "/bulletins")
    assert page.locator(".bulletin-item").count() == 11  # not the TP draft
    colour = page.eval_on_selector(".cat-dot", "el => getComputedStyle(el).backgroundColor")
    assert colour != "rgb(110, 119, 129)"  # the category colour was applied by bulletins.js
    shot(page, "06-list-desktop")
    # No horizontal overflow on a phone either.
    page.set_viewport_size(PHONE)
    page.goto(server + "/bulletins")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"] + 1, width
    shot(page, "07-list-phone")
    assert not errors, errors
