"""Web sign-in passwords (Argon2 hashes) per user.

Revision: 0006 (after 0005)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "user_credentials",
        sa.Column("user_name", sa.String(64), nullable=False),
        sa.Column("password_hash", sa.String(255), nullable=False),
        sa.Column("set_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name=op.f("fk_user_credentials_user_name_users")
        ),
        sa.PrimaryKeyConstraint("user_name", name=op.f("pk_user_credentials")),
    )


def downgrade() -> None:
    op.drop_table("user_credentials")
