"""E-mail delivery over SMTP (optionally STARTTLS and login; credentials from the environment)."""

from __future__ import annotations

import smtplib
from collections.abc import Mapping, Sequence
from datetime import datetime
from email.message import EmailMessage

from servicepact.domain.alerts import Alert, DeliveryAttempt, DeliveryChannel, EmailSettings


def compose(
    alert: Alert, *, sender: str, recipients: Sequence[str], level: int = 0
) -> EmailMessage:
    message = EmailMessage()
    prefix = f"[escalation {level}] " if level else ""
    message["Subject"] = f"{prefix}[{alert.severity.value}] {alert.title}"
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["X-ServicePact-Alert"] = alert.key
    lines = [alert.title, "", alert.detail, ""]
    if alert.contract_id:
        lines.append(f"Contract: {alert.contract_id}")
    if alert.vendor_id:
        lines.append(f"Vendor: {alert.vendor_id}")
    lines += [f"Kind: {alert.kind.value}", f"Raised: {alert.raised_at.isoformat()}"]
    message.set_content("\n".join(lines))
    return message


def send_email(
    alert: Alert,
    *,
    settings: EmailSettings,
    recipients: Sequence[str],
    env: Mapping[str, str],
    at: datetime,
    escalation_level: int = 0,
) -> DeliveryAttempt:
    target = f"smtp://{settings.host}:{settings.port}"
    error: str | None = None
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds) as smtp:
            if settings.starttls:
                smtp.starttls()
            if settings.username_env and settings.password_env:
                smtp.login(env[settings.username_env], env[settings.password_env])
            smtp.send_message(
                compose(
                    alert, sender=settings.sender, recipients=recipients, level=escalation_level
                )
            )
    except (smtplib.SMTPException, OSError, KeyError) as exc:
        # KeyError: a credential variable is not set; say which, never its value
        error = f"{type(exc).__name__}: {exc}"
    return DeliveryAttempt(
        alert_key=alert.key,
        alert_state=alert.state,
        channel=DeliveryChannel.EMAIL,
        target=target,
        attempt=1,
        at=at,
        ok=error is None,
        error=error,
        escalation_level=escalation_level,
    )
