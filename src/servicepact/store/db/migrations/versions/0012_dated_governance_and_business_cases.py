"""Dated risks and control findings, frozen vendor scorecards, stored business cases.

- ``risks.opened_on`` / ``closed_on``: the register's dates, so that a month's scorecard counts
  the risks open at the end of that month. Existing rows are filled from what is known: the
  day of the risk's first audit entry (its creation or raising), else of its last update; a
  closed risk's ``closed_on`` is the day of its last update (when it was last changed, i.e.
  closed). Days are read in UTC: the rows carry no zone of their own.
- ``control_findings.closed_at``: when a finding stopped being open; a finding that is no longer
  open is taken as closed when it was found (nothing later is known of it).
- ``vendor_survey_entries``: every entry of a relationship survey (the stored surveys are
  their first entries), so a month reads the survey as it stood at its end.
- ``vendor_scorecards``: a vendor's scorecard inputs of a closed month, frozen.
- ``business_cases``: each contract's business case and broker terms, versioned.

Revision: 0012 (after 0009; the chain is renumbered when branches are merged)
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _day(value: object) -> date | None:
    """The UTC day of a stored timestamp (SQLite may hand back text or a naive datetime)."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).date()


def _fill_risk_dates(connection: sa.Connection) -> None:
    risks = sa.table(
        "risks",
        sa.column("id", sa.String),
        sa.column("status", sa.String),
        sa.column("updated_at", sa.DateTime(timezone=True)),
        sa.column("opened_on", sa.Date),
        sa.column("closed_on", sa.Date),
    )
    audit = sa.table(
        "audit_log",
        sa.column("seq", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("entity_type", sa.String),
        sa.column("entity_id", sa.String),
    )
    first_seen: dict[str, date | None] = {}
    for entity_id, at in connection.execute(
        sa.select(audit.c.entity_id, audit.c.at)
        .where(audit.c.entity_type == "risk")
        .order_by(audit.c.seq)
    ):
        first_seen.setdefault(entity_id, _day(at))
    rows = list(connection.execute(sa.select(risks.c.id, risks.c.status, risks.c.updated_at)))
    for risk_id, status, updated_at in sorted(rows):
        updated = _day(updated_at)
        opened = first_seen.get(risk_id) or updated
        closed = updated if status == "closed" else None
        if closed is not None and opened is not None and closed < opened:
            closed = opened
        connection.execute(
            sa.update(risks).where(risks.c.id == risk_id).values(opened_on=opened, closed_on=closed)
        )


def upgrade() -> None:
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("closed_on", sa.Date(), nullable=True))
    with op.batch_alter_table("control_findings", schema=None) as batch_op:
        batch_op.add_column(sa.Column("closed_at", sa.DateTime(timezone=True), nullable=True))
    connection = op.get_bind()
    _fill_risk_dates(connection)
    findings = sa.table(
        "control_findings",
        sa.column("status", sa.String),
        sa.column("found_at", sa.DateTime(timezone=True)),
        sa.column("closed_at", sa.DateTime(timezone=True)),
    )
    connection.execute(
        sa.update(findings).where(findings.c.status != "open").values(closed_at=findings.c.found_at)
    )
    op.create_table(
        "vendor_survey_entries",
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("quarter", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("score", sa.String(40), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint(
            "vendor_id", "quarter", "version", name=op.f("pk_vendor_survey_entries")
        ),
    )
    op.execute(
        "INSERT INTO vendor_survey_entries "
        "(vendor_id, quarter, version, score, respondents, entered_at, entered_by) "
        "SELECT vendor_id, quarter, 1, score, respondents, entered_at, entered_by "
        "FROM vendor_surveys"
    )
    op.create_table(
        "vendor_scorecards",
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("closes", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("frozen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("frozen_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint(
            "vendor_id", "period", "version", name=op.f("pk_vendor_scorecards")
        ),
    )
    op.create_table(
        "business_cases",
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("inputs", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("applied_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("applied_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_business_cases_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("contract_id", "version", name=op.f("pk_business_cases")),
    )


def downgrade() -> None:
    op.drop_table("business_cases")
    op.drop_table("vendor_scorecards")
    op.drop_table("vendor_survey_entries")
    with op.batch_alter_table("control_findings", schema=None) as batch_op:
        batch_op.drop_column("closed_at")
    with op.batch_alter_table("risks", schema=None) as batch_op:
        batch_op.drop_column("closed_on")
        batch_op.drop_column("opened_on")
