"""A reporting period that is over keeps its values once computed, keyed by its inputs
(services/period_reports.py): read back without reading the events, recomputed as soon as an
input changes, never kept while the period runs."""

from __future__ import annotations

from datetime import UTC, datetime
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.exclusions import ExclusionReason
from servicepact.services.evaluation import approve_exclusion, request_exclusion
from servicepact.services.loads import load_rows
from servicepact.services.period_reports import compliance
from servicepact.store.events.store import EventStore

CONTRACT = "acme-cs-2026"
AFTER_Q1 = datetime(2026, 4, 2, tzinfo=UTC)  # the first quarter is over in Seoul


def kept_files(app: App) -> list[Path]:
    return sorted((app.settings.data_dir / "cache" / "period-values").rglob("*.json"))


def q1_value(app: App, actor: Actor, now: datetime = AFTER_Q1) -> Fraction | None:
    _, (level,) = compliance(app, actor=actor, contract_id=CONTRACT, period="2026-Q1", now=now)
    return level.value


@pytest.fixture
def no_event_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every read of the event store recorded (and refused)."""
    reads: list[str] = []

    def refuse(self: EventStore, **kwargs: Any) -> Any:
        reads.append(kwargs["source"])
        raise AssertionError("the events were read")

    monkeypatch.setattr(EventStore, "read", refuse)
    return reads


def test_a_period_over_is_read_back_without_its_events(
    app_with_calls: App, client_manager: Actor, monkeypatch: pytest.MonkeyPatch
) -> None:
    # March: 15 of 20 calls in time
    _, computed = compliance(
        app_with_calls, actor=client_manager, contract_id=CONTRACT, period="2026-Q1", now=AFTER_Q1
    )
    assert computed[0].value == Fraction(3, 4)
    assert len(kept_files(app_with_calls)) == 1
    reads: list[str] = []
    original = EventStore.read

    def counted(self: EventStore, **kwargs: Any) -> Any:
        reads.append(kwargs["source"])
        return original(self, **kwargs)

    monkeypatch.setattr(EventStore, "read", counted)
    _, again = compliance(
        app_with_calls, actor=client_manager, contract_id=CONTRACT, period="2026-Q1", now=AFTER_Q1
    )
    assert reads == []  # before: the calls were read again on every call
    (level,) = again
    assert (level.value, level.numerator, level.denominator) == (Fraction(3, 4), 15, 20)
    assert (level.sample_size, level.running) == (20, False)
    assert again == computed  # every field as computed from the events


def test_a_new_batch_is_a_new_key(
    app_with_calls: App, client_manager: Actor, vendor_a: Actor
) -> None:
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 4)
    late = [
        {
            "id": f"D{i:03d}",
            "offered_at": f"2026-03-11T10:{i:02d}:00+09:00",
            "answered_at": f"2026-03-11T10:{i + 1:02d}:00+09:00",
        }
        for i in range(5)
    ]
    load_rows(app_with_calls, actor=vendor_a, contract_id=CONTRACT, source="calls", rows=late)
    # 15 of 25 calls in time now
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 5)
    assert len(kept_files(app_with_calls)) == 2


def test_an_approved_exclusion_is_a_new_key(
    app_with_calls: App, client_manager: Actor, vendor_a: Actor
) -> None:
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 4)
    waiver = request_exclusion(
        app_with_calls,
        actor=vendor_a,
        contract_id=CONTRACT,
        source="calls",
        reason=ExclusionReason.CLIENT_CAUSED,
        event_ids=["C015", "C016", "C017", "C018", "C019"],  # the five late calls
    )
    approve_exclusion(app_with_calls, actor=client_manager, exclusion_id=waiver.id)
    # 15 of the 15 calls left in time
    assert q1_value(app_with_calls, client_manager) == Fraction(1)


def test_a_running_period_is_never_kept(
    app_with_calls: App, client_manager: Actor, no_event_reads: list[str]
) -> None:
    with pytest.raises(AssertionError, match="the events were read"):
        q1_value(app_with_calls, client_manager, now=datetime(2026, 3, 20, tzinfo=UTC))
    assert no_event_reads == ["calls"]
    assert kept_files(app_with_calls) == []


def test_an_unreadable_entry_is_computed_again(app_with_calls: App, client_manager: Actor) -> None:
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 4)
    (entry,) = kept_files(app_with_calls)
    entry.write_text('{"SL-01": {"value": ', encoding="utf-8")  # cut short
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 4)
    entry.write_text('{"SL-01": {"value": 1}}', encoding="utf-8")  # fields missing
    assert q1_value(app_with_calls, client_manager) == Fraction(3, 4)
    assert '"fraction": [3, 4]' in entry.read_text(encoding="utf-8")
