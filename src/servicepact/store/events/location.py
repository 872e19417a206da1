"""Where the event store lives: a local directory or a bucket of S3-compatible object storage.

The root is given as a URL (``SERVICEPACT_EVENTS_ROOT``; docs/scale-out.md, "Where the event
store lives"): a plain path or ``file:///abs/path`` (a local directory, as always), or
``s3://bucket/prefix`` — AWS S3, or any S3-compatible server (MinIO, Ceph, …) at
``SERVICEPACT_EVENTS_S3_ENDPOINT``. Objects are read and written through pyarrow's own S3
filesystem (part of pyarrow: nothing more to install), by this process and by Spark's
executors alike.

Credentials are never settings of ours and never part of the URL: the AWS SDK inside pyarrow
finds them as every AWS tool does (``AWS_ACCESS_KEY_ID`` / ``AWS_SECRET_ACCESS_KEY`` /
``AWS_SESSION_TOKEN``, ``AWS_PROFILE`` and ``~/.aws``, an instance role). So nothing that is
logged, hashed, pickled for Spark or put in an error message can carry them; messages from
the storage are scrubbed of the credential values all the same.

A failure to reach the storage is one ``InvalidInput`` naming the root and what could not be
done (``EventStoreUnreachable``), never a traceback.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import pyarrow.fs as pafs
import pyarrow.parquet as pq

from servicepact.config import Settings
from servicepact.domain.errors import InvalidInput, Problem

ROOT_SETTING = "SERVICEPACT_EVENTS_ROOT"
ENDPOINT_SETTING = "SERVICEPACT_EVENTS_S3_ENDPOINT"
# The standard variables of the AWS SDK whose values must never be shown.
_SECRET_VARIABLES = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")
# S3's bucket naming rules (3-63 characters: lower-case letters, digits, dots, hyphens).
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
# A storage that does not answer is given up on after this long per attempt (seconds), and
# after three attempts (the AWS SDK's standard retries), so a bad endpoint fails in seconds.
CONNECT_TIMEOUT = 5.0
REQUEST_TIMEOUT = 60.0
RETRY_ATTEMPTS = 3


class EventStoreUnreachable(InvalidInput):
    """The event store's storage refused or did not answer: where, what and why, in one line."""

    def __init__(self, where: str, message: str) -> None:
        super().__init__([Problem(where, message)])


def scrubbed(text: str) -> str:
    """``text`` without the values of the AWS credential variables (whatever the SDK said)."""
    for name in _SECRET_VARIABLES:
        value = os.environ.get(name)
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return text


def _reason(error: BaseException) -> str:
    text = str(error).strip() or type(error).__name__
    # The SDK's message says what failed first, then details: keep one line of it.
    return scrubbed(" ".join(text.split())[:300])


def _bad_root(value: str, message: str, *, show: bool = True) -> InvalidInput:
    return InvalidInput([Problem(ROOT_SETTING, message, value=value if show else None)])


