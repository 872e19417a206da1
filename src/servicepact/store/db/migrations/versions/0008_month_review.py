"""The vendor's response to a month: disputes and acknowledgements (sign-off).

Revision: 0008 (after 0007)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "disputes",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("service_level_id", sa.String(64), nullable=True),
        sa.Column("comment", sa.Text(), nullable=False),
        sa.Column("raised_by", sa.String(64), nullable=False),
        sa.Column("raised_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("resolved_by", sa.String(64), nullable=True),
        sa.Column("resolved_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("resolution_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_disputes_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_disputes")),
    )
    op.create_index(
        "ix_disputes_contract_period", "disputes", ["contract_id", "period"], unique=False
    )
    op.create_table(
        "month_acknowledgements",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("results_sha256", sa.String(64), nullable=False),
        sa.Column("acknowledged_by", sa.String(64), nullable=False),
        sa.Column("acknowledged_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"],
            ["contracts.id"],
            name=op.f("fk_month_acknowledgements_contract_id_contracts"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_month_acknowledgements")),
    )
    op.create_index(
        "ix_month_acknowledgements_contract_period",
        "month_acknowledgements",
        ["contract_id", "period"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_month_acknowledgements_contract_period", table_name="month_acknowledgements")
    op.drop_table("month_acknowledgements")
    op.drop_index("ix_disputes_contract_period", table_name="disputes")
    op.drop_table("disputes")
