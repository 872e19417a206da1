"""Holiday lists fixed with each contract version, and the calendar hash of each result.

Revision: 0011 (after 0010)

Additive: ``contract_versions.holidays`` (JSON, the version's holiday dates per calendar) and
``sl_results.calendar_sha256``. The lists of versions stored before this revision are left
NULL here and fixed by ``servicepact init`` right after the upgrade, once, from the installed
``holidays`` package, with an audit entry per version (services/calendars.py): a migration
has no actor to audit under, and the dates depend on the package, not on the schema.
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contract_versions") as batch:
        batch.add_column(sa.Column("holidays", sa.JSON(), nullable=True))
    with op.batch_alter_table("sl_results") as batch:
        batch.add_column(sa.Column("calendar_sha256", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("sl_results") as batch:
        batch.drop_column("calendar_sha256")
    with op.batch_alter_table("contract_versions") as batch:
        batch.drop_column("holidays")
