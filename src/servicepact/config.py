"""Typed settings, read from the environment once, with zero-setup defaults.

``SERVICEPACT_DATA_DIR`` (default ``./data``) holds the SQLite database, the
event store and generated reports; ``SERVICEPACT_DATABASE_URL`` overrides the
database (e.g. ``postgresql+psycopg://postgres@127.0.0.1:5432/test``).
``SERVICEPACT_PSEUDONYM_KEY`` is the HMAC key for personal data; when it is
not set, a random key is created once in the data directory (outside the
database, readable by the owner only) so a fresh checkout just runs.
``SERVICEPACT_EVENTS_ROOT`` moves the event store elsewhere: another directory, or
``s3://bucket/prefix`` on S3-compatible object storage (with
``SERVICEPACT_EVENTS_S3_ENDPOINT`` / ``SERVICEPACT_EVENTS_S3_REGION``; credentials only
through the standard AWS variables, profile or role — docs/scale-out.md).
"""

from __future__ import annotations

import os
import secrets
from functools import cached_property
from pathlib import Path
from typing import Literal
from urllib.parse import unquote, urlsplit

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SERVICEPACT_", frozen=False)

    data_dir: Path = Field(default=Path("data"))
    database_url: str | None = None
    pseudonym_key: SecretStr | None = None
    log_level: str = "INFO"
    # The stored user the command line acts as (`--as NAME`); unset: a local admin.
    user: str | None = None
    max_contract_file_bytes: int = 5 * 1024 * 1024
    # Measure affected open months again after a load, an approved exclusion or an
    # amendment (otherwise result pages say they are out of date and offer the button).
    remeasure_on_change: bool = True
    # Where evaluations compute over events (docs/scale-out.md): "local" (this process) or
    # "spark" (Apache Spark; the `spark` extra). The Spark master: local[*] unless set or
    # SPARK_REMOTE names a Spark Connect server.
    engine: Literal["local", "spark"] = "local"
    # The event store's root (docs/scale-out.md, "Where the event store lives"): unset, the
    # directory <data_dir>/events; else a path, file:///path or s3://bucket/prefix. For s3,
    # the endpoint of an S3-compatible server (http(s)://host[:port]; unset: AWS) and the
    # region (unset: the AWS SDK's AWS_REGION / AWS_DEFAULT_REGION / profile, else us-east-1).
    events_root: str | None = None
    events_s3_endpoint: str | None = None
    events_s3_region: str | None = None
    spark_master: str | None = None
    # Spark only: cut each source's events into this many partitions by month and id (a
    # shuffle); unset, the files' splits as Spark reads them (docs/scale-out.md, "Partitions").
    spark_partitions: int | None = Field(default=None, ge=1)
    # Request bodies, checked while they stream in (Content-Length first, then counted bytes):
    # a JSON batch of events, a file upload (multipart), and any other body (forms, small JSON).
    max_batch_bytes: int = 16 * 1024 * 1024
    max_batch_rows: int = 50_000
    # The largest event or invoice file the web UI and the API accept as an upload (multipart);
    # the API's invoice check takes at most max_invoice_bytes.
    max_upload_bytes: int = 200 * 1024 * 1024
    # The largest invoice upload (an invoice is a few hundred lines).
    max_invoice_bytes: int = 10 * 1024 * 1024
    max_body_bytes: int = 1024 * 1024
    # Excel workbooks are checked before they are parsed (a small zip can unpack to gigabytes).
    xlsx_max_sheets: int = 32
    xlsx_max_rows: int = 1_048_576
    xlsx_max_cells_per_row: int = 256
    xlsx_max_unpacked_bytes: int = 256 * 1024 * 1024
    xlsx_max_shared_strings: int = 2_000_000
    # Web sign-in sessions: ended after this long without a request, and at the latest after
    # the absolute lifetime; sign-out, a password change and an administrator end them at once.
    session_idle_minutes: int = 30
    session_max_hours: int = 8

    @property
    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        return f"sqlite:///{(self.data_dir / 'servicepact.db').resolve()}"

    @property
    def event_store_dir(self) -> Path:
        """The event store's local directory: <data_dir>/events, or the directory
        ``events_root`` names (a plain path or file:///path; not for an s3:// root)."""
        root = (self.events_root or "").strip()
        if root.startswith("file://"):
            return Path(unquote(urlsplit(root).path))
        if root and "://" not in root:
            return Path(root)
        return self.data_dir / "events"

    @property
    def event_store_root(self) -> str:
        """The event store's root as a URL or path (``events_root``, else the default
        directory): what store.events.location.EventRoot.parse reads."""
        return (self.events_root or "").strip() or str(self.data_dir / "events")

    @cached_property
    def pseudonym_key_bytes(self) -> bytes:
        if self.pseudonym_key is not None:
            return self.pseudonym_key.get_secret_value().encode()
        key_file = self.data_dir / "pseudonym.key"
        if not key_file.exists():
            self.data_dir.mkdir(parents=True, exist_ok=True)
            descriptor = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(descriptor, "w") as handle:
                handle.write(secrets.token_hex(32))
        return key_file.read_text().strip().encode()


def load_settings(**overrides: object) -> Settings:
    return Settings(**overrides)  # type: ignore[arg-type]
