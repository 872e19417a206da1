"""The event store: validated batches as Parquet files, made visible by a manifest.

Layout: ``<root>/<contract>/<source>/<batch>.parquet`` where ``<batch>`` is the
SHA-256 of the loaded file's content (or of the canonical rows of an API batch),
so loading the same input twice lands on the same name and changes nothing.

Crash safety comes from the order of steps: rows are written to a temporary file
in the target directory, flushed and fsync'ed, renamed into place, the directory
fsync'ed — and only then is the manifest row committed (in the database). A file
without a manifest row is an orphan: reads never see it (they list files from the
manifest, not from the directory) and ``clean_orphans`` removes it. A crash
before the rename leaves only a temporary file, which is an orphan too.

On object storage (an ``s3://`` root, store/events/location.py) there is no rename: the batch
is finished in a local staging directory, then uploaded under its final name (one PUT, or a
multipart upload the storage shows only once complete), and only then is the manifest row
committed. The rule is the same: data first, then the manifest; an object without a manifest
row (a crash after the upload, or whatever a failed upload left) is an orphan, invisible to
reads, overwritten by loading the same content again, listed and removed by ``clean_orphans``.

Corrections: an event id that appears in a later batch replaces the earlier
version on read; the earlier file is never rewritten, so the audit can show
both. "Later" is the manifest's load sequence, not the file's timestamps.
"""

from __future__ import annotations

import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Protocol, Self

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from servicepact.domain.event_schemas import BATCH_COLUMN, ROW_COLUMN, arrow_schema
from servicepact.domain.event_types import BUILT_IN, EventType
from servicepact.store.events.location import EventRoot

if TYPE_CHECKING:
    import duckdb

TEMP_MARK = ".tmp-"
PARQUET = ".parquet"
# Parquet row groups of this many rows keep column statistics useful for the
# engine's filters without making the footer large.
ROW_GROUP_ROWS = 256 * 1024
# DuckDB spills to disk beyond these, so memory stays bounded whatever the batch
# size: reads (the engine's) get more room than the load-time checks on ids.
READ_MEMORY_LIMIT = "1GB"
CHECK_MEMORY_LIMIT = "256MB"
DUPLICATES_LISTED = 1_000_000  # repeated ids listed with their rows, at most


@dataclass(frozen=True)
class BatchRef:
    """A committed batch as the manifest knows it."""

    batch_id: str  # SHA-256 of the content
    seq: int  # load sequence: later batches win for the same event id
    path: str  # relative to the store root


class Manifest(Protocol):
    """Where committed batches are recorded (the database in the product)."""

    def committed(self, contract_id: str, source: str) -> Sequence[BatchRef]: ...

    def all_paths(self) -> set[str]: ...


@dataclass
class InMemoryManifest:
    """A manifest kept in memory: for tests and for reading files without a database."""

    entries: dict[tuple[str, str], list[BatchRef]] = field(default_factory=dict)

    def add(self, contract_id: str, source: str, batch_id: str, path: str) -> BatchRef:
        refs = self.entries.setdefault((contract_id, source), [])
        seq = 1 + max((r.seq for refs_ in self.entries.values() for r in refs_), default=0)
        ref = BatchRef(batch_id, seq, path)
        refs.append(ref)
        return ref

    def committed(self, contract_id: str, source: str) -> Sequence[BatchRef]:
        return list(self.entries.get((contract_id, source), []))

    def all_paths(self) -> set[str]:
        return {r.path for refs in self.entries.values() for r in refs}


def dictionary_columns(schema: pa.Schema, *, unique: Sequence[str] = ()) -> list[str]:
    """Columns worth dictionary-encoding: few distinct values (categories, flags, batch).

    Ids, timestamps and pseudonyms are nearly all distinct; trying a dictionary on
    them costs time and then falls back to plain encoding anyway.
    """
    return [
        f.name
        for f in schema
        if f.name == BATCH_COLUMN
        or pa.types.is_boolean(f.type)
        or (pa.types.is_string(f.type) and f.name not in unique)
    ]


