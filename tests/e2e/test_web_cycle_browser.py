"""The month's cycle in a real browser, as the demo's people, in Korean and English.

bob (the vendor, in Korean) uploads a file with one bad row, sees the error, fixes it and
uploads again; alice (the client, in English) opens a breached result and its failing events;
bob requests an exclusion for two of them; alice approves one and rejects the other and the
result changes; alice uploads the erroneous example invoice and sees its four differences;
bob acknowledges the month; alice closes it; both download the PDF review pack. Every page
of the walk is checked with axe-core (WCAG 2.2 A and AA) and photographed into
``tests/output/browser/`` (ignored by git) for a person to look at.

Uses Debian's /usr/bin/chromium (never downloads a browser) and the demo portfolio at full
scale, whose March 2026 the example invoices were computed from.
"""

from __future__ import annotations

import json
import re
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from servicepact.api import create_app
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.services.users import DEMO_LOGINS

CHROMIUM = Path("/usr/bin/chromium")
HERE = Path(__file__).parent
AXE = HERE / "vendor" / "axe-core" / "axe.min.js"
SHOTS = HERE.parent / "output" / "browser"
EXAMPLES = HERE.parent.parent / "examples"
AFTER_THE_YEAR = datetime(2027, 1, 11, 0, 30, tzinfo=UTC)
CONTRACT = "hanbit-cc-2026"
MONTH = f"/contracts/{CONTRACT}/months/2026-03"
RESULT = f"/contracts/{CONTRACT}/results/CC-01/2026-03"
PASSWORDS = {login.name: login.password for login in DEMO_LOGINS}
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not CHROMIUM.exists(),
        reason="no /usr/bin/chromium: install it with `apt-get install -y chromium` (.ci/run does)",
    ),
]


def _port() -> int:
    """A free port of this checkout's range (8120-8129), else any free one."""
    for port in [*range(8120, 8130), 0]:
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            found: int = probe.getsockname()[1]
            return found
    raise RuntimeError("no free port")


