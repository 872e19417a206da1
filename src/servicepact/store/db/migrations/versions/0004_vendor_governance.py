"""Vendor governance: risk register, surveys, entrustment register, personal-data access log,
alert conditions and deliveries.

Revision: 0004 (after 0003)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "risks",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("rule_key", sa.String(300), nullable=True),
        sa.Column("title", sa.String(300), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("likelihood", sa.Integer(), nullable=False),
        sa.Column("impact", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("mitigation", sa.Text(), nullable=False),
        sa.Column("review_date", sa.Date(), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("contracts", sa.JSON(), nullable=False),
        sa.Column("vendors", sa.JSON(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("rule", sa.String(64), nullable=True),
        sa.Column("explanation", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_risks")),
        sa.UniqueConstraint("rule_key", name=op.f("uq_risks_rule_key")),
    )
    op.create_table(
        "vendor_surveys",
        sa.Column("vendor_id", sa.String(64), nullable=False),
        sa.Column("quarter", sa.String(16), nullable=False),
        sa.Column("score", sa.String(40), nullable=False),
        sa.Column("respondents", sa.Integer(), nullable=False),
        sa.Column("entered_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entered_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("vendor_id", "quarter", name=op.f("pk_vendor_surveys")),
    )
    op.create_table(
        "entrustments",
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("vendor", sa.String(64), nullable=False),
        sa.Column("terms", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_entrustments_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("contract_id", name=op.f("pk_entrustments")),
    )
    op.create_table(
        "personal_data_access",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("action", sa.String(16), nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("record_ref", sa.String(200), nullable=False),
        sa.Column("source_address", sa.String(200), nullable=False),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("record_count", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_personal_data_access_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_personal_data_access")),
    )
    op.create_table(
        "alert_conditions",
        sa.Column("key", sa.String(300), nullable=False),
        sa.Column("state", sa.String(300), nullable=False),
        sa.Column("first_raised", sa.DateTime(timezone=True), nullable=False),
        sa.Column("escalated", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_alert_conditions")),
    )
    op.create_table(
        "alert_deliveries",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("alert_key", sa.String(300), nullable=False),
        sa.Column("alert_state", sa.String(300), nullable=False),
        sa.Column("channel", sa.String(16), nullable=False),
        sa.Column("target", sa.String(1000), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ok", sa.Boolean(), nullable=False),
        sa.Column("status_code", sa.Integer(), nullable=True),
        sa.Column("error", sa.Text(), nullable=True),
        sa.Column("escalation_level", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_alert_deliveries")),
    )
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_alert_deliveries_alert_key"), ["alert_key"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("alert_deliveries", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_alert_deliveries_alert_key"))
    op.drop_table("alert_deliveries")
    op.drop_table("alert_conditions")
    op.drop_table("personal_data_access")
    op.drop_table("entrustments")
    op.drop_table("vendor_surveys")
    op.drop_table("risks")
