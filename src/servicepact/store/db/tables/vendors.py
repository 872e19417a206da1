"""Vendor governance: risk register, relationship surveys, entrustment register, the access log
of personal data, and alert state with its delivery log."""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

KEY_LENGTH = 300  # rule keys and alert keys: "repeated_breach:acme-cs:SL-01"

risks = sa.Table(
    "risks",
    metadata,
    sa.Column("id", sa.String(ID_LENGTH), primary_key=True),
    # set for risks raised by a rule: raising the same condition again updates this row
    sa.Column("rule_key", sa.String(KEY_LENGTH), nullable=True, unique=True),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("likelihood", sa.Integer, nullable=False),
    sa.Column("impact", sa.Integer, nullable=False),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("mitigation", sa.Text, nullable=False),
    sa.Column("review_date", sa.Date, nullable=True),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("contracts", sa.JSON, nullable=False),
    sa.Column("vendors", sa.JSON, nullable=False),
    sa.Column("source", sa.String(16), nullable=False),
    sa.Column("rule", sa.String(64), nullable=True),
    sa.Column("explanation", sa.Text, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
    # The day the risk was opened and, while closed, the day it was closed (the register's
    # dates; a scorecard counts the risks open at the end of its month).
    sa.Column("opened_on", sa.Date, nullable=True),
    sa.Column("closed_on", sa.Date, nullable=True),
)

vendor_surveys = sa.Table(
    "vendor_surveys",
    metadata,
    sa.Column("vendor_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("quarter", sa.String(16), primary_key=True),
    sa.Column("score", sa.String(40), nullable=False),  # decimal text, 0-100
    sa.Column("respondents", sa.Integer, nullable=False),
    sa.Column("entered_at", UtcDateTime, nullable=False),
    sa.Column("entered_by", sa.String(ID_LENGTH), nullable=False),
)

# Every entry of a survey, in order: a month's scorecard reads the quarter's survey as it stood
# at the month's end (the latest entry made before it).
vendor_survey_entries = sa.Table(
    "vendor_survey_entries",
    metadata,
    sa.Column("vendor_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("quarter", sa.String(16), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("score", sa.String(40), nullable=False),
    sa.Column("respondents", sa.Integer, nullable=False),
    sa.Column("entered_at", UtcDateTime, nullable=False),
    sa.Column("entered_by", sa.String(ID_LENGTH), nullable=False),
)

# A vendor's scorecard inputs of a month, frozen when the month's last open contract of the
# vendor is closed: read back unchanged while those closes stand (a reopen makes it live again).
vendor_scorecards = sa.Table(
    "vendor_scorecards",
    metadata,
    sa.Column("vendor_id", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("period", sa.String(16), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("inputs", sa.JSON, nullable=False),  # the scorecard inputs as they stood
    sa.Column("closes", sa.JSON, nullable=False),  # {contract id: close version} it rests on
    sa.Column("inputs_sha256", sa.String(SHA256_HEX), nullable=False),
    sa.Column("frozen_at", UtcDateTime, nullable=False),
    sa.Column("frozen_by", sa.String(ID_LENGTH), nullable=False),
)

entrustments = sa.Table(
    "entrustments",
    metadata,
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), primary_key=True),
    sa.Column("vendor", sa.String(ID_LENGTH), nullable=False),
    sa.Column("terms", sa.JSON, nullable=False),
    sa.Column("updated_at", UtcDateTime, nullable=False),
)

personal_data_access = sa.Table(
    "personal_data_access",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("user_name", sa.String(ID_LENGTH), nullable=False),
    sa.Column("action", sa.String(16), nullable=False),
    sa.Column("contract_id", sa.String(ID_LENGTH), sa.ForeignKey("contracts.id"), nullable=False),
    sa.Column("category", sa.String(32), nullable=False),
    sa.Column("record_ref", sa.String(200), nullable=False),  # a pseudonym, never the data
    sa.Column("source_address", sa.String(200), nullable=False),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("record_count", sa.Integer, nullable=False),
)

alert_conditions = sa.Table(
    "alert_conditions",
    metadata,
    sa.Column("key", sa.String(KEY_LENGTH), primary_key=True),
    sa.Column("state", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("first_raised", UtcDateTime, nullable=False),
    sa.Column("escalated", sa.JSON, nullable=False),
)

alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("alert_key", sa.String(KEY_LENGTH), nullable=False, index=True),
    sa.Column("alert_state", sa.String(KEY_LENGTH), nullable=False),
    sa.Column("channel", sa.String(16), nullable=False),
    sa.Column("target", sa.String(1000), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("at", UtcDateTime, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("status_code", sa.Integer, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("escalation_level", sa.Integer, nullable=False),
)
