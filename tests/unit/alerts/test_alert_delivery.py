"""Alert delivery against local servers only: a webhook receiver and an SMTP server on 127.0.0.1."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from servicepact.alerts.dispatch import dispatch
from servicepact.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, verify
from servicepact.alerts.webhook import post_webhook
from servicepact.domain.alerts import (
    Alert,
    AlertKind,
    AlertSettings,
    RetryPolicy,
    Severity,
)
from servicepact.domain.calendars import Calendar

SECRET = "hook-secret"
T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul


class Receiver:
    """A webhook receiver that answers with the scripted statuses, then 200."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.requests: list[dict[str, Any]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append({"headers": self.headers, "body": body})
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args: object) -> None:  # keep test output quiet
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks/servicepact"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver()
    yield server
    server.close()


class MailSink:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 OK"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def smtp() -> Iterator[tuple[MailSink, int]]:
    sink = MailSink()
    port = _free_port()
    controller = Controller(sink, hostname="127.0.0.1", port=port)
    controller.start()
    yield sink, port
    controller.stop()


def _alert(state: str = "2026-03:breached", severity: Severity = Severity.WARNING) -> Alert:
    return Alert(
        key="breach:acme-cs:SL-01",
        state=state,
        kind=AlertKind.BREACH,
        severity=severity,
        title="SL-01 breached in 2026-03",
        detail="78.0 % answered within 20 s, minimum 80 %",
        contract_id="acme-cs",
        vendor_id="helpco",
        raised_at=T0,
    )


def test_a_webhook_is_signed_and_retried_with_backoff_until_it_is_accepted(
    receiver: Receiver,
) -> None:
    receiver.statuses = [503, 502]
    waits: list[float] = []
    attempts = post_webhook(
        _alert(),
        url=receiver.url,
        secret=SECRET.encode(),
        policy=RetryPolicy(attempts=5, base_seconds=1, factor=2),
        clock=lambda: T0,
        sleep=waits.append,
    )
    # two failures then success: waits of 1 s and 2 s before the 2nd and 3rd tries
    assert [(a.attempt, a.status_code, a.ok) for a in attempts] == [
        (1, 503, False),
        (2, 502, False),
        (3, 200, True),
    ]
    assert waits == [1.0, 2.0]
    request = receiver.requests[-1]
    headers = request["headers"]
    assert verify(
        SECRET.encode(), int(headers[TIMESTAMP_HEADER]), request["body"], headers[SIGNATURE_HEADER]
    )
    payload = json.loads(request["body"])
    assert payload["key"] == "breach:acme-cs:SL-01"
    assert payload["kind"] == "breach"


def test_a_refusal_is_not_retried_but_a_network_error_is(receiver: Receiver) -> None:
    receiver.statuses = [400]
    waits: list[float] = []
    refused = post_webhook(
        _alert(),
        url=receiver.url,
        secret=b"s",
        policy=RetryPolicy(attempts=3),
        clock=lambda: T0,
        sleep=waits.append,
    )
    assert [(a.status_code, a.ok) for a in refused] == [(400, False)]
    unreachable = post_webhook(
        _alert(),
        url=f"http://127.0.0.1:{_free_port()}/",
        secret=b"s",
        policy=RetryPolicy(attempts=3, base_seconds=0.5),
        clock=lambda: T0,
        sleep=waits.append,
    )
    assert len(unreachable) == 3
    assert all(not a.ok and a.error for a in unreachable)
    assert waits == [0.5, 1.0]


def test_alerts_are_emailed_through_smtp(smtp: tuple[MailSink, int]) -> None:
    sink, port = smtp
    settings = AlertSettings.model_validate(
        {
            "email": {
                "host": "127.0.0.1",
                "port": port,
                "sender": "alerts@acme.example",
                "recipients": ["vm@acme.example"],
            }
        }
    )
    report, _ = dispatch([_alert()], settings=settings, states={}, now=T0)
    assert [a.ok for a in report.attempts] == [True]
    assert len(sink.messages) == 1
    envelope = sink.messages[0]
    assert envelope.rcpt_tos == ["vm@acme.example"]
    message = message_from_bytes(envelope.content)
    assert message["Subject"] == "[warning] SL-01 breached in 2026-03"
    assert "Contract: acme-cs" in message.get_payload()


