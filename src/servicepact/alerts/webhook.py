"""Webhook delivery: a signed JSON POST, retried with exponential backoff, every try logged.

A 2xx answer is delivered. A 4xx answer other than 408 (timeout) and 429 (too many
requests) means the receiver refuses this request and a retry would be refused too,
so it stops; 5xx, 408, 429 and network errors are retried.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from collections.abc import Callable
from datetime import datetime

from servicepact.alerts.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, sign
from servicepact.domain.alerts import Alert, DeliveryAttempt, DeliveryChannel, RetryPolicy

RETRYABLE_CLIENT_ERRORS = {408, 429}
Clock = Callable[[], datetime]
Sleep = Callable[[float], None]


def body_of(alert: Alert) -> bytes:
    return json.dumps(alert.payload(), sort_keys=True, ensure_ascii=False).encode("utf-8")


def post_webhook(
    alert: Alert,
    *,
    url: str,
    secret: bytes,
    policy: RetryPolicy,
    clock: Clock,
    sleep: Sleep,
    escalation_level: int = 0,
) -> list[DeliveryAttempt]:
    body = body_of(alert)
    attempts: list[DeliveryAttempt] = []
    for attempt in range(1, policy.attempts + 1):
        if attempt > 1:
            sleep(policy.delay(attempt - 1))
        at = clock()
        timestamp = int(at.timestamp())
        request = urllib.request.Request(  # noqa: S310 - the URL is validated as http(s)
            url,
            data=body,
            method="POST",
            headers={
                "Content-Type": "application/json",
                "User-Agent": "servicepact-alerts",
                TIMESTAMP_HEADER: str(timestamp),
                SIGNATURE_HEADER: sign(secret, timestamp, body),
            },
        )
        status: int | None = None
        error: str | None = None
        try:
            with urllib.request.urlopen(request, timeout=policy.timeout_seconds) as response:  # noqa: S310
                status = int(response.status)
        except urllib.error.HTTPError as exc:
            status = exc.code
            error = f"HTTP {exc.code}"
        except (urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            error = f"{type(exc).__name__}: {reason}"
        ok = status is not None and 200 <= status < 300
        attempts.append(
            DeliveryAttempt(
                alert_key=alert.key,
                alert_state=alert.state,
                channel=DeliveryChannel.WEBHOOK,
                target=url,
                attempt=attempt,
                at=at,
                ok=ok,
                status_code=status,
                error=error,
                escalation_level=escalation_level,
            )
        )
        if ok:
            break
        if status is not None and 400 <= status < 500 and status not in RETRYABLE_CLIENT_ERRORS:
            break
    return attempts
