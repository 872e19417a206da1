"""Web sign-in sessions and failed sign-ins (``services/sessions.py``).

A session row is keyed by the SHA-256 of the cookie's random token: a copy of the database
does not let anyone sign in. Failed sign-ins are keyed by a hash of user name and address.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, UtcDateTime
from servicepact.store.db.tables import metadata

web_sessions = sa.Table(
    "web_sessions",
    metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("user_name", sa.String(ID_LENGTH), sa.ForeignKey("users.name"), nullable=False),
    sa.Column("csrf", sa.String(64), nullable=False),
    sa.Column("started_at", UtcDateTime, nullable=False),
    sa.Column("last_seen_at", UtcDateTime, nullable=False),
    sa.Column("expires_at", UtcDateTime, nullable=False),
    sa.Column("ended_at", UtcDateTime, nullable=True),
    sa.Column("ended_why", sa.String(40), nullable=True),
    sa.Index("ix_web_sessions_user_name", "user_name"),
)

sign_in_failures = sa.Table(
    "sign_in_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("failed_at", UtcDateTime, nullable=False),
    sa.Index("ix_sign_in_failures_key", "key"),
)