def test_dispatch_sends_once_per_condition_and_again_when_it_changes(receiver: Receiver) -> None:
    settings = AlertSettings.model_validate(
        {"webhooks": [{"url": receiver.url, "secret_env": "HOOK_SECRET"}]}
    )
    env = {"HOOK_SECRET": SECRET}
    report, states = dispatch([_alert()], settings=settings, states={}, now=T0, env=env)
    assert len(report.sent) == 1
    for hour in range(1, 4):  # the breach persists: no storm
        report, states = dispatch(
            [_alert()], settings=settings, states=states, now=T0 + timedelta(hours=hour), env=env
        )
        assert report.sent == []
        assert len(report.suppressed) == 1
    report, states = dispatch(
        [_alert(state="2026-04:breached")], settings=settings, states=states, now=T0, env=env
    )
    assert len(report.sent) == 1
    assert len(receiver.requests) == 2


def test_without_a_webhook_alerts_are_written_to_the_outbox(tmp_path: Path) -> None:
    outbox = tmp_path / "outbox.jsonl"
    report, _ = dispatch([_alert()], settings=AlertSettings(outbox=outbox), states={}, now=T0)
    assert [a.channel.value for a in report.attempts] == ["outbox"]
    lines = [json.loads(line) for line in outbox.read_text().splitlines()]
    assert lines[0]["alert"]["title"] == "SL-01 breached in 2026-03"


def test_a_failed_delivery_is_not_recorded_so_it_is_tried_again(receiver: Receiver) -> None:
    receiver.statuses = [500, 500]
    settings = AlertSettings.model_validate(
        {
            "webhooks": [{"url": receiver.url, "secret_env": "HOOK_SECRET"}],
            "retry": {"attempts": 2, "base_seconds": 0},
        }
    )
    env = {"HOOK_SECRET": SECRET}
    report, states = dispatch(
        [_alert()], settings=settings, states={}, now=T0, env=env, sleep=lambda _s: None
    )
    assert len(report.failed) == 1
    assert states == {}
    report, states = dispatch([_alert()], settings=settings, states=states, now=T0, env=env)
    assert len(report.sent) == 1


def test_quiet_hours_follow_the_contracts_calendar_and_let_critical_alerts_through(
    tmp_path: Path,
) -> None:
    office = Calendar.model_validate(
        {
            "timezone": "Asia/Seoul",
            "hours": {"mon-fri": "09:00-18:00"},
            "holidays": {"country": "KR"},
        }
    )
    settings = AlertSettings.model_validate(
        {"outbox": str(tmp_path / "o.jsonl"), "quiet_hours": {"calendar": "office"}}
    )
    evening = datetime(2026, 3, 10, 10, tzinfo=UTC)  # Tuesday 19:00 in Seoul
    calendars = {"acme-cs": {"office": office}}
    report, states = dispatch(
        [_alert()], settings=settings, states={}, now=evening, calendars=calendars
    )
    assert report.sent == []
    assert report.deferred[0][1] == datetime(2026, 3, 11, 0, tzinfo=UTC)  # Wed 09:00 KST
    assert states == {}
    critical = _alert(severity=Severity.CRITICAL)
    report, _ = dispatch([critical], settings=settings, states={}, now=evening, calendars=calendars)
    assert len(report.sent) == 1
    morning = datetime(2026, 3, 11, 0, 5, tzinfo=UTC)
    report, _ = dispatch(
        [_alert()], settings=settings, states=states, now=morning, calendars=calendars
    )
    assert len(report.sent) == 1


def test_a_persisting_condition_escalates_once_per_level_after_its_delay(
    smtp: tuple[MailSink, int],
) -> None:
    sink, port = smtp
    settings = AlertSettings.model_validate(
        {
            "email": {
                "host": "127.0.0.1",
                "port": port,
                "sender": "alerts@acme.example",
                "recipients": ["vm@acme.example"],
            },
            "escalation": [{"level": 1, "after_minutes": 120, "recipients": ["head@acme.example"]}],
        }
    )
    _, states = dispatch([_alert()], settings=settings, states={}, now=T0)
    report, states = dispatch(
        [_alert()], settings=settings, states=states, now=T0 + timedelta(minutes=119)
    )
    assert report.escalated == []
    report, states = dispatch(
        [_alert()], settings=settings, states=states, now=T0 + timedelta(minutes=120)
    )
    assert [level for _, level in report.escalated] == [1]
    report, states = dispatch(
        [_alert()], settings=settings, states=states, now=T0 + timedelta(minutes=300)
    )
    assert report.escalated == []
    assert [m.rcpt_tos for m in sink.messages] == [["vm@acme.example"], ["head@acme.example"]]
    assert message_from_bytes(sink.messages[1].content)["Subject"].startswith("[escalation 1]")