def _leaf_paths(name: str, kind: pa.DataType) -> Iterator[tuple[str, pa.DataType]]:
    """The Parquet column paths under an Arrow field, with their types (lists, structs)."""
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        yield from _leaf_paths(f"{name}.list.element", kind.value_type)
    elif pa.types.is_struct(kind):
        for child in kind:
            yield from _leaf_paths(f"{name}.{child.name}", child.type)
    else:
        yield name, kind


def batch_layout(event_type: EventType) -> tuple[pa.Schema, list[str]]:
    """A batch file's schema (the event type's, with provenance) and its columns of values
    that rarely repeat (the id, personal data), which are never dictionary-encoded: with
    ``parquet_options``, how the store writes a batch of ``event_type``."""
    schema = arrow_schema(event_type, with_provenance=True)
    unique = [event_type.id_column, *(c.name for c in event_type.columns if c.personal_data)]
    return schema, unique


def parquet_options(schema: pa.Schema, *, unique: Sequence[str] = ()) -> dict[str, Any]:
    """How the store writes a batch: zstd; few-valued columns as dictionaries; timestamps
    and 64-bit integers (nested ones too) delta-encoded.

    Delta encoding leaves zstd far less to decompress: times of one period differ in their
    low bytes only, row numbers by one. The engine's read of 3.3 M tickets took 0.22 s of CPU
    with them plain, 0.14 s so (the file 77 MiB, 63 MiB so); writing costs the same.
    """
    dictionary = dictionary_columns(schema, unique=unique)
    delta = {
        path: "DELTA_BINARY_PACKED"
        for f in schema
        if f.name not in dictionary
        for path, kind in _leaf_paths(f.name, f.type)
        if pa.types.is_timestamp(kind) or pa.types.is_int64(kind)
    }
    return {"compression": "zstd", "use_dictionary": dictionary, "column_encoding": delta}


def _fsync_directory(directory: Path) -> None:
    # The rename is only durable once the directory entry is on disk (POSIX).
    descriptor = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(descriptor)
    finally:
        os.close(descriptor)


