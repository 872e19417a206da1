"""The vendor's response to a month's results: disputes and the sign-off (acknowledgement).

A dispute names a month (and optionally one service level) with the vendor's comment; the
client resolves it with a note. An acknowledgement records that a vendor user signed off
the month's results as they stood (their hash), so a later change shows as not signed.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

PERIOD_LENGTH = 16
STATUS_LENGTH = 24

disputes = sa.Table(
    "disputes",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("period", sa.String(PERIOD_LENGTH), nullable=False),
    sa.Column("service_level_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("comment", sa.Text, nullable=False),
    sa.Column("raised_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("raised_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("resolved_by", sa.String(ID_LENGTH), nullable=True),
    sa.Column("resolved_at", UtcDateTime, nullable=True),
    sa.Column("resolution_note", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_disputes_contract_period", "contract_id", "period"),
)

acknowledgements = sa.Table(
    "month_acknowledgements",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("period", sa.String(PERIOD_LENGTH), nullable=False),
    sa.Column("results_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("acknowledged_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("acknowledged_at", UtcDateTime, nullable=False),
    sa.Index("ix_month_acknowledgements_contract_period", "contract_id", "period"),
)
