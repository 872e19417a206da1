"""Alert policies offline: signatures, one alert per condition, quiet hours, escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from servicepact.alerts.dedup import JsonStateFile, select
from servicepact.alerts.escalation import due_levels
from servicepact.alerts.quiet import is_working, next_working_moment
from servicepact.alerts.signing import sign, verify
from servicepact.domain.alerts import (
    Alert,
    AlertKind,
    ConditionState,
    EscalationLevel,
    RetryPolicy,
    Severity,
)
from servicepact.domain.calendars import Calendar

SEOUL = ZoneInfo("Asia/Seoul")
OFFICE = Calendar.model_validate(
    {"timezone": "Asia/Seoul", "hours": {"mon-fri": "09:00-18:00"}, "holidays": {"country": "KR"}}
)
T0 = datetime(2026, 3, 10, 1, 0, tzinfo=UTC)  # Tuesday 10:00 in Seoul


def _alert(
    key: str = "breach:acme-cs:SL-01", state: str = "2026-03:breached", **kw: object
) -> Alert:
    values: dict[str, object] = {
        "key": key,
        "state": state,
        "kind": AlertKind.BREACH,
        "severity": Severity.WARNING,
        "title": "SL-01 breached in 2026-03",
        "contract_id": "acme-cs",
        "raised_at": T0,
    }
    values.update(kw)
    return Alert.model_validate(values)


def test_a_signature_verifies_and_any_change_to_body_or_timestamp_breaks_it() -> None:
    body = b'{"a":1}'
    signature = sign(b"s3cret", 1_700_000_000, body)
    assert signature.startswith("sha256=")
    assert len(signature) == len("sha256=") + 64
    assert verify(b"s3cret", 1_700_000_000, body, signature)
    assert not verify(b"s3cret", 1_700_000_000, b'{"a":2}', signature)
    assert not verify(b"s3cret", 1_700_000_001, body, signature)
    assert not verify(b"other", 1_700_000_000, body, signature)


def test_the_same_condition_in_the_same_state_is_sent_only_once() -> None:
    first = select([_alert()], {})
    assert [a.key for a in first.new] == ["breach:acme-cs:SL-01"]
    second = select([_alert(raised_at=T0 + timedelta(hours=1))], first.states)
    assert second.new == ()
    assert len(second.suppressed) == 1
    # the first raise time is kept, for escalation
    assert second.states["breach:acme-cs:SL-01"].first_raised == T0


def test_a_change_of_state_alerts_again_and_a_cleared_condition_alerts_when_it_returns() -> None:
    first = select([_alert()], {})
    changed = select([_alert(state="2026-04:breached")], first.states)
    assert len(changed.new) == 1
    cleared = select([], changed.states)
    assert cleared.cleared == ("breach:acme-cs:SL-01",)
    assert cleared.states == {}
    back = select([_alert(state="2026-04:breached")], cleared.states)
    assert len(back.new) == 1


def test_a_partial_evaluation_keeps_the_conditions_it_did_not_look_at() -> None:
    first = select([_alert()], {})
    partial = select([], first.states, complete=False)
    assert partial.cleared == ()
    assert "breach:acme-cs:SL-01" in partial.states


def test_the_state_file_round_trips(tmp_path: object) -> None:
    from pathlib import Path

    store = JsonStateFile(Path(str(tmp_path)) / "alerts" / "state.json")
    assert store.load() == {}
    states = {"k": ConditionState("s", T0, [1])}
    store.save(states)
    assert store.load() == states


def test_office_hours_in_seoul_are_working_time_and_evenings_are_not() -> None:
    assert is_working(OFFICE, T0)  # Tue 10:00 KST
    assert not is_working(OFFICE, datetime(2026, 3, 10, 10, tzinfo=UTC))  # Tue 19:00 KST
    assert not is_working(OFFICE, datetime(2026, 3, 2, 1, tzinfo=UTC))  # Mon 2 Mar: holiday


def test_an_alert_in_quiet_hours_waits_for_the_next_working_morning_after_the_holidays() -> None:
    # Friday 2026-02-13 19:00 KST → weekend, then 16-18 Feb (Seollal) are holidays
    # → Thursday 2026-02-19 09:00 KST = 00:00 UTC
    friday_evening = datetime(2026, 2, 13, 10, tzinfo=UTC)
    assert next_working_moment(OFFICE, friday_evening) == datetime(2026, 2, 19, 0, tzinfo=UTC)
    # before opening on a working day: the same day's 09:00
    early = datetime(2026, 3, 10, 7, 30, tzinfo=SEOUL)
    assert next_working_moment(OFFICE, early) == datetime(2026, 3, 10, 9, tzinfo=SEOUL)
    assert next_working_moment(OFFICE, T0) == T0


def test_escalation_levels_fall_due_after_their_delay_once_each() -> None:
    levels = [
        EscalationLevel(level=1, after_minutes=60, recipients=("lead@acme.example",)),
        EscalationLevel(level=2, after_minutes=240, recipients=("cio@acme.example",)),
        EscalationLevel(
            level=3,
            after_minutes=0,
            recipients=("ceo@acme.example",),
            min_severity=Severity.CRITICAL,
        ),
    ]
    alert = _alert()
    due = due_levels(
        alert, first_raised=T0, now=T0 + timedelta(minutes=59), levels=levels, already=[]
    )
    assert due == []
    due = due_levels(
        alert, first_raised=T0, now=T0 + timedelta(minutes=60), levels=levels, already=[]
    )
    assert [lv.level for lv in due] == [1]
    due = due_levels(
        alert, first_raised=T0, now=T0 + timedelta(hours=5), levels=levels, already=[1]
    )
    assert [lv.level for lv in due] == [2]  # level 3 is for critical alerts only


def test_retry_delays_grow_exponentially_up_to_the_cap() -> None:
    # base 1 s × 2^(n−1): 1, 2, 4, 8, … capped at 5
    policy = RetryPolicy(base_seconds=1, factor=2, max_seconds=5)
    assert [policy.delay(n) for n in range(1, 6)] == [1, 2, 4, 5, 5]
