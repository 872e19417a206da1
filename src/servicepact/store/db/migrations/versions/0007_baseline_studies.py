"""Baseline studies kept for a negotiation (docs/baseline.md).

Revision: 0007 (after 0006)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "baseline_studies",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("contract_sha256", sa.String(64), nullable=False),
        sa.Column("first_month", sa.String(16), nullable=False),
        sa.Column("last_month", sa.String(16), nullable=False),
        sa.Column("improve_percent", sa.String(40), nullable=False),
        sa.Column("inputs_sha256", sa.String(64), nullable=False),
        sa.Column("files", sa.JSON(), nullable=False),
        sa.Column("study", sa.JSON(), nullable=False),
        sa.Column("proposal", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_baseline_studies")),
    )
    op.create_index(
        "ix_baseline_studies_contract_id", "baseline_studies", ["contract_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index("ix_baseline_studies_contract_id", table_name="baseline_studies")
    op.drop_table("baseline_studies")