class BatchWriter:
    """Writes one batch to a temporary file; ``commit`` makes the file durable and named."""

    def __init__(
        self,
        final: Path,
        schema: pa.Schema,
        batch_id: str,
        *,
        unique: Sequence[str] = (),
        token: str | None = None,
        written: int | None = None,
    ) -> None:
        """``token`` names the temporary file (``<final>.tmp-<token>``; default: a random
        one); ``written``: that file was finished earlier (by ``keep``, in another process)
        with this many rows — the writer takes it over to check and commit it."""
        self.final = final
        self.options = parquet_options(schema, unique=unique)
        self.schema = schema
        self.batch_id = batch_id
        final.parent.mkdir(parents=True, exist_ok=True)
        self.temp = final.with_name(f"{final.name}{TEMP_MARK}{token or secrets.token_hex(4)}")
        self._writer: pq.ParquetWriter | None = (
            None if written is not None else pq.ParquetWriter(self.temp, schema, **self.options)
        )
        self.rows = written or 0
        self._kept = False
        # Parquet encoding and compression release the GIL: one background thread
        # writes chunk k while the caller validates chunk k+1. At most one write is
        # pending, so memory stays at about two chunks.
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="parquet-writer")
        self._pending: Future[None] | None = None
        self._checking: tuple[str, Future[dict[str, list[int]]]] | None = None
        self.rewrites = 0  # times ``exclude`` rewrote the file (what was read of it is stale)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc_type is not None or (
            not self._kept and (not self.final.exists() or self.temp.exists())
        ):
            self.abort()

    def keep(self) -> None:
        """Finish the temporary file and leave it, uncommitted, for a writer created later
        with the same ``token`` and ``written`` to commit (a load on Spark: an executor
        writes the batch, the driver commits it)."""
        self.close()
        self._kept = True

    def write(self, table: pa.Table, rows: np.ndarray) -> None:
        if table.num_rows == 0:
            return
        writer = self._writer
        assert writer is not None, "the batch was already closed"
        provenance = table.append_column(
            pa.field(BATCH_COLUMN, pa.string(), nullable=False),
            pa.repeat(pa.scalar(self.batch_id, pa.string()), table.num_rows),
        ).append_column(
            pa.field(ROW_COLUMN, pa.int64(), nullable=False), pa.array(rows, pa.int64())
        )
        typed = provenance.cast(self.schema)
        self._wait()
        self._pending = self._pool.submit(writer.write_table, typed, row_group_size=ROW_GROUP_ROWS)
        self.rows += table.num_rows

    def _wait(self) -> None:
        pending, self._pending = self._pending, None
        if pending is not None:
            pending.result()  # a failed write raises here, in the caller's thread

    def close(self) -> None:
        """Finish the Parquet footer (the file stays temporary)."""
        try:
            self._wait()
        finally:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
            self._pool.shutdown(wait=True)

    def start_duplicate_check(self, id_column: str) -> None:
        """Finish the file and begin ``duplicate_ids`` in a background thread (DuckDB
        releases the GIL): the caller reads the file meanwhile, ``duplicate_ids`` collects."""
        self.close()
        pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="duplicate-ids")
        self._checking = (id_column, pool.submit(self._duplicate_ids, id_column))
        pool.shutdown(wait=False)  # the one query still runs; the thread ends with it

    def _collect_check(self) -> tuple[str, Future[dict[str, list[int]]]] | None:
        started, self._checking = self._checking, None
        if started is not None:
            wait([started[1]])  # never leave the query reading a file about to change
        return started

    def duplicate_ids(self, id_column: str, limit: int = DUPLICATES_LISTED) -> dict[str, list[int]]:
        """Ids written more than once (across chunks), with their rows; DuckDB spills if needed."""
        self.close()
        started = self._collect_check()
        if started is not None and started[0] == id_column and limit == DUPLICATES_LISTED:
            return started[1].result()
        return self._duplicate_ids(id_column, limit)

    def _duplicate_ids(
        self, id_column: str, limit: int = DUPLICATES_LISTED
    ) -> dict[str, list[int]]:
        # Counting first and listing rows only for the repeated ids: a list per id over
        # every row of a large file costs about five times the count.
        with _Duck(CHECK_MEMORY_LIMIT) as con:
            con.execute(
                f'CREATE TEMP TABLE repeated AS SELECT "{id_column}" AS id '  # noqa: S608 - names from the event type
                f"FROM read_parquet(?) GROUP BY 1 HAVING count(*) > 1 LIMIT {int(limit)}",
                [str(self.temp)],
            )
            if con.execute("SELECT count(*) FROM repeated").fetchone() == (0,):
                return {}
            found = con.execute(
                f'SELECT "{id_column}", list("{ROW_COLUMN}" ORDER BY "{ROW_COLUMN}") '  # noqa: S608 - names from the event type
                f'FROM read_parquet(?) WHERE "{id_column}" IN (SELECT id FROM repeated) '
                "GROUP BY 1",
                [str(self.temp)],
            ).fetchall()
        return {str(value): list(rows) for value, rows in found}

    def exclude(self, id_column: str, ids: Sequence[str]) -> None:
        """Rewrite the temporary file without these ids (duplicates under --accept-valid)."""
        self.close()
        self._collect_check()
        if not ids:
            return
        unwanted = pa.array(list(ids), pa.string())
        source = pq.ParquetFile(self.temp)
        replacement = self.temp.with_name(self.temp.name + "x")
        kept = 0
        with pq.ParquetWriter(replacement, self.schema, **self.options) as writer:
            for batch in source.iter_batches(batch_size=ROW_GROUP_ROWS):
                table = pa.Table.from_batches([batch])
                mask = pc.invert(pc.is_in(table.column(id_column), value_set=unwanted))
                table = table.filter(mask)
                kept += table.num_rows
                writer.write_table(table.cast(self.schema), row_group_size=ROW_GROUP_ROWS)
        os.replace(replacement, self.temp)
        self.rows = kept
        self.rewrites += 1

    def commit(self) -> None:
        """fsync the data, rename it into place, fsync the directory."""
        self.close()
        descriptor = os.open(self.temp, os.O_RDONLY)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)
        os.replace(self.temp, self.final)
        _fsync_directory(self.final.parent)

    def abort(self) -> None:
        try:
            self.close()
            self._collect_check()
        finally:
            self.temp.unlink(missing_ok=True)
            Path(str(self.temp) + "x").unlink(missing_ok=True)


