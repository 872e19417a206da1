"""Service-level results and exclusions (waivers).

Results are versioned per contract, service level and period: re-evaluating with
identical inputs (same ``inputs_sha256``) adds nothing; changed inputs (a new
batch, a new contract version, an approved exclusion) add the next version and
the previous ones stay readable. Exact values are stored as text (``"19/20"``),
so nothing is lost to floating point on either database.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

PERIOD_LENGTH = 16  # 2026-03, 2026-Q1, Y1
EXACT_LENGTH = 80  # "numerator/denominator" text of an exact fraction
STATUS_LENGTH = 24

sl_results = sa.Table(
    "sl_results",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("service_level_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("period", sa.String(PERIOD_LENGTH), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("contract_version", sa.Integer, nullable=False),
    sa.Column("kpi", sa.String(ID_LENGTH), nullable=False),
    sa.Column("value", sa.String(EXACT_LENGTH), nullable=True),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("running", sa.Boolean, nullable=False),
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("batches", sa.JSON, nullable=False),
    sa.Column("result", sa.JSON, nullable=False),  # every field of ServiceLevelResult, exact
    # The holiday lists the result was measured with (Contract.calendar_hash); NULL on results
    # stored before revision 0011.
    sa.Column("calendar_sha256", sa.String(SHA256_HEX), nullable=True),
    sa.Column("evaluated_at", UtcDateTime, nullable=False),
    sa.Column("evaluated_by", sa.String(ID_LENGTH), nullable=False),
    sa.Index("ix_sl_results_contract_period", "contract_id", "period"),
)

exclusions = sa.Table(
    "exclusions",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("source", sa.String(ID_LENGTH), nullable=False),
    sa.Column("service_level_id", sa.String(ID_LENGTH), nullable=True),
    sa.Column("event_ids", sa.JSON, nullable=False),
    sa.Column("period", sa.String(PERIOD_LENGTH), nullable=True),
    sa.Column("reason", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("requested_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("requested_at", UtcDateTime, nullable=False),
    sa.Column("status", sa.String(STATUS_LENGTH), nullable=False),
    sa.Column("decided_by", sa.String(ID_LENGTH), nullable=True),
    sa.Column("decided_at", UtcDateTime, nullable=True),
    sa.Column("decision_note", sa.Text, nullable=False, server_default=""),
    sa.Index("ix_exclusions_contract", "contract_id"),
)
