"""Web sign-in passwords, kept apart from ``users`` so API-only users never carry one.

Only an Argon2 hash is stored (``services/users.py``); a copy of the database
does not reveal anyone's password.
"""

from __future__ import annotations

import sqlalchemy as sa

from servicepact.store.db.columns import ID_LENGTH, UtcDateTime
from servicepact.store.db.tables import metadata

PASSWORD_HASH_LENGTH = 255  # an encoded Argon2id hash is ~100 characters; room for parameters

user_credentials = sa.Table(
    "user_credentials",
    metadata,
    sa.Column("user_name", sa.String(ID_LENGTH), sa.ForeignKey("users.name"), primary_key=True),
    sa.Column("password_hash", sa.String(PASSWORD_HASH_LENGTH), nullable=False),
    sa.Column("set_at", UtcDateTime, nullable=False),
)