class ObjectBatchWriter(BatchWriter):
    """A batch bound for object storage, which has no rename: it is finished in a private
    local staging directory, and ``commit`` uploads it under its final name. The manifest row
    is recorded only after that (by the caller), so a failed upload commits nothing.

    Between two processes (a load on Spark: an executor writes the batch, the driver checks
    and commits it), ``keep`` uploads the finished file as a temporary object
    (``<final>.tmp-<token>``), which a writer created with the same ``token`` and ``written``
    downloads to check and commit; that writer removes the temporary object when it commits
    or aborts."""

    def __init__(
        self,
        root: EventRoot,
        relative: str,
        schema: pa.Schema,
        batch_id: str,
        *,
        unique: Sequence[str] = (),
        token: str | None = None,
        written: int | None = None,
    ) -> None:
        self.root = root
        self.relative = relative
        self.uploaded = False
        self.staged = temporary_object(relative, token) if token is not None else None
        self.taken_over = written is not None
        self.staging = Path(tempfile.mkdtemp(prefix="servicepact-batch-"))
        try:
            super().__init__(
                self.staging / Path(relative).name, schema, batch_id,
                unique=unique, token=token, written=written,
            )  # fmt: skip
            if self.taken_over:
                assert self.staged is not None, "a batch is taken over by its token"
                root.download(self.staged, self.temp)
        except BaseException:
            shutil.rmtree(self.staging, ignore_errors=True)
            raise

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            if exc_type is not None or not (self.uploaded or self._kept):
                self.abort()
        finally:
            shutil.rmtree(self.staging, ignore_errors=True)

    def keep(self) -> None:
        """Finish the file and upload it as the temporary object the token names."""
        assert self.staged is not None, "a batch is kept under its token"
        super().keep()
        self.root.upload(self.temp, self.staged)

    def commit(self) -> None:
        """Upload the finished file under its final name (no fsync: the storage's PUT is the
        durable step)."""
        self.close()
        self.root.upload(self.temp, self.relative)
        self.uploaded = True
        self._discard_staged()

    def abort(self) -> None:
        try:
            super().abort()
        finally:
            self._discard_staged()

    def _discard_staged(self) -> None:
        if self.taken_over and self.staged is not None:
            self.root.remove(self.staged, missing_ok=True)


def temporary_object(relative: str, token: str) -> str:
    """The name of a batch kept uncommitted under ``token`` (beside its final name)."""
    return f"{relative}{TEMP_MARK}{token}"


class _Duck:
    """A short-lived DuckDB connection with UTC, a memory limit and somewhere to spill."""

    def __init__(self, memory_limit: str = READ_MEMORY_LIMIT) -> None:
        self.memory_limit = memory_limit

    def __enter__(self) -> duckdb.DuckDBPyConnection:
        import duckdb  # here, not with the module: reading one batch (a review pack) needs none

        self.con = duckdb.connect()
        self.con.execute("SET TimeZone = 'UTC'")
        self.con.execute(f"SET memory_limit = '{self.memory_limit}'")
        # Only ids and row numbers ever spill (pseudonymised already): no personal data.
        spill = Path(tempfile.gettempdir()) / "servicepact-duckdb"
        self.con.execute(f"SET temp_directory = '{spill.as_posix()}'")
        return self.con

    def __exit__(self, *exc: object) -> None:
        self.con.close()


