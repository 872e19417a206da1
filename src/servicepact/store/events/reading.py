"""Read an event file into typed, pseudonymised chunks — the loader's and the engine's door.

``read_event_file`` streams: memory stays bounded by ``chunk_rows`` whatever the
file size. Each chunk comes back validated (bad rows explained, never dropped
silently) and with personal data already treated, so nothing downstream ever
holds a raw value the contract does not allow.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.contracts import DataProtection, IdTreatment, Treatment
from servicepact.domain.errors import InvalidInput, Problem
from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import EventType, PersonalData
from servicepact.store import pii
from servicepact.store.events.problems import MAX_DESCRIBED, RowProblem, row_problem
from servicepact.store.events.sources import DEFAULT_CHUNK_ROWS, RawChunk, Source, open_source
from servicepact.store.events.validation import (
    ValidatedChunk,
    check_header,
    check_timezone,
    validate_chunk,
)


def check_protection(event_type: EventType, protection: DataProtection) -> None:
    """A required column the contract drops could never be stored: say so before reading."""
    dropped = [
        c
        for c in event_type.columns
        if c.required
        and c.personal_data is not None
        and protection.treatment_for(c.personal_data) is Treatment.DROP
    ]
    if dropped:
        raise InvalidInput(
            problems=[
                Problem(
                    where=f"contract data_protection, column {c.name}",
                    message=(
                        f"{event_type.name} needs {c.name} ({c.personal_data}), but the contract "
                        f"does not declare {c.personal_data} as personal data it processes, so it "
                        f"would be dropped; add {c.personal_data} to data_protection.personal_data "
                        "to pseudonymise it"
                    ),
                )
                for c in dropped
                if c.personal_data is not None
            ]
        )


def open_checked(
    path: Path,
    event_type: EventType,
    *,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Source:
    source = open_source(path, encoding=encoding, sheet=sheet, chunk_rows=chunk_rows)
    check_header(source.header, event_type, file_name=path.name)
    return source


def _personal_ids_refused(found: pii.PersonalDataInId, chunk: ValidatedChunk) -> InvalidInput:
    rows = [int(chunk.rows[p]) for p in found.positions]
    problems = [
        row_problem(
            row=row,
            field=found.column,
            message=f"holds the row's {found.source} (personal data); the contract refuses "
            "such ids (data_protection.personal_data_in_ids: refuse)",
        )
        for row in rows[:MAX_DESCRIBED]
    ]
    return InvalidInput(problems=problems)


class _Protection:
    """What one thread needs to validate and protect chunks: its own pseudonymiser and
    masker (each holds a DuckDB connection and a cache, neither shared between threads)."""

    def __init__(
        self,
        event_type: EventType,
        data_protection: DataProtection,
        pseudonym_key: bytes,
        timezone: str | None,
        header: list[str],
    ) -> None:
        self.event_type = event_type
        self.timezone = timezone
        self.header = header
        self.plan = pii.treatments(event_type, data_protection)
        self.pseudonymiser = pii.Pseudonymiser(pseudonym_key)
        self.masker = pii.FreeTextMasker(
            accounts=PersonalData.ACCOUNT_NUMBER in data_protection.personal_data,
            employee_patterns=data_protection.employee_number_patterns,
        )
        self.refuse = data_protection.personal_data_in_ids is IdTreatment.REFUSE

    def chunk(self, raw: RawChunk) -> ValidatedChunk:
        chunk = validate_chunk(raw, self.event_type, timezone=self.timezone, header=self.header)
        try:
            chunk.table = pii.protect(
                chunk.table,
                self.event_type,
                plan=self.plan,
                pseudonymiser=self.pseudonymiser,
                masker=self.masker,
                refuse_personal_ids=self.refuse,
            )
        except pii.PersonalDataInId as found:
            raise _personal_ids_refused(found, chunk) from None
        return chunk


def _in_threads(
    raws: Iterator[RawChunk], make: Callable[[], _Protection], workers: int
) -> Iterator[ValidatedChunk]:
    """Chunks validated and protected by ``workers`` threads, yielded in file order.

    The work is Arrow, numpy, DuckDB and compiled kernels, which release the GIL, so
    threads use every core without copying chunks between processes. At most
    ``workers + 1`` chunks are in flight: memory stays bounded by the chunk size.
    """
    local = threading.local()

    def process(raw: RawChunk) -> ValidatedChunk:
        state = getattr(local, "state", None)
        if state is None:
            state = local.state = make()
        return state.chunk(raw)

    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="load-chunk")
    pending: deque[Future[ValidatedChunk]] = deque()
    try:
        for raw in raws:
            pending.append(pool.submit(process, raw))
            if len(pending) > workers:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        for future in pending:
            future.cancel()
        pool.shutdown(wait=True)


def validated_chunks(
    source: Source,
    event_type: EventType,
    *,
    data_protection: DataProtection,
    pseudonym_key: bytes,
    timezone: str | None = None,
    workers: int = 1,
) -> Iterator[ValidatedChunk]:
    """Validate and protect each chunk of an opened source, in file order.

    With ``workers`` > 1, chunks are processed by that many threads (``_in_threads``);
    every chunk gets exactly the checks, problems and pseudonyms it gets alone.
    """

    def make() -> _Protection:
        return _Protection(event_type, data_protection, pseudonym_key, timezone, source.header)

    if workers > 1:
        processed = _in_threads(source.chunks, make, workers)
    else:
        state = make()
        processed = (state.chunk(raw) for raw in source.chunks)
    described = 0
    for chunk in processed:
        if chunk.problems and source.line_of is not None:
            _add_lines(chunk, source)
        if described + len(chunk.problems) > MAX_DESCRIBED:
            room = max(MAX_DESCRIBED - described, 0)
            hidden = len(chunk.problems) - room
            chunk.problems = [
                *chunk.problems[:room],
                row_problem(
                    row=None,
                    field=None,
                    message=f"{hidden} more problems in this chunk, not listed one by one",
                ),
            ]
        described += len(chunk.problems)
        yield chunk


def _add_lines(chunk: ValidatedChunk, source: Source) -> None:
    assert source.line_of is not None
    wanted = {p.row for p in chunk.problems if p.row is not None and p.line is None}
    lines = source.line_of(wanted)
    chunk.problems = [
        RowProblem(
            where=p.where,
            message=p.message,
            line=lines.get(p.row) if p.row is not None and p.line is None else p.line,
            column=p.column,
            value=p.value,
            row=p.row,
            field=p.field,
            reason=p.reason,
        )
        for p in chunk.problems
    ]
    for rejected in chunk.rejected:
        row = rejected.get("row")
        if isinstance(row, int) and rejected.get("line") is None:
            rejected["line"] = lines.get(row)


def read_event_file(
    path: Path,
    event_type: EventType,
    *,
    data_protection: DataProtection,
    pseudonym_key: bytes,
    timezone: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> Iterator[ValidatedChunk]:
    """Stream ``path`` as validated chunks: ``.table`` (typed, pseudonymised), ``.problems``.

    Duplicate ids are caught within a chunk here; across chunks the event store
    checks them when it writes a batch (``EventStore.write``), and
    ``read_events_for_evaluation`` checks them over the whole table.
    """
    check_timezone(timezone)
    check_protection(event_type, data_protection)
    source = open_checked(path, event_type, encoding=encoding, sheet=sheet, chunk_rows=chunk_rows)
    yield from validated_chunks(
        source,
        event_type,
        data_protection=data_protection,
        pseudonym_key=pseudonym_key,
        timezone=timezone,
    )


def read_events_for_evaluation(
    path: Path,
    event_type: EventType,
    *,
    data_protection: DataProtection,
    pseudonym_key: bytes,
    timezone: str | None = None,
    encoding: str | None = None,
    sheet: str | None = None,
    chunk_rows: int = DEFAULT_CHUNK_ROWS,
) -> pa.Table:
    """The whole file as one typed table; any bad row raises ``InvalidInput`` listing all."""
    tables: list[pa.Table] = []
    rows: list[np.ndarray] = []
    problems: list[Problem] = []
    for chunk in read_event_file(
        path,
        event_type,
        data_protection=data_protection,
        pseudonym_key=pseudonym_key,
        timezone=timezone,
        encoding=encoding,
        sheet=sheet,
        chunk_rows=chunk_rows,
    ):
        tables.append(chunk.table)
        rows.append(chunk.rows)
        problems.extend(chunk.problems)
    table = pa.concat_tables(tables) if tables else arrow_schema(event_type).empty_table()
    all_rows = np.concatenate(rows) if rows else np.array([], dtype=np.int64)
    problems.extend(_cross_chunk_duplicates(table, event_type, all_rows))
    if problems:
        raise InvalidInput(problems=problems, source=path.name)
    return table


def _cross_chunk_duplicates(
    table: pa.Table, event_type: EventType, rows: np.ndarray
) -> list[Problem]:
    ids = table.column(event_type.id_column)
    counts = pc.value_counts(ids)
    repeated = pc.filter(counts.field("values"), pc.greater(counts.field("counts"), 1))
    if len(repeated) == 0:
        return []
    mask = pc.is_in(ids, value_set=repeated)
    positions = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    values = pc.take(ids, pa.array(positions)).to_pylist()
    by_id: dict[object, list[int]] = {}
    for position, value in zip(positions, values, strict=True):
        by_id.setdefault(value, []).append(int(rows[position]))
    return [
        row_problem(
            row=row,
            field=event_type.id_column,
            message="duplicate id: also in row " + ", ".join(str(r) for r in group if r != row),
        )
        for group in by_id.values()
        for row in group
    ]
