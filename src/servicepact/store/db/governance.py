"""Governance records: the risk register, the entrustment register (PIPA Art. 26), the log of
access to personal data, and the vendors' relationship surveys."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from servicepact.domain.entrustment import AccessRecord
from servicepact.domain.risks import Risk
from servicepact.store.db.tables.vendors import (
    entrustments,
    personal_data_access,
    risks,
    vendor_scorecards,
    vendor_survey_entries,
    vendor_surveys,
)
from servicepact.store.db.versioned import VersionWritten, add_version, latest_version

# --- risks --------------------------------------------------------------------------------------


def _risk(row: Any) -> Risk:
    return Risk(
        id=row.id,
        title=row.title,
        category=row.category,
        likelihood=row.likelihood,
        impact=row.impact,
        owner=row.owner,
        mitigation=row.mitigation,
        review_date=row.review_date,
        status=row.status,
        contracts=tuple(row.contracts),
        vendors=tuple(row.vendors),
        source=row.source,
        rule=row.rule,
        explanation=row.explanation,
        opened=row.opened_on,
        closed=row.closed_on,
    )


def _values(risk: Risk, *, rule_key: str | None, at: Any) -> dict[str, Any]:
    return {
        "id": risk.id,
        "rule_key": rule_key,
        "title": risk.title,
        "category": risk.category.value,
        "likelihood": risk.likelihood,
        "impact": risk.impact,
        "owner": risk.owner,
        "mitigation": risk.mitigation,
        "review_date": risk.review_date,
        "status": risk.status.value,
        "contracts": list(risk.contracts),
        "vendors": list(risk.vendors),
        "source": risk.source.value,
        "rule": risk.rule,
        "explanation": risk.explanation,
        "opened_on": risk.opened,
        "closed_on": risk.closed,
        "updated_at": at,
    }


class RiskRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def get(self, risk_id: str) -> Risk | None:
        row = self._connection.execute(sa.select(risks).where(risks.c.id == risk_id)).first()
        return None if row is None else _risk(row)

    def by_rule_key(self, rule_key: str) -> Risk | None:
        """The risk an automatic rule raised under ``rule_key``."""
        row = self._connection.execute(sa.select(risks).where(risks.c.rule_key == rule_key)).first()
        return None if row is None else _risk(row)

    def all(self) -> list[Risk]:
        return [
            _risk(row) for row in self._connection.execute(sa.select(risks).order_by(risks.c.id))
        ]

    def count(self) -> int:
        return int(
            self._connection.execute(sa.select(sa.func.count()).select_from(risks)).scalar_one()
        )

    def save(self, risk: Risk, *, rule_key: str | None, exists: bool, at: datetime) -> None:
        """Insert the risk, or replace the stored one with the same id (``exists``)."""
        values = _values(risk, rule_key=rule_key, at=at)
        if exists:
            self._connection.execute(sa.update(risks).where(risks.c.id == risk.id).values(**values))
        else:
            self._connection.execute(sa.insert(risks).values(**values))


# --- entrustments -------------------------------------------------------------------------------


class EntrustmentRepository:
    """The terms of each contract's entrustment, as the register file states them (JSON)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def terms(self, contract_id: str) -> dict[str, Any] | None:
        row = self._connection.execute(
            sa.select(entrustments.c.terms).where(entrustments.c.contract_id == contract_id)
        ).first()
        return None if row is None else dict(row.terms)

    def all_terms(self) -> list[tuple[str, dict[str, Any]]]:
        """(contract id, terms) of every entrustment, by contract id."""
        rows = self._connection.execute(
            sa.select(entrustments.c.contract_id, entrustments.c.terms).order_by(
                entrustments.c.contract_id
            )
        )
        return [(row.contract_id, row.terms) for row in rows]

    def save(
        self, *, contract_id: str, vendor: str, terms: dict[str, Any], exists: bool, at: datetime
    ) -> None:
        values = {"contract_id": contract_id, "vendor": vendor, "terms": terms, "updated_at": at}
        if exists:
            self._connection.execute(
                sa.update(entrustments)
                .where(entrustments.c.contract_id == contract_id)
                .values(**values)
            )
        else:
            self._connection.execute(sa.insert(entrustments).values(**values))


# --- access to personal data --------------------------------------------------------------------


def _record(row: Any) -> AccessRecord:
    return AccessRecord(
        at=row.at,
        user=row.user_name,
        action=row.action,
        contract_id=row.contract_id,
        category=row.category,
        record_ref=row.record_ref,
        source_address=row.source_address,
        reason=row.reason,
        count=row.record_count,
    )


class PersonalDataAccessRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def add(self, record: AccessRecord) -> None:
        self._connection.execute(
            sa.insert(personal_data_access).values(
                at=record.at,
                user_name=record.user,
                action=record.action.value,
                contract_id=record.contract_id,
                category=record.category.value,
                record_ref=record.record_ref,
                source_address=record.source_address,
                reason=record.reason,
                record_count=record.count,
            )
        )

    def latest(self, *, contract_id: str | None, limit: int) -> list[AccessRecord]:
        """The newest ``limit`` records, newest first (of one contract when given)."""
        query = (
            sa.select(personal_data_access).order_by(personal_data_access.c.at.desc()).limit(limit)
        )
        if contract_id is not None:
            query = query.where(personal_data_access.c.contract_id == contract_id)
        return [_record(row) for row in self._connection.execute(query)]


# --- relationship surveys -----------------------------------------------------------------------


class SurveyRepository:
    """One relationship survey per vendor and quarter: score (decimal text) and respondents;
    every entry is kept too, so a past month reads the survey as it stood then."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def _where(self, vendor_id: str, quarter: str) -> sa.ColumnElement[bool]:
        return (vendor_surveys.c.vendor_id == vendor_id) & (vendor_surveys.c.quarter == quarter)

    def get(self, vendor_id: str, quarter: str) -> tuple[str, int] | None:
        """(score text, respondents) of the vendor's survey for the quarter."""
        row = self._connection.execute(
            sa.select(vendor_surveys).where(self._where(vendor_id, quarter))
        ).first()
        return None if row is None else (row.score, row.respondents)

    def as_of(self, vendor_id: str, quarter: str, moment: datetime) -> tuple[str, int] | None:
        """(score text, respondents) of the latest entry made before ``moment``."""
        row = self._connection.execute(
            sa.select(vendor_survey_entries.c.score, vendor_survey_entries.c.respondents)
            .where(
                vendor_survey_entries.c.vendor_id == vendor_id,
                vendor_survey_entries.c.quarter == quarter,
                vendor_survey_entries.c.entered_at < moment,
            )
            .order_by(vendor_survey_entries.c.version.desc())
            .limit(1)
        ).first()
        return None if row is None else (row.score, row.respondents)

    def save(
        self,
        *,
        vendor_id: str,
        quarter: str,
        score: str,
        respondents: int,
        exists: bool,
        at: datetime,
        by: str,
    ) -> None:
        values = {
            "vendor_id": vendor_id,
            "quarter": quarter,
            "score": score,
            "respondents": respondents,
            "entered_at": at,
            "entered_by": by,
        }
        if exists:
            self._connection.execute(
                sa.update(vendor_surveys).where(self._where(vendor_id, quarter)).values(**values)
            )
        else:
            self._connection.execute(sa.insert(vendor_surveys).values(**values))
        latest = latest_version(
            self._connection,
            vendor_survey_entries,
            {"vendor_id": vendor_id, "quarter": quarter},
        )
        version = 1 if latest is None else int(latest.version) + 1
        self._connection.execute(sa.insert(vendor_survey_entries).values(**values, version=version))


# --- frozen scorecards --------------------------------------------------------------------------


@dataclass(frozen=True)
class FrozenScorecard:
    vendor_id: str
    period: str
    version: int
    inputs: dict[str, Any]  # engine/scorecard.inputs_to_json
    closes: dict[str, int]  # contract id → the close version it was frozen with
    frozen_at: datetime
    frozen_by: str


class FrozenScorecardRepository:
    """A vendor's scorecard inputs of a closed month, in versions (one per freeze)."""

    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def latest(self, vendor_id: str, period: str) -> FrozenScorecard | None:
        row = latest_version(
            self._connection, vendor_scorecards, {"vendor_id": vendor_id, "period": period}
        )
        if row is None:
            return None
        return FrozenScorecard(
            vendor_id=row.vendor_id,
            period=row.period,
            version=row.version,
            inputs=dict(row.inputs),
            closes={str(k): int(v) for k, v in dict(row.closes).items()},
            frozen_at=row.frozen_at,
            frozen_by=row.frozen_by,
        )

    def freeze(
        self,
        *,
        vendor_id: str,
        period: str,
        inputs: dict[str, Any],
        closes: dict[str, int],
        inputs_sha256: str,
        at: datetime,
        by: str,
    ) -> VersionWritten:
        return add_version(
            self._connection,
            vendor_scorecards,
            key={"vendor_id": vendor_id, "period": period},
            values={"inputs": inputs, "closes": closes, "frozen_at": at, "frozen_by": by},
            inputs_sha256=inputs_sha256,
        )
