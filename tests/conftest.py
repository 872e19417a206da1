"""Shared fixtures: settings, an isolated migrated database, the app, a frozen clock, personas.

Database isolation. ``SERVICEPACT_DATABASE_URL`` unset → SQLite: the schema is
migrated once per test session into a template file, and each test gets its own
copy (fresh, fast, nothing shared). Set → PostgreSQL: each session (each xdist
worker, each concurrent run) creates its own schema ``sp_test_<random>``, reached
through ``search_path`` in the URL, migrates it once, empties every table before
each test and drops the schema at the end; runs sharing the ``test`` database
never see each other's rows.

Personas (the same people throughout the suite):
alice — the client's service manager; bob — vendor helpco; charlie — vendor
otherco; erin — broker bridgeco; dana — auditor; root — administrator.
"""

from __future__ import annotations

import os
import re
import shutil
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from s3_fixtures import S3_ENVIRONMENT, S3Server
from servicepact.bootstrap import App, build_app
from servicepact.config import Settings
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor, Role
from servicepact.domain.contracts import Contract
from servicepact.store.db import migrate
from servicepact.store.db.engine import make_engine
from servicepact.store.db.tables.audit import GENESIS_HASH, HEAD_ID, audit_head

DATABASE_ENV = "SERVICEPACT_DATABASE_URL"
TEST_PSEUDONYM_KEY = "test-pseudonym-key-not-secret"
ABANDONED_AFTER_SECONDS = 24 * 3600  # no test session runs this long
FROZEN_NOW = datetime(2026, 3, 2, 0, 30, tzinfo=UTC)  # a Monday, 09:30 in Seoul


def configured_database_url() -> str | None:
    return os.environ.get(DATABASE_ENV) or None


def is_postgres() -> bool:
    url = configured_database_url()
    return url is not None and make_url(url).get_backend_name() == "postgresql"


def with_search_path(url: str, schema: str) -> str:
    """The URL with ``search_path`` set at connect time (a libpq option psycopg passes on)."""
    parsed = make_url(url)
    query = dict(parsed.query)
    query["options"] = f"-csearch_path={schema}"
    return parsed.set(query=query).render_as_string(hide_password=False)


@dataclass
class PostgresSchemas:
    """Creates throw-away schemas in the configured PostgreSQL database."""

    base_url: str

    def create(self) -> tuple[str, str]:
        # The creation time in the name lets a later run drop what a killed run left.
        schema = f"sp_test_{int(time.time())}_{uuid.uuid4().hex[:8]}"
        engine = sa.create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                self._drop_abandoned(connection)
                connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        finally:
            engine.dispose()
        return schema, with_search_path(self.base_url, schema)

    @staticmethod
    def _drop_abandoned(connection: sa.Connection) -> None:
        names = connection.exec_driver_sql("SELECT nspname FROM pg_namespace").scalars()
        for name in names:
            match = re.fullmatch(r"sp_test_(\d+)_[0-9a-f]+", name)
            if match and time.time() - int(match.group(1)) > ABANDONED_AFTER_SECONDS:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')

    def drop(self, schema: str) -> None:
        engine = sa.create_engine(self.base_url, isolation_level="AUTOCOMMIT")
        try:
            with engine.connect() as connection:
                connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        finally:
            engine.dispose()