def _read_whole(parquet: pq.ParquetFile, names: list[str]) -> pa.Table:
    """The named columns of one Parquet file, each column in one piece.

    Read row group by row group, then each column put together on its own: reading the
    whole file in one call grows one buffer per column across all the row groups, which
    holds about twice the table at its peak (2.3× the table for 3.3 M tickets; 1.3× so).
    """
    groups = [parquet.read_row_group(i, columns=names) for i in range(parquet.num_row_groups)]
    if len(groups) <= 1:
        return groups[0] if groups else parquet.read(columns=names)
    table = pa.concat_tables(groups)
    del groups  # each column's pieces are then freed as soon as it is put together
    for i in range(table.num_columns):
        table = table.set_column(i, table.field(i), table.column(i).combine_chunks())
    # The pieces are freed, but Arrow's allocator would keep their memory, which numpy's
    # arrays (made next, by the engine) cannot reuse: given back now, they are not counted
    # on top of it (for 3.3 M tickets the peak above the start was 420-490 MiB, now 350-370).
    pa.default_memory_pool().release_unused()
    return table


class EventStore:
    """Reads and writes event batches under ``root``: a local directory or an ``s3://`` URL
    (``Settings.event_store_root``; store/events/location.py)."""

    def __init__(
        self,
        root: Path | EventRoot,
        manifest: Manifest,
        *,
        event_types: Mapping[str, EventType] = BUILT_IN,
    ) -> None:
        self.root = root if isinstance(root, EventRoot) else EventRoot.parse(root)
        self.manifest = manifest
        self.event_types = event_types

    def with_types(self, declared: Mapping[str, EventType]) -> EventStore:
        """The same store, also knowing event types a contract declares (its own data)."""
        if not declared:
            return self
        return EventStore(self.root, self.manifest, event_types={**self.event_types, **declared})

    def relative_path(self, contract_id: str, source: str, batch_id: str) -> str:
        return self.relative_path_of(contract_id, source, batch_id)

    @staticmethod
    def relative_path_of(contract_id: str, source: str, batch_id: str) -> str:
        return f"{contract_id}/{source}/{batch_id}{PARQUET}"

    def writer(
        self,
        *,
        contract_id: str,
        source: str,
        batch_id: str,
        token: str | None = None,
        written: int | None = None,
    ) -> BatchWriter:
        """A writer of the batch; ``token`` and ``written`` (a directory root only) take over
        a temporary file another process finished with ``BatchWriter.keep``."""
        schema, unique = batch_layout(self.event_type(source))
        relative = self.relative_path(contract_id, source, batch_id)
        if self.root.local is None:
            return ObjectBatchWriter(
                self.root, relative, schema, batch_id, unique=unique, token=token, written=written
            )
        final = self.root.local / relative
        return BatchWriter(final, schema, batch_id, unique=unique, token=token, written=written)

    def uri(self, relative: str) -> str:
        """A committed batch's full name: a local path, or ``s3://bucket/prefix/…``."""
        return self.root.uri(relative)

    def _committed(
        self, con: duckdb.DuckDBPyConnection, refs: Sequence[BatchRef]
    ) -> tuple[str, list[object]]:
        """The committed batches as a DuckDB table expression and its parameters: read_parquet
        over the local files (as always), or a pyarrow dataset over the objects, which DuckDB
        scans as a stream (columns and filters pushed down)."""
        if self.root.local is not None:
            return "read_parquet(?)", [[self.root.location(r.path) for r in refs]]
        con.register("committed_", self.root.dataset([r.path for r in refs]))
        return "committed_", []

    def event_type(self, source: str) -> EventType:
        return self.event_types[source]

    def batches(self, *, contract_id: str, source: str) -> list[BatchRef]:
        """Committed batches in load order."""
        return sorted(self.manifest.committed(contract_id, source), key=lambda r: r.seq)

    def read(
        self,
        *,
        contract_id: str,
        source: str,
        batches: Sequence[str] | None = None,
        columns: Sequence[str] | None = None,
    ) -> pa.Table:
        """The current version of each event (newest batch wins), in the typed schema.

        ``batches`` limits the read to those batch ids (e.g. what a closed period
        was evaluated on); ``columns`` to those columns (provenance is added when
        asked for by name).
        """
        event_type = self.event_type(source)
        schema = arrow_schema(event_type, with_provenance=True)
        refs = self.batches(contract_id=contract_id, source=source)
        if batches is not None:
            wanted = set(batches)
            refs = [r for r in refs if r.batch_id in wanted]
        names = list(columns) if columns is not None else schema.names
        unknown = [c for c in names if c not in schema.names]
        if unknown:
            raise KeyError(f"{source} has no columns {', '.join(unknown)}")
        out_schema = pa.schema([schema.field(c) for c in names])
        if not refs:
            return out_schema.empty_table()
        if len(refs) == 1:
            # ParquetFile reads one file without the dataset layer (whose import costs a
            # command ~0.3 s of CPU: it brings pandas in).
            with (
                self.root.reaching(f"read {refs[0].path}"),
                self.root.open_parquet(refs[0].path) as parquet,
            ):
                return _read_whole(parquet, names).cast(out_schema)
        return self._newest(refs, event_type.id_column, names, out_schema)

    def _newest(
        self,
        refs: Sequence[BatchRef],
        id_column: str,
        names: list[str],
        out_schema: pa.Schema,
    ) -> pa.Table:
        order = pa.table({"batch": [r.batch_id for r in refs], "seq": [r.seq for r in refs]})
        select = ", ".join(f'"{n}"' for n in names)
        with _Duck() as con, self.root.reaching("read the event store"):
            scan, params = self._committed(con, refs)
            query = (
                f"SELECT {select} FROM ("  # noqa: S608 - names come from the event type
                f'  SELECT e.*, o.seq AS "__seq", row_number() OVER ('
                f'    PARTITION BY e."{id_column}" ORDER BY o.seq DESC) AS "__rank"'
                f'  FROM {scan} e JOIN order_ o ON e."{BATCH_COLUMN}" = o.batch'
                f') WHERE "__rank" = 1 ORDER BY "__seq", "{ROW_COLUMN}"'
            )
            con.register("order_", order)
            result: pa.Table = con.sql(query, params=params).to_arrow_table()
        return result.cast(out_schema)

    def current_values(
        self,
        *,
        contract_id: str,
        source: str,
        column: str,
        low: object,
        high: object,
        excluding: Path | None = None,
    ) -> pa.Array:
        """``column`` of the current version of each committed event (newest batch wins) whose
        value lies in ``[low, high]``, leaving out the ids of the file ``excluding`` (a batch
        about to replace them). For controls that judge all the data of a day, not one batch."""
        event_type = self.event_type(source)
        field = arrow_schema(event_type).field(column)
        refs = self.batches(contract_id=contract_id, source=source)
        if not refs:
            return pa.array([], field.type)
        id_column = event_type.id_column
        order = pa.table({"batch": [r.batch_id for r in refs], "seq": [r.seq for r in refs]})
        with _Duck(CHECK_MEMORY_LIMIT) as con, self.root.reaching("read the event store"):
            scan, scanned = self._committed(con, refs)
            # Only ids with some version in the window are ranked: the window is a few days,
            # the source may hold years.
            params: list[object] = [*scanned, *scanned, low, high, low, high]
            leave_out = ""
            if excluding is not None:
                leave_out = f' AND "{id_column}" NOT IN (SELECT "{id_column}" FROM read_parquet(?))'  # noqa: S608 - event type names
                params.append(str(excluding))
            query = (
                f'SELECT "{column}" FROM ('  # noqa: S608 - names come from the event type
                f'  SELECT e."{column}", e."{id_column}", row_number() OVER ('
                f'    PARTITION BY e."{id_column}" ORDER BY o.seq DESC) AS "__rank"'
                f'  FROM {scan} e JOIN order_ o ON e."{BATCH_COLUMN}" = o.batch'
                f'  WHERE e."{id_column}" IN (SELECT "{id_column}" FROM {scan}'
                f'    WHERE "{column}" BETWEEN ? AND ?)'
                f') WHERE "__rank" = 1 AND "{column}" BETWEEN ? AND ?{leave_out}'
            )
            con.register("order_", order)
            result: pa.Table = con.sql(query, params=params).to_arrow_table()
        return result.column(0).combine_chunks().cast(field.type)

    def existing_ids(
        self, *, contract_id: str, source: str, candidate: Path, limit: int = 10
    ) -> tuple[int, list[str]]:
        """How many ids of the file ``candidate`` already exist in committed batches."""
        refs = self.batches(contract_id=contract_id, source=source)
        if not refs:
            return 0, []
        id_column = self.event_type(source).id_column
        with _Duck(CHECK_MEMORY_LIMIT) as con, self.root.reaching("read the event store"):
            scan, scanned = self._committed(con, refs)
            params = [str(candidate), *scanned]
            query = (
                f'SELECT n."{id_column}" FROM read_parquet(?) n '  # noqa: S608 - event type names
                f'WHERE n."{id_column}" IN (SELECT "{id_column}" FROM {scan})'
            )
            count_row = con.execute(f"SELECT count(*) FROM ({query})", params)  # noqa: S608
            count = int(count_row.fetchone()[0])  # type: ignore[index]
            examples = con.execute(
                f"SELECT * FROM ({query}) ORDER BY 1 LIMIT {int(limit)}",  # noqa: S608
                params,
            ).fetchall()
        return count, [str(e[0]) for e in examples]

    def orphans(self) -> list[str]:
        """Files (objects) under the root no manifest row points at, and leftover temporary
        files: their full names (local paths, or s3:// URLs)."""
        return [self.root.uri(relative) for relative in self._orphans()]

    def _orphans(self) -> list[str]:
        known = self.manifest.all_paths()
        root = self.root.local
        if root is None:
            # Objects are only ever uploaded whole and finished; a temporary one is a batch a
            # load on Spark kept for its driver, left behind if the driver itself stopped.
            return [
                r
                for r in self.root.files()
                if TEMP_MARK in r.rpartition("/")[2] or (r.endswith(PARQUET) and r not in known)
            ]
        if not root.exists():
            return []
        found: list[str] = []
        for path in root.rglob("*"):
            if not path.is_file():
                continue
            relative = path.relative_to(root).as_posix()
            if TEMP_MARK in path.name or (path.suffix == PARQUET and relative not in known):
                found.append(relative)
        return sorted(found, key=lambda r: root / r)

    def clean_orphans(self) -> list[str]:
        orphans = self._orphans()
        for relative in orphans:
            if self.root.local is not None:
                (self.root.local / relative).unlink(missing_ok=True)
            else:
                self.root.remove(relative)
        return [self.root.uri(relative) for relative in orphans]

    def iter_file(
        self, path: Path, columns: Sequence[str], batch_rows: int = ROW_GROUP_ROWS
    ) -> Iterator[pa.Table]:
        """Stream some columns of a local batch file (the temporary one of a load)."""
        parquet = pq.ParquetFile(path)
        for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(columns)):
            yield pa.Table.from_batches([batch])

    def iter_batch(
        self, relative: str, columns: Sequence[str], batch_rows: int = ROW_GROUP_ROWS
    ) -> Iterator[pa.Table]:
        """Stream some columns of a committed batch, wherever the store lives."""
        with self.root.reaching(f"read {relative}"):
            parquet = self.root.open_parquet(relative)
            for batch in parquet.iter_batches(batch_size=batch_rows, columns=list(columns)):
                yield pa.Table.from_batches([batch])
