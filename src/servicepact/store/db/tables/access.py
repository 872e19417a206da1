"""Users and their API tokens (only a SHA-256 of each token is stored)."""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, SHA256_HEX, UtcDateTime
from servicepact.store.db.tables import metadata

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(ID_LENGTH), primary_key=True),
    sa.Column("role", sa.String(32), nullable=False),
    sa.Column("party", sa.String(ID_LENGTH), sa.ForeignKey("parties.id"), nullable=True),
    sa.Column("created_at", UtcDateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("user_name", sa.String(ID_LENGTH), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("token_hash", sa.String(SHA256_HEX), nullable=False, unique=True),
    sa.Column("label", sa.String(200), nullable=False),
    sa.Column("created_at", UtcDateTime, nullable=False),
    sa.Column("revoked_at", UtcDateTime, nullable=True),
)
