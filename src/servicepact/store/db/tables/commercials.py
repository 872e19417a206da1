"""Credit statements, invoice checks and period closes.

Amounts are stored as decimal text (``"4800000"``, ``"1234.50"``): a float never touches money,
and both SQLite and PostgreSQL keep text exactly. Statements and checks are versioned per
contract and month: a re-evaluation after a reopen adds a version, the old ones stay readable.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

PERIOD_LENGTH = 16  # 2026-03, 2026-Q1, Y1
AMOUNT_LENGTH = 40  # decimal text

credit_statements = sa.Table(
    "credit_statements",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("period", sa.String(PERIOD_LENGTH), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("contract_version", sa.Integer, nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("monthly_fees", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("at_risk", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("total", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("earn_back", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("statement", sa.JSON, nullable=False),
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(ID_LENGTH), nullable=False),
)

invoice_checks = sa.Table(
    "invoice_checks",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("period", sa.String(PERIOD_LENGTH), nullable=False),
    sa.Column("contract_version", sa.Integer, nullable=False),
    sa.Column("source_name", sa.String(300), nullable=False),
    sa.Column("file_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("currency", sa.String(3), nullable=False),
    sa.Column("verdict", sa.String(16), nullable=False),
    sa.Column("expected_total", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("invoiced_total", sa.String(AMOUNT_LENGTH), nullable=False),
    sa.Column("details", sa.JSON, nullable=False),  # expected lines, differences
    # (service level, month) credits this invoice deducts: a later invoice taking one of them
    # again is "credit already taken".
    sa.Column("credits_taken", sa.JSON, nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("created_by", sa.String(ID_LENGTH), nullable=False),
    sa.Index("ix_invoice_checks_contract_period", "contract_id", "period"),
)

period_closes = sa.Table(
    "period_closes",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("period", sa.String(PERIOD_LENGTH), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("status", sa.String(16), nullable=False),  # closed | reopened
    sa.Column("contract_version", sa.Integer, nullable=False),
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("outputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("snapshot", sa.JSON, nullable=False),  # results, credits, invoice checks, inputs
    sa.Column("closed_at", UtcDateTime, nullable=False),
    sa.Column("closed_by", sa.String(ID_LENGTH), nullable=False),
    sa.Column("reopened_at", UtcDateTime, nullable=True),
    sa.Column("reopened_by", sa.String(ID_LENGTH), nullable=True),
    sa.Column("reopen_reason", sa.Text, nullable=True),
)

# A contract's business case (with its broker terms), as applied from its YAML file: versions
# 1, 2, ... per contract; the same file applied again adds nothing (same inputs hash).
business_cases = sa.Table(
    "business_cases",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("inputs", sa.JSON, nullable=False),  # the validated case, amounts as decimal text
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("source_name", sa.String(300), nullable=False),
    sa.Column("applied_at", UtcDateTime, nullable=False),
    sa.Column("applied_by", sa.String(ID_LENGTH), nullable=False),
)
