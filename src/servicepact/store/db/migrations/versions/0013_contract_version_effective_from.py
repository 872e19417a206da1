"""The month from which a contract version governs the results (an amendment's effect).

An amendment applied to a contract with measured months says from which month it applies
(``--effective-from``, or ``--remeasure-from`` when the user accepts that measured months are
measured again); earlier months keep the previous version's terms. NULL: from the contract's
start (a first version, or an amendment before any month was measured).

Revision: 0013 (after 0012)
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("contract_versions") as batch:
        batch.add_column(sa.Column("effective_from", sa.String(7), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("contract_versions") as batch:
        batch.drop_column("effective_from")