@dataclass(frozen=True)
class EventRoot:
    """The event store's root: ``local`` (a directory) or a bucket and key prefix on S3."""

    url: str  # as given, for messages and cache keys; never carries credentials
    local: Path | None = None
    bucket: str = ""
    prefix: str = ""  # no leading or trailing slash; may be empty
    endpoint: str | None = None  # scheme://host[:port] of an S3-compatible server
    region: str | None = None

    @classmethod
    def parse(
        cls, value: str | Path, *, endpoint: str | None = None, region: str | None = None
    ) -> EventRoot:
        """A path, ``file:///path`` or ``s3://bucket/prefix``; anything else is refused."""
        if isinstance(value, Path):
            return cls(url=str(value), local=value)
        text = value.strip()
        if "://" not in text:
            if not text:
                raise _bad_root(value, "is empty: give a directory or an s3://bucket/prefix URL")
            return cls(url=text, local=Path(text))
        parts = urlsplit(text)
        scheme = parts.scheme.lower()
        if scheme == "file":
            if parts.netloc not in ("", "localhost") or not parts.path:
                raise _bad_root(value, "a file URL is file:///absolute/path (no host)")
            return cls(url=text, local=Path(unquote(parts.path)))
        if scheme != "s3":
            raise _bad_root(
                value.split("://", 1)[0] + "://…",
                "is a directory, a file:/// URL or an s3://bucket/prefix URL (Spark's s3a:// "
                "is written s3:// here)",
            )
        if "@" in parts.netloc:
            # Never echo it: the part before @ would be a key.
            raise _bad_root(
                value,
                "carries credentials: give them in AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY "
                "(or a profile or role), never in the URL",
                show=False,
            )
        if parts.query or parts.fragment:
            raise _bad_root(value, "an s3 URL is s3://bucket/prefix, without ? or #")
        if not _BUCKET.match(parts.netloc):
            raise _bad_root(
                value,
                "names no valid bucket (3-63 lower-case letters, digits, dots or hyphens)",
            )
        prefix = parts.path.strip("/")
        if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
            raise _bad_root(value, "has an empty, . or .. segment in its prefix")
        return cls(
            url=f"s3://{parts.netloc}/{prefix}".rstrip("/"),
            bucket=parts.netloc,
            prefix=prefix,
            endpoint=_endpoint(endpoint),
            region=region or None,
        )

    @property
    def is_local(self) -> bool:
        return self.local is not None

    def __str__(self) -> str:
        return self.url

    @cached_property
    def filesystem(self) -> pafs.FileSystem:
        """pyarrow's filesystem for this root (credentials: the AWS SDK's own chain)."""
        if self.local is not None:
            return pafs.LocalFileSystem()
        options: dict[str, Any] = {
            "region": self.region,
            "connect_timeout": CONNECT_TIMEOUT,
            "request_timeout": REQUEST_TIMEOUT,
            "retry_strategy": pafs.AwsStandardS3RetryStrategy(max_attempts=RETRY_ATTEMPTS),
        }
        if self.endpoint is not None:
            parts = urlsplit(self.endpoint)
            options.update(endpoint_override=parts.netloc + parts.path, scheme=parts.scheme)
        with self.reaching("connect"):
            return pafs.S3FileSystem(**options)

    def location(self, relative: str) -> str:
        """``relative`` as the filesystem names it: a local path, or ``bucket/prefix/…``."""
        if self.local is not None:
            return str(self.local / relative)
        return "/".join(p for p in (self.bucket, self.prefix, relative) if p)

    def uri(self, relative: str) -> str:
        """``relative`` as shown: a local path, or ``s3://bucket/prefix/…``."""
        return (
            self.location(relative) if self.local is not None else f"s3://{self.location(relative)}"
        )

    @contextmanager
    def reaching(self, action: str) -> Iterator[None]:
        """Storage errors of ``action`` as one ``EventStoreUnreachable`` (object storage only:
        a local directory's errors stay what they are, as always)."""
        if self.local is not None:
            yield
            return
        import duckdb  # DuckDB scans object storage; a local store's commands may need none

        try:
            yield
        except InvalidInput:
            raise
        except (OSError, duckdb.Error) as error:
            raise EventStoreUnreachable(
                f"event store {self.url}", f"could not {action}: {_reason(error)}"
            ) from None

    def open_parquet(self, relative: str) -> pq.ParquetFile:
        """A committed batch, opened for reading (footer read; row groups on demand)."""
        if self.local is not None:
            return pq.ParquetFile(self.location(relative))
        with self.reaching(f"read {relative}"):
            return pq.ParquetFile(self.filesystem.open_input_file(self.location(relative)))

    def dataset(self, relatives: Sequence[str]) -> Any:
        """Committed batches as one pyarrow dataset (object storage: DuckDB scans it)."""
        import pyarrow.dataset as ds

        with self.reaching("read the committed batches"):
            return ds.dataset(
                [self.location(r) for r in relatives], filesystem=self.filesystem, format="parquet"
            )

    def upload(self, source: Path, relative: str) -> None:
        """Copy a finished local file to its final object (one PUT or a multipart upload,
        which the storage makes visible only when complete)."""
        with self.reaching(f"write {relative}"):
            pafs.copy_files(
                str(source),
                self.location(relative),
                source_filesystem=pafs.LocalFileSystem(),
                destination_filesystem=self.filesystem,
            )

    def files(self) -> list[str]:
        """Every object under the root, relative to it (object storage only)."""
        base = "/".join(p for p in (self.bucket, self.prefix) if p)
        with self.reaching("list the event store"):
            found = self.filesystem.get_file_info(
                pafs.FileSelector(base, recursive=True, allow_not_found=True)
            )
        return sorted(
            info.path[len(base) + 1 :] for info in found if info.type == pafs.FileType.File
        )

    def download(self, relative: str, target: Path) -> None:
        """Copy an object to a local file."""
        with self.reaching(f"read {relative}"):
            pafs.copy_files(
                self.location(relative),
                str(target),
                source_filesystem=self.filesystem,
                destination_filesystem=pafs.LocalFileSystem(),
            )

    def remove(self, relative: str, *, missing_ok: bool = False) -> None:
        with self.reaching(f"remove {relative}"):
            try:
                self.filesystem.delete_file(self.location(relative))
            except FileNotFoundError:
                if not missing_ok:
                    raise


def _endpoint(value: str | None) -> str | None:
    """``SERVICEPACT_EVENTS_S3_ENDPOINT``: http(s)://host[:port], without credentials."""
    if not value:
        return None
    parts = urlsplit(value.strip())
    if "@" in parts.netloc:
        raise InvalidInput(
            [Problem(ENDPOINT_SETTING, "carries credentials: give them in the AWS variables")]
        )
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query:
        raise InvalidInput(
            [Problem(ENDPOINT_SETTING, "is http(s)://host[:port], e.g. http://127.0.0.1:9000",
                     value=value)]
        )  # fmt: skip
    try:
        parts.port  # noqa: B018 - a port that is no number raises here
    except ValueError:
        raise InvalidInput(
            [Problem(ENDPOINT_SETTING, "has a port that is no number", value=value)]
        ) from None
    return f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}"


def event_root(settings: Settings) -> EventRoot:
    """The event store's root as the settings give it (``SERVICEPACT_EVENTS_ROOT`` etc.)."""
    return EventRoot.parse(
        settings.event_store_root,
        endpoint=settings.events_s3_endpoint,
        region=settings.events_s3_region,
    )
