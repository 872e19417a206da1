"""Parties, the process catalogue and the decision log (PRODUCT.md §2.1)."""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, UtcDateTime
from servicepact.store.db.tables import metadata

parties = sa.Table(
    "parties",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("country", sa.String(8), nullable=True),
    sa.Column("certifications", sa.JSON, nullable=False),
    # "portfolio" when declared in a portfolio file, "contract" when a contract
    # named it before any portfolio was loaded (then it is created with its id as name).
    sa.Column("origin", sa.String(16), nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

processes = sa.Table(
    "processes",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("domain", sa.String(32), nullable=False),
    sa.Column("office", sa.String(16), nullable=False),
    # No foreign key: a portfolio file may list a child before its parent, and the
    # domain model already checks that every parent exists.
    sa.Column("parent", sa.String(ID_LENGTH), nullable=True),
    sa.Column("artefacts", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

decisions = sa.Table(
    "decisions",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("decided_on", sa.Date, nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("rationale", sa.Text, nullable=False),
    sa.Column("contracts", sa.JSON, nullable=False),
    sa.Column("processes", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)
