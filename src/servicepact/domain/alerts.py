"""Alerts: what is worth telling someone, and how it is routed (PRODUCT.md §2.8).

An alert is raised for a *condition* (a service level breached in a period, a
forecast at risk, data missing, a control finding, a scorecard standing that
changed, an earn-back earned, a notice deadline near). The condition has a stable ``key`` and a
``state``; an alert is sent once per key until its state changes, so a
condition that persists never produces a storm. Routing — webhooks, e-mail, an
outbox file, escalation levels with delays, quiet hours that follow a
contract's calendar — is configuration (``AlertSettings``), read from a YAML
file; secrets are named by environment variable, never written in the file.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, HttpUrl, field_validator

from servicepact.domain.calendars import Calendar


class AlertKind(StrEnum):
    BREACH = "breach"
    AT_RISK = "at_risk"  # the forecast burns the error budget faster than the period passes
    MISSING_DATA = "missing_data"
    CONTROL_FINDING = "control_finding"
    STANDING_CHANGE = "standing_change"
    EARN_BACK = "earn_back"
    NOTICE_DEADLINE = "notice_deadline"  # the last day to stop an automatic renewal is near


class Severity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"

    @property
    def rank(self) -> int:
        return {"info": 0, "warning": 1, "critical": 2}[self.value]


class Alert(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, description="the condition: same key, same alert")
    state: str = Field(min_length=1, description="the condition's state; a change re-alerts")
    kind: AlertKind
    severity: Severity
    title: str = Field(min_length=1)
    detail: str = ""
    contract_id: str | None = None
    vendor_id: str | None = None
    raised_at: datetime
    data: dict[str, Any] = Field(default_factory=dict)

    @field_validator("raised_at")
    @classmethod
    def _aware(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("raised_at needs a time zone")
        return value

    def payload(self) -> dict[str, Any]:
        """The JSON body a webhook receives."""
        return {"servicepact_alert": 1, **self.model_dump(mode="json")}


class RetryPolicy(BaseModel):
    """Webhook retries: ``attempts`` tries, waiting base × factorⁿ (capped) between them.

    Defaults are the product's: 5 tries over about 15 s (1 + 2 + 4 + 8), enough to
    ride out a receiver restart without holding a batch for minutes.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    attempts: int = Field(default=5, ge=1, le=20)
    base_seconds: float = Field(default=1.0, ge=0)
    factor: float = Field(default=2.0, ge=1)
    max_seconds: float = Field(default=60.0, ge=0)
    timeout_seconds: float = Field(default=10.0, gt=0)

    def delay(self, retry: int) -> float:
        """Seconds to wait before retry number ``retry`` (1 = the first retry)."""
        return float(min(self.max_seconds, self.base_seconds * self.factor ** (retry - 1)))


class WebhookTarget(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    url: HttpUrl
    secret_env: str = Field(
        description="environment variable holding the HMAC-SHA-256 signing secret"
    )
    kinds: tuple[AlertKind, ...] = Field(default=(), description="empty: every kind")


class EmailSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    host: str = "127.0.0.1"
    port: int = Field(default=25, ge=1, le=65535)
    sender: str
    recipients: tuple[str, ...] = Field(min_length=1)
    starttls: bool = False
    username_env: str | None = None
    password_env: str | None = None
    timeout_seconds: float = Field(default=10.0, gt=0)


class EscalationLevel(BaseModel):
    """Who hears of a condition that is still there ``after_minutes`` after it was raised."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    level: int = Field(ge=1)
    after_minutes: int = Field(ge=0)
    recipients: tuple[str, ...] = Field(min_length=1)
    min_severity: Severity = Severity.WARNING


class QuietHours(BaseModel):
    """Hold alerts outside the working hours of a calendar (a contract's, where configured).

    Critical alerts are delivered at once unless ``hold_critical`` is set.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    calendar: str | None = Field(
        default=None, description="the name of a calendar of the alert's contract"
    )
    fallback: Calendar | None = Field(
        default=None, description="calendar for alerts without a contract, or when not found"
    )
    hold_critical: bool = False


class AlertSettings(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    webhooks: tuple[WebhookTarget, ...] = ()
    email: EmailSettings | None = None
    outbox: Path | None = Field(
        default=None, description="JSON-lines file; used when no webhook is configured"
    )
    retry: RetryPolicy = Field(default_factory=RetryPolicy)
    escalation: tuple[EscalationLevel, ...] = ()
    quiet_hours: QuietHours | None = None
    min_severity: Severity = Severity.INFO


class DeliveryChannel(StrEnum):
    WEBHOOK = "webhook"
    EMAIL = "email"
    OUTBOX = "outbox"


class DeliveryAttempt(BaseModel):
    """One try to deliver one alert: the delivery log is a list of these."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    alert_key: str
    alert_state: str
    channel: DeliveryChannel
    target: str  # URL, mail host, or file (never a secret)
    attempt: int = Field(ge=1)
    at: datetime
    ok: bool
    status_code: int | None = None
    error: str | None = None
    escalation_level: int = 0


# The state of each condition already alerted: ``key → {state, first_raised, escalated}``
# (the policy that reads it is alerts/dedup.py).
@dataclass
class ConditionState:
    state: str
    first_raised: datetime
    escalated: list[int] = field(default_factory=list)  # escalation levels already sent

    def to_json(self) -> dict[str, Any]:
        return {
            "state": self.state,
            "first_raised": self.first_raised.isoformat(),
            "escalated": self.escalated,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> ConditionState:
        return cls(
            state=str(data["state"]),
            first_raised=datetime.fromisoformat(str(data["first_raised"])),
            escalated=[int(x) for x in data.get("escalated", [])],
        )


States = dict[str, ConditionState]