@pytest.fixture(scope="session")
def _migrated_database(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Session-wide: a migrated PostgreSQL schema URL, or the path of a migrated SQLite template."""
    base_url = configured_database_url()
    if base_url is not None and is_postgres():
        schemas = PostgresSchemas(base_url)
        schema, url = schemas.create()
        engine = make_engine(url)
        try:
            migrate.upgrade(engine)
        finally:
            engine.dispose()
        try:
            yield url
        finally:
            schemas.drop(schema)
        return
    if base_url is not None:
        raise pytest.UsageError(f"{DATABASE_ENV} must be a PostgreSQL URL (or unset for SQLite)")
    template = tmp_path_factory.mktemp("db-template") / "template.db"
    engine = make_engine(f"sqlite:///{template}")
    try:
        migrate.upgrade(engine)
    finally:
        engine.dispose()  # closing the last connection folds the WAL back into the file
    yield str(template)


_RESET_SQL: dict[str, str] = {}


def _reset_script(engine: sa.Engine) -> str:
    """One SQL script that empties every migrated table and restarts its id sequences.

    DELETE with triggers and foreign-key checks switched off for the transaction
    (``session_replication_role``) is several times faster than TRUNCATE on
    small tables, and it gets past the audit trail's append-only trigger.
    The migrated tables are used, not ``metadata``: a table declared but not yet
    migrated must fail the migration test, not every test.
    """
    inspector = sa.inspect(engine)
    tables = sorted(set(inspector.get_table_names()) - {"alembic_version", audit_head.name})
    with engine.connect() as connection:
        sequences = connection.exec_driver_sql(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()"
        ).scalars()
        restarts = [f'ALTER SEQUENCE "{name}" RESTART' for name in sequences]
    statements = [
        "SET LOCAL session_replication_role = replica",
        *(f'DELETE FROM "{name}"' for name in tables),
        *restarts,
        f"UPDATE audit_head SET seq = 0, row_hash = '{GENESIS_HASH}' WHERE id = {HEAD_ID}",
    ]
    return "; ".join(statements)


def _empty_postgres_tables(url: str) -> None:
    engine = make_engine(url)
    try:
        if url not in _RESET_SQL:
            _RESET_SQL[url] = _reset_script(engine)
        with engine.begin() as connection:
            connection.exec_driver_sql(_RESET_SQL[url])
    finally:
        engine.dispose()


@pytest.fixture
def db_url(_migrated_database: str, tmp_path: Path) -> str:
    """A migrated, empty database for this test alone."""
    if is_postgres():
        _empty_postgres_tables(_migrated_database)
        return _migrated_database
    target = tmp_path / "data" / "servicepact.db"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(_migrated_database, target)
    return f"sqlite:///{target}"


@pytest.fixture
def another_database(
    _migrated_database: str, tmp_path: Path
) -> Iterator[Callable[[str], Settings]]:
    """A second (third, …) world beside ``settings``: ``another_database("b")`` gives settings
    with a migrated, empty database of its own and its own data directory (event store)."""
    base_url = configured_database_url()
    created: list[str] = []
    schemas = PostgresSchemas(base_url) if base_url is not None and is_postgres() else None

    def make(name: str) -> Settings:
        data_dir = tmp_path / name
        data_dir.mkdir(parents=True, exist_ok=True)
        if schemas is not None:
            schema, url = schemas.create()
            created.append(schema)
            engine = make_engine(url)
            try:
                migrate.upgrade(engine)
            finally:
                engine.dispose()
        else:
            shutil.copyfile(_migrated_database, data_dir / "servicepact.db")
            url = f"sqlite:///{data_dir / 'servicepact.db'}"
        return Settings(
            data_dir=data_dir,
            database_url=url,
            pseudonym_key=TEST_PSEUDONYM_KEY,  # type: ignore[arg-type]
            user=None,
        )

    try:
        yield make
    finally:
        for schema in created:
            assert schemas is not None
            schemas.drop(schema)


@pytest.fixture
def empty_db_url(tmp_path: Path) -> Iterator[str]:
    """A database with no tables at all (for migration and ``init`` tests)."""
    if is_postgres():
        base_url = configured_database_url()
        assert base_url is not None
        schemas = PostgresSchemas(base_url)
        schema, url = schemas.create()
        try:
            yield url
        finally:
            schemas.drop(schema)
        return
    yield f"sqlite:///{tmp_path / 'empty' / 'servicepact.db'}"


class FrozenClock:
    """A clock that stands still until a test moves it."""

    def __init__(self, now: datetime = FROZEN_NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock()


@pytest.fixture
def settings(tmp_path: Path, db_url: str) -> Settings:
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        pseudonym_key=TEST_PSEUDONYM_KEY,  # type: ignore[arg-type]
        user=None,
    )


@pytest.fixture
def app(settings: Settings, clock: FrozenClock) -> Iterator[App]:
    application = build_app(settings, clock=clock)
    try:
        yield application
    finally:
        application.close()


@pytest.fixture
def cli_env(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """Point the command line (which reads the environment) at this test's database."""
    monkeypatch.setenv("SERVICEPACT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv(DATABASE_ENV, settings.resolved_database_url)
    monkeypatch.setenv("SERVICEPACT_PSEUDONYM_KEY", TEST_PSEUDONYM_KEY)
    monkeypatch.delenv("SERVICEPACT_USER", raising=False)
    return settings


@dataclass
class CliResult:
    """What one ``servicepact`` command ended with: its exit code and what it printed."""

    code: int
    out: str
    err: str


@pytest.fixture
def run_servicepact(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> Callable[..., CliResult]:
    """Run the ``servicepact`` entry point in-process, as the shell would (with ``cli_env``
    it works on this test's database)."""
    from servicepact.cli.main import run  # on first use: most tests never run the CLI

    def invoke(*args: str) -> CliResult:
        monkeypatch.setattr(sys, "argv", ["servicepact", *args])
        code = 0
        try:
            run()
        except SystemExit as stop:
            code = stop.code if isinstance(stop.code, int) else 1
        captured = capsys.readouterr()
        return CliResult(code, captured.out, captured.err)

    return invoke


@pytest.fixture
def admin() -> Actor:
    return Actor(user="root", role=Role.ADMIN)


@pytest.fixture
def client_manager() -> Actor:
    return Actor(user="alice", role=Role.CLIENT_MANAGER)


@pytest.fixture
def vendor_a() -> Actor:
    return Actor(user="bob", role=Role.VENDOR, party="helpco")


@pytest.fixture
def vendor_b() -> Actor:
    return Actor(user="charlie", role=Role.VENDOR, party="otherco")


@pytest.fixture
def broker_user() -> Actor:
    return Actor(user="erin", role=Role.BROKER, party="bridgeco")


@pytest.fixture
def auditor() -> Actor:
    return Actor(user="dana", role=Role.AUDITOR)


def contract_data(
    contract_id: str = "acme-cs-2026",
    *,
    vendor: str = "helpco",
    client: str = "acme",
    broker: str | None = None,
    expected: str = "0.80",
    name: str = "Customer contact centre",
) -> dict[str, object]:
    """A small valid contract (one critical service level), as a contract file holds it."""
    return {
        "id": contract_id,
        "name": name,
        "client": client,
        "vendor": vendor,
        "broker": broker,
        "term": {"start": "2026-01-01", "end": "2028-12-31"},
        "calendars": {"always": {"timezone": "Asia/Seoul", "hours": "24x7"}},
        "credits": {"at_risk_percent": 12, "pool_percent": 150},
        "service_levels": [
            {
                "id": "SL-01",
                "name": "Calls answered within 20 s",
                "kpi": "answered_within",
                "source": "calls",
                "params": {"seconds": 20},
                "calendar": "always",
                "expected": expected,
                "minimum": "0.75",
                "kind": "critical",
                "allocation_percent": 40,
            }
        ],
    }


@pytest.fixture
def make_contract_document() -> Callable[..., ContractDocument]:
    """Build a ``ContractDocument`` as the contract-file loader would (see ``contract_data``)."""

    def build(
        contract_id: str = "acme-cs-2026", *, source: str | None = None, **changes: Any
    ) -> ContractDocument:
        contract = Contract.model_validate(contract_data(contract_id, **changes))
        return ContractDocument(
            contract=contract,
            document=canonical_document(contract),
            source=source or f"{contract_id}.yaml",
            sha256=contract_hash(contract),
        )

    return build


# --- S3-compatible object storage (the event store on s3://): tests/s3_fixtures.py --------
# The AWS SDK's variables are set for the whole run, before any process (Spark's JVM and its
# Python workers) starts: test credentials only, for the local server; never a real account's,
# and never the instance metadata lookup (it would leave the machine).
os.environ.update(S3_ENVIRONMENT)


@pytest.fixture(scope="session")
def s3_server() -> Iterator[S3Server]:
    import logging
    import socket

    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # no line per request
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    try:
        yield S3Server(endpoint=f"http://127.0.0.1:{port}")
    finally:
        server.stop()


@pytest.fixture
def s3_settings(tmp_path: Path, db_url: str, s3_server: S3Server) -> Settings:
    """Settings whose event store is ``s3://<a new bucket>/events`` on the local server."""
    return Settings(
        data_dir=tmp_path / "data",
        database_url=db_url,
        pseudonym_key=TEST_PSEUDONYM_KEY,  # type: ignore[arg-type]
        user=None,
        events_root=f"s3://{s3_server.bucket()}/events",
        events_s3_endpoint=s3_server.endpoint,
        events_s3_region="us-east-1",
    )


# Mutation testing (docs/testing.md). mutmut sets MUTANT_UNDER_TEST in every process it
# runs the tests in; there, each property test draws at most MUTATION_MAX_EXAMPLES
# examples (the explicit ``@settings`` of a test would otherwise win over any profile),
# with no deadline. Ordinary runs never see the variable and keep every test's own budget.
MUTATION_MAX_EXAMPLES = 10


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    if not os.environ.get("MUTANT_UNDER_TEST"):
        return
    from hypothesis import settings as hypothesis_settings

    for item in items:
        test = getattr(item, "obj", None)
        own = getattr(test, "_hypothesis_internal_use_settings", None)
        if own is None or not hasattr(test, "hypothesis"):
            continue
        test._hypothesis_internal_use_settings = hypothesis_settings(  # type: ignore[union-attr]
            own, max_examples=min(own.max_examples, MUTATION_MAX_EXAMPLES), deadline=None
        )