@pytest.fixture
def demo_server(settings: Settings) -> Iterator[tuple[str, App]]:
    from servicepact.demo.run import run_demo

    app = build_app(settings, clock=lambda: AFTER_THE_YEAR)
    run_demo(app, scale=1.0)
    api = create_app(app)
    port = _port()
    server = uvicorn.Server(uvicorn.Config(api, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the web server did not start")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}", app
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        api.state.upload_jobs.shutdown()
        app.close()


class Walk:
    """One person's browser: signs in, checks each page with axe, keeps screenshots."""

    def __init__(self, browser: Any, base: str, user: str, lang: str) -> None:
        self.context = browser.new_context(
            viewport={"width": 1366, "height": 900}, bypass_csp=True, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.page.set_default_timeout(120_000)  # measuring a month again takes seconds
        self.page.on("dialog", lambda dialog: dialog.accept())  # the one confirmation
        self.base, self.user, self.lang = base, user, lang
        self.violations: list[str] = []

    def sign_in(self) -> None:
        self.page.goto(f"{self.base}/login?lang={self.lang}")
        self.page.fill("input[name=username]", self.user)
        self.page.fill("input[name=password]", PASSWORDS[self.user])
        self.page.click("form button[type=submit]")
        self.page.wait_for_url(re.compile(r".*/(\?.*)?$"))

    def go(self, path: str) -> None:
        self.page.goto(f"{self.base}{path}")

    def check(self, step: str) -> None:
        """axe-core on the page as it stands; then a full-page screenshot."""
        self.page.wait_for_load_state("networkidle")
        self.page.add_script_tag(path=str(AXE))
        found = self.page.evaluate(
            "tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})"
            ".then(r => r.violations.map(v => v.id + ': ' + v.nodes.map(n => n.target.join(' '))"
            ".slice(0, 3).join(' | ')))",
            AXE_TAGS,
        )
        self.violations += [f"{step} ({self.user}, {self.lang}): {v}" for v in found]
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{step}-{self.user}-{self.lang}.png"),
                             full_page=True)  # fmt: skip

    def download(self, selector: str, step: str) -> Path:
        with self.page.expect_download() as info:
            self.page.click(selector)
        target = (
            SHOTS / f"{step}-{self.user}-{self.lang}{Path(info.value.suggested_filename).suffix}"
        )
        info.value.save_as(str(target))
        return target


def calls_csv(rows: list[tuple[str, str, str]]) -> str:
    return "id,offered_at,answered_at\n" + "".join(f"{a},{b},{c}\n" for a, b, c in rows)


def test_the_month_is_reviewed_end_to_end_in_the_browser(
    demo_server: tuple[str, App], tmp_path: Path
) -> None:
    from playwright.sync_api import expect, sync_playwright

    base, _app = demo_server
    expect.set_options(timeout=60_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            bob = Walk(browser, base, "bob", "ko")
            alice = Walk(browser, base, "alice", "en")
            bob.sign_in()
            bob.check("01-dashboard")
            expect(bob.page.locator("h1")).to_contain_text("포트폴리오")

            # 1. bob uploads December's late calls: one bad row refuses the file.
            december = [
                ("WEB-1", "2026-12-30T10:00:00+09:00", "2026-12-30T10:00:07+09:00"),
                ("WEB-2", "2026-12-30T10:05:00+09:00", "not a time"),
                ("WEB-3", "2026-12-30T10:09:00+09:00", "2026-12-30T10:09:12+09:00"),
            ]
            bad = tmp_path / "december-calls.csv"
            bad.write_text(calls_csv(december), encoding="utf-8")
            bob.go(f"/contracts/{CONTRACT}/upload")
            bob.check("02-upload-form")
            bob.page.select_option("#source", "calls")
            bob.page.set_input_files("#file", str(bad))
            bob.page.click("form[data-upload-progress] button[type=submit]")
            expect(bob.page.locator(".error-summary")).to_be_visible(timeout=60_000)
            expect(bob.page.locator("table.data")).to_contain_text("answered_at")
            expect(bob.page.locator("table.data")).to_contain_text("not a time")
            bob.check("03-upload-refused")
            december[1] = ("WEB-2", "2026-12-30T10:05:00+09:00", "2026-12-30T10:05:19+09:00")
            good = tmp_path / "december-calls-fixed.csv"
            good.write_text(calls_csv(december), encoding="utf-8")
            bob.go(f"/contracts/{CONTRACT}/upload")
            bob.page.set_input_files("#file", str(good))
            bob.page.click("form[data-upload-progress] button[type=submit]")
            expect(bob.page.locator("#upload-status h2")).to_have_text("저장됨", timeout=60_000)
            bob.check("04-upload-stored")

            # 2. alice opens the breached result and its failing events.
            alice.sign_in()
            alice.go(MONTH)
            before = (
                alice.page.locator("table.data")
                .first.locator("tbody tr", has_text="CC-01")
                .inner_text()
            )
            alice.check("05-month-before")
            alice.go(RESULT + "?outcome=failed")
            expect(alice.page.locator("h1")).to_contain_text("CC-01")
            failing = alice.page.locator("table.events tbody tr")
            expect(failing.first).to_be_visible()
            alice.check("06-breached-result")

            # 3. bob requests an exclusion for two failing events, one request each.
            bob.go(RESULT + "?outcome=failed")
            chosen = []
            for turn in range(2):
                box = bob.page.locator("input[name=event]").nth(turn)
                chosen.append(box.get_attribute("value"))
                box.check()
                bob.page.select_option("#field-reason", index=1)
                bob.page.fill("#field-note", f"정전으로 통화가 지연되었습니다 ({chosen[-1]})")
                if turn == 0:
                    bob.check("07-exclusion-form")
                bob.page.click("#exclusion-form button[type=submit]")
                bob.page.wait_for_load_state("networkidle")
                bob.go(RESULT + "?outcome=failed")
            assert all(chosen), chosen

            # 4. alice approves one request and rejects the other.
            alice.go(MONTH)
            forms = alice.page.locator("#exclusions form")
            expect(forms).to_have_count(2)
            alice.check("08-requests-pending")
            first = forms.first
            first.locator("input[name=note]").fill("confirmed by the utility")
            first.locator("button[value=approve]").click()
            expect(alice.page.locator("#exclusions form")).to_have_count(1, timeout=120_000)
            second = alice.page.locator("#exclusions form").first
            second.locator("input[name=note]").fill("no evidence")
            second.locator("button[value=reject]").click()
            expect(alice.page.locator("#exclusions form")).to_have_count(0, timeout=120_000)
            decided = alice.page.locator("#exclusions").inner_text()
            assert "Approved" in decided
            assert "Rejected" in decided
            after = (
                alice.page.locator("table.data")
                .first.locator("tbody tr", has_text="CC-01")
                .inner_text()
            )
            assert after != before, (before, after)  # the result changed with the approval
            alice.check("09-decided")
            bob.go(MONTH)
            expect(bob.page.locator("#exclusions")).to_contain_text("승인")
            bob.check("10-vendor-sees-outcome")

            # 5. alice checks the erroneous example invoice: four differences.
            alice.go(MONTH)
            alice.page.set_input_files(
                "#invoice-file", str(EXAMPLES / "invoices" / f"{CONTRACT}-2026-03-errors.csv")
            )
            alice.page.click("#invoice button[type=submit]")
            alice.page.wait_for_url(re.compile(rf".*/contracts/{CONTRACT}/invoices/\d+"))
            differences = alice.page.locator("section.card").first.locator("tbody tr")
            expect(differences).to_have_count(4)
            reasons = differences.all_inner_texts()
            for kind in ("arithmetic error", "wrong price", "wrong quantity", "missing credit"):
                assert any(kind in row for row in reasons), (kind, reasons)
            alice.check("11-invoice-check")

            # 6. bob acknowledges; alice closes after the page says what will change.
            bob.go(MONTH)
            bob.page.click("#sign-off form button[type=submit]")
            expect(bob.page.locator("dl.facts")).to_contain_text("bob")
            bob.check("12-acknowledged")
            alice.go(MONTH)
            alice.page.click("a[href$='/confirm/close']")
            alice.page.wait_for_url(re.compile(r".*/confirm/close$"))
            expect(alice.page.locator("section.confirm h2")).to_contain_text("What closing changes")
            alice.check("13-close-confirm")
            alice.page.click("section.confirm button[type=submit]")
            expect(alice.page.locator("dl.facts")).to_contain_text("Closed")
            alice.check("14-closed")

            # 7. both download the PDF pack, each in their language.
            for walk in (alice, bob):
                walk.go(MONTH)
                pdf = walk.download("a[href$='pack.pdf']", "15-pack")
                assert pdf.read_bytes()[:5] == b"%PDF-"
            bob.go("/?month=2026-03")
            bob.check("16-dashboard-vendor")
            alice.go("/?month=2026-03&lang=ko")
            alice.check("17-dashboard-client-ko")
            bob.go(MONTH + "?lang=en")
            bob.check("18-month-vendor-en")
            assert not (alice.violations + bob.violations), json.dumps(
                alice.violations + bob.violations, ensure_ascii=False, indent=1
            )
            print(f"screenshots: {SHOTS}")
        finally:
            browser.close()
