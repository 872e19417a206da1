"""Contracts and their versions: every applied change is a new, immutable version."""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

contracts = sa.Table(
    "contracts",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("client", sa.String(ID_LENGTH), sa.ForeignKey("parties.id"), nullable=False),
    # Indexed: every query a vendor or broker user makes filters on these.
    sa.Column(
        "vendor", sa.String(ID_LENGTH), sa.ForeignKey("parties.id"), nullable=False, index=True
    ),
    sa.Column(
        "broker", sa.String(ID_LENGTH), sa.ForeignKey("parties.id"), nullable=True, index=True
    ),
    sa.Column("current_version", sa.Integer, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

contract_versions = sa.Table(
    "contract_versions",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    # The canonical contract file (as the contract-file layer renders it) ...
    sa.Column("document", sa.JSON, nullable=False),
    # ... and the contract model as JSON, so reading a version never depends on
    # the file format's version.
    sa.Column("contract", sa.JSON, nullable=False),
    sa.Column("sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
    sa.Column("applied_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("source_name", sa.String(500), nullable=True),
    sa.Column("supersedes", sa.Integer, nullable=True),
    # The version's holiday lists, fixed when it was applied: {calendar: HolidayList.to_json()}.
    # NULL only for a version stored before revision 0011 until `servicepact init` fixes it.
    sa.Column("holidays", sa.JSON, nullable=True),
    # The first month (YYYY-MM) this version governs; NULL: from the contract's start. Earlier
    # months keep the terms of the version that governed them (services/contracts.py).
    sa.Column("effective_from", sa.String(7), nullable=True),
)
