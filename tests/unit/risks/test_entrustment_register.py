"""The personal-data entrustment register: required items, overdue inspections, the access log."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from servicepact.domain.entrustment import (
    AccessAction,
    AccessRecord,
    Entrustment,
    EntrustmentRegister,
    inspection_findings,
)


def _entry(**overrides: Any) -> Entrustment:
    data: dict[str, Any] = {
        "contract_id": "acme-cs",
        "vendor": "helpco",
        "categories": ["name", "phone"],
        "purpose": "answering customer calls",
        "retention_months": 36,
        "security_measures": ["pseudonymisation at load", "access control", "encryption at rest"],
        "last_inspection": {"date": "2025-03-31", "result": "passed"},
    }
    data.update(overrides)
    return Entrustment.model_validate(data)


def test_the_next_inspection_is_due_one_interval_after_the_last_and_clips_month_ends() -> None:
    # 2025-03-31 + 12 months = 2026-03-31; + 11 months = 2026-02-28 (no 31 February)
    assert _entry().next_inspection_due(date(2025, 1, 1)) == date(2026, 3, 31)
    entry = _entry(inspection_interval_months=11)
    assert entry.next_inspection_due(date(2025, 1, 1)) == date(2026, 2, 28)


def test_an_overdue_inspection_raises_a_finding_on_the_contract() -> None:
    register = EntrustmentRegister(entrustments=(_entry(),))
    assert inspection_findings(register, today=date(2026, 3, 31), contract_starts={}) == []
    findings = inspection_findings(register, today=date(2026, 4, 1), contract_starts={})
    assert [f.check for f in findings] == ["inspection_overdue"]
    assert findings[0].detail == (
        "inspection of helpco was due 2026-03-31 (last inspected 2025-03-31; every 12 months)"
    )


def test_a_never_inspected_entrustee_is_due_one_interval_after_the_contract_start() -> None:
    register = EntrustmentRegister(entrustments=(_entry(last_inspection=None),))
    findings = inspection_findings(
        register, today=date(2027, 1, 2), contract_starts={"acme-cs": date(2026, 1, 1)}
    )
    assert "due 2027-01-01 (never inspected" in findings[0].detail


def test_a_failed_inspection_is_a_finding_even_when_recent() -> None:
    entry = _entry(last_inspection={"date": "2026-03-01", "result": "failed", "note": "no MFA"})
    findings = inspection_findings(
        EntrustmentRegister(entrustments=(entry,)), today=date(2026, 3, 2), contract_starts={}
    )
    assert [f.detail for f in findings] == ["the inspection of helpco on 2026-03-01 failed: no MFA"]


def test_sub_processors_need_re_entrustment_to_be_allowed() -> None:
    with pytest.raises(ValidationError, match="re-entrustment needs the client's consent"):
        _entry(sub_processors=[{"name": "CloudCo", "purpose": "hosting"}])
    assert (
        _entry(
            sub_processors=[{"name": "CloudCo", "purpose": "hosting"}], re_entrustment_allowed=True
        )
        .sub_processors[0]
        .name
        == "CloudCo"
    )


def test_the_required_items_cannot_be_left_out() -> None:
    with pytest.raises(ValidationError) as caught:
        Entrustment.model_validate({"contract_id": "acme-cs", "vendor": "helpco"})
    missing = {e["loc"][0] for e in caught.value.errors()}
    assert {"categories", "purpose", "retention_months", "security_measures"} <= missing


def test_one_entrustment_per_contract() -> None:
    with pytest.raises(ValidationError, match="repeated: acme-cs"):
        EntrustmentRegister(entrustments=(_entry(), _entry()))


def test_an_export_of_personal_data_needs_a_reason_but_a_view_does_not() -> None:
    base = {
        "at": datetime(2026, 4, 1, 9, tzinfo=UTC),
        "user": "kim",
        "contract_id": "acme-cs",
        "category": "phone",
        "record_ref": "p:3f9a",
        "source_address": "10.0.0.7",
    }
    assert AccessRecord(action=AccessAction.VIEW, **base).reason is None  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="needs a reason"):
        AccessRecord(action=AccessAction.EXPORT, reason="  ", **base)  # type: ignore[arg-type]
    record = AccessRecord(action=AccessAction.EXPORT, reason="complaint 77", **base)  # type: ignore[arg-type]
    assert record.reason == "complaint 77"
