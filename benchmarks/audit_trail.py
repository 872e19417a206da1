"""How fast the audit trail appends and verifies, on SQLite or PostgreSQL.

    .venv/bin/python benchmarks/audit_trail.py [ROWS]
    SERVICEPACT_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \
        .venv/bin/python benchmarks/audit_trail.py

Appends ROWS entries (one unit of work, i.e. one transaction, per entry, as
real writes are) and then verifies the whole chain. On PostgreSQL it works in
a throw-away schema that it drops afterwards.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from servicepact.bootstrap import build_app
from servicepact.config import Settings
from servicepact.domain.access import Actor, Role
from servicepact.services.audit import verify_chain
from servicepact.store.db import migrate

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 2000


def main() -> None:
    base = os.environ.get("SERVICEPACT_DATABASE_URL")
    schema = None
    with tempfile.TemporaryDirectory() as tmp:
        if base:
            schema = f"sp_bench_{uuid.uuid4().hex[:8]}"
            admin = sa.create_engine(base, isolation_level="AUTOCOMMIT")
            with admin.connect() as c:
                c.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
            url = make_url(base).set(query={"options": f"-csearch_path={schema}"})
            database_url = url.render_as_string(hide_password=False)
        else:
            database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        app = build_app(Settings(data_dir=Path(tmp), database_url=database_url))
        try:
            migrate.upgrade(app.engine)
            actor = Actor(user="bench", role=Role.ADMIN)
            started = time.perf_counter()
            for index in range(ROWS):
                with app.uow() as uow:
                    uow.record(
                        actor=actor,
                        entity_type="contract",
                        entity_id=f"c-{index % 50}",
                        action="amend",
                        before={"version": index},
                        after={"version": index + 1, "sha256": "ab" * 32},
                    )
            append_seconds = time.perf_counter() - started
            started = time.perf_counter()
            report = verify_chain(app, actor=actor)
            verify_seconds = time.perf_counter() - started
        finally:
            app.close()
            if schema is not None:
                with admin.connect() as c:
                    c.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
                admin.dispose()
    backend = make_url(database_url).get_backend_name()
    print(f"audit trail on {backend}: {ROWS} rows")
    print(f"  append (one transaction each): {ROWS / append_seconds:,.0f} rows/s")
    print(f"  verify: {report.rows / verify_seconds:,.0f} rows/s ({report.render()[:40]}…)")
    assert report.ok


if __name__ == "__main__":
    main()
