"""Upload jobs in the database, so every server process answers an upload's poll.

Revision: 0010 (after 0009)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "upload_jobs",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("party", sa.String(64), nullable=True),
        sa.Column("contract_id", sa.String(64), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("file_name", sa.String(200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("accept_valid", sa.Boolean(), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("bytes_done", sa.BigInteger(), nullable=False),
        sa.Column("message", sa.Text(), nullable=False),
        sa.Column("report", sa.JSON(), nullable=True),
        sa.Column("problems", sa.JSON(), nullable=True),
        sa.Column("problem_count", sa.Integer(), nullable=False),
        sa.Column("runner", sa.String(200), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("heartbeat_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_upload_jobs")),
    )
    op.create_index(op.f("ix_upload_jobs_user_name"), "upload_jobs", ["user_name"])
    op.create_index(op.f("ix_upload_jobs_status"), "upload_jobs", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_upload_jobs_status"), table_name="upload_jobs")
    op.drop_index(op.f("ix_upload_jobs_user_name"), table_name="upload_jobs")
    op.drop_table("upload_jobs")
