"""Every table of the product, on one ``metadata``.

To add tables, create a module in this package (e.g. ``events.py``) that
defines ``sa.Table(..., metadata, ...)`` with ``from servicepact.store.db.tables
import metadata``. Every module here is imported when this package is, so
Alembic's comparison and the tests always see the complete schema; then add a
migration with ``servicepact db revision -m "what changed" --autogenerate``
(see docs/operations.md).
"""

from __future__ import annotations

import importlib
import pkgutil

import sqlalchemy as sa

# Deterministic constraint names: Alembic can only alter or drop a constraint it
# can name, and SQLite's batch mode rebuilds tables by these names.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = sa.MetaData(naming_convention=NAMING_CONVENTION)


def _import_table_modules() -> None:
    for module in pkgutil.iter_modules(__path__):
        importlib.import_module(f"{__name__}.{module.name}")


_import_table_modules()
