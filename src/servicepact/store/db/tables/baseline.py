"""Baseline studies kept for a negotiation (docs/baseline.md, "Keeping a study").

A study is the evidence behind proposed service levels: what was measured (the contract file's
canonical hash, each history file's SHA-256), how (months, improvement, engine version), what it
showed (the study document, as ``servicepact baseline --format json`` prints it) and what was
proposed (the canonical YAML of the contract with the proposed levels). Rows are only ever added:
a new study of the same contract is a new row, so the study a negotiation relied on stays as it
was. ``contract_id`` is not a foreign key: a study precedes the contract, which may never be
applied.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

MONTH_LENGTH = 16  # 2025-01
NUMBER_LENGTH = 40  # decimal text

baseline_studies = sa.Table(
    "baseline_studies",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), nullable=False),
    sa.Column("contract_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("first_month", sa.String(MONTH_LENGTH), nullable=False),
    sa.Column("last_month", sa.String(MONTH_LENGTH), nullable=False),
    sa.Column("improve_percent", sa.String(NUMBER_LENGTH), nullable=False),
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("files", sa.JSON, nullable=False),  # [{source, name, sha256, bytes}]
    sa.Column("study", sa.JSON, nullable=False),
    sa.Column("proposal", sa.Text, nullable=False),
    sa.Column("note", sa.Text, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(ID_LENGTH), nullable=False),
    sa.Index("ix_baseline_studies_contract_id", "contract_id"),
)
