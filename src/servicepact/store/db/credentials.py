"""Reading and writing the stored password hashes (``tables/credentials.py``)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from servicepact.store.db.tables.credentials import user_credentials


class CredentialRepository:
    def __init__(self, connection: sa.Connection) -> None:
        self._connection = connection

    def password_hash(self, user_name: str) -> str | None:
        row = self._connection.execute(
            sa.select(user_credentials.c.password_hash).where(
                user_credentials.c.user_name == user_name
            )
        ).first()
        return None if row is None else str(row.password_hash)

    def put(self, *, user_name: str, password_hash: str, at: datetime) -> bool:
        """Insert or replace; True when the user had no password before."""
        exists = self.password_hash(user_name) is not None
        if exists:
            self._connection.execute(
                sa.update(user_credentials)
                .where(user_credentials.c.user_name == user_name)
                .values(password_hash=password_hash, set_at=at)
            )
        else:
            self._connection.execute(
                sa.insert(user_credentials).values(
                    user_name=user_name, password_hash=password_hash, set_at=at
                )
            )
        return not exists
