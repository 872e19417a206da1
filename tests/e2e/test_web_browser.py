"""A real browser (the system's Chromium, driven by Playwright) signs in and reads two pages.

Playwright is told to use /usr/bin/chromium and never downloads a browser; without that
binary the test is skipped with the reason. The screenshot goes to the test's temporary
directory (its path is printed) so a person can look at what the browser drew.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import uvicorn
from web_world import PASSWORDS, build_world, cheap_password_hashing

from servicepact.api import create_app
from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument
from servicepact.domain.access import Actor

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)",
    ),
]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@pytest.fixture
def server(
    app: App,
    admin: Actor,
    make_contract_document: Callable[..., ContractDocument],
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[str]:
    cheap_password_hashing(monkeypatch)
    build_world(app, admin, make_contract_document)
    port = _free_port()
    config = uvicorn.Config(create_app(app), host="127.0.0.1", port=port, log_level="warning")
    running = uvicorn.Server(config)
    thread = threading.Thread(target=running.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not running.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        running.should_exit = True
        thread.join(timeout=10)


def test_a_browser_signs_in_and_reads_the_dashboard_and_a_contract(
    server: str, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 1000})
            page.goto(f"{server}/contracts/acme-cs-2026?lang=en")
            assert "/login" in page.url  # not signed in yet: sent to the form
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORDS["alice"])
            page.click("button[type=submit]")
            page.wait_for_url(f"{server}/contracts/acme-cs-2026*")
            assert page.locator("h1").first.inner_text().startswith("Customer contact centre")
            # Chart.js (served from /static/vendor) drew the trend into its canvas
            page.wait_for_function(
                "document.querySelector('canvas[data-chart]').dataset.drawn === '1'"
            )
            page.goto(f"{server}/?month=2026-02")
            assert "Portfolio" in page.inner_text("h1")
            assert page.locator("a[href='/contracts/acme-cs-2026']").count() == 1
            shot = tmp_path / "dashboard.png"
            page.screenshot(path=str(shot), full_page=True)
            assert shot.stat().st_size > 10_000
            print(f"screenshot: {shot}")
        finally:
            browser.close()
