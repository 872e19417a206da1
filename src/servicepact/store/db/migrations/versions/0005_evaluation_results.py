"""Service-level results (versioned per contract, service level and period) and exclusions.

Revision: 0005 (after 0004)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "sl_results",
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("service_level_id", sa.String(64), nullable=False),
        sa.Column("period", sa.String(16), nullable=False),
        sa.Column("version", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("contract_version", sa.Integer(), nullable=False),
        sa.Column("kpi", sa.String(64), nullable=False),
        sa.Column("value", sa.String(80), nullable=True),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("running", sa.Boolean(), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("batches", sa.JSON(), nullable=False),
        sa.Column("result", sa.JSON(), nullable=False),
        sa.Column("evaluated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("evaluated_by", sa.String(64), nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_sl_results_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint(
            "contract_id", "service_level_id", "period", "version", name=op.f("pk_sl_results")
        ),
    )
    op.create_index(
        "ix_sl_results_contract_period", "sl_results", ["contract_id", "period"], unique=False
    )
    op.create_table(
        "exclusions",
        sa.Column("id", sa.String(64), nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("service_level_id", sa.String(64), nullable=True),
        sa.Column("event_ids", sa.JSON(), nullable=False),
        sa.Column("period", sa.String(16), nullable=True),
        sa.Column("reason", sa.String(24), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("requested_by", sa.String(64), nullable=False),
        sa.Column("requested_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("decided_by", sa.String(64), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decision_note", sa.Text(), server_default="", nullable=False),
        sa.ForeignKeyConstraint(
            ["contract_id"], ["contracts.id"], name=op.f("fk_exclusions_contract_id_contracts")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_exclusions")),
    )
    op.create_index("ix_exclusions_contract", "exclusions", ["contract_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_exclusions_contract", table_name="exclusions")
    op.drop_table("exclusions")
    op.drop_index("ix_sl_results_contract_period", table_name="sl_results")
    op.drop_table("sl_results")
