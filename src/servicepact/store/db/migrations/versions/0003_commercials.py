"""Credit statements, invoice checks and period closes.

Revision: 0003 (after 0002)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credit_statements",
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("monthly_fees", sa.String(40), nullable=False),
        sa.Column("at_risk", sa.String(40), nullable=False),
        sa.Column("total", sa.String(40), nullable=False),
        sa.Column("earn_back", sa.String(40), nullable=False),
        sa.Column("statement", sa.JSON(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_credit_statements_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint(
            "contract_id", "period", "version", name=op.f("pk_credit_statements")
        ),
    )
    op.create_table(
        "invoice_checks",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("source_name", sa.String(300), nullable=False),
        sa.Column("file_sha256", sa.String(64), nullable=False),
        sa.Column("currency", sa.String(3), nullable=False),
        sa.Column("verdict", sa.String(16), nullable=False),
        sa.Column("expected_total", sa.String(40), nullable=False),
        sa.Column("invoiced_total", sa.String(40), nullable=False),
        sa.Column("details", sa.JSON(), nullable=False),
        sa.Column("credits_taken", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_invoice_checks_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_invoice_checks")),
    )
    op.create_index(
        "ix_invoice_checks_contract_period",
        "invoice_checks",
        ["contract_id", "period"],
        unique=False,
    )
    op.create_table(
        "period_closes",
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("outputs_sha256", sa.String(64), nullable=False),
        sa.Column("snapshot", sa.JSON(), nullable=False),
        sa.Column("closed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("closed_by", sa.String(64), nullable=False),
        sa.Column("reopened_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("reopened_by", sa.String(64), nullable=True),
        sa.Column("reopen_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_period_closes_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("contract_id", "period", "version", name=op.f("pk_period_closes")),
    )


def downgrade() -> None:
    op.drop_table("period_closes")
    op.drop_index("ix_invoice_checks_contract_period", table_name="invoice_checks")
    op.drop_table("invoice_checks")
    op.drop_table("credit_statements")
