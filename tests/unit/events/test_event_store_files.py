"""The event store on files alone (a manifest in memory): versions, filters, orphans."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from servicepact.domain.event_schemas import arrow_schema
from servicepact.domain.event_types import BUILT_IN
from servicepact.store.events.store import EventStore, InMemoryManifest

TICKETS = BUILT_IN["tickets"]
WHEN = datetime(2026, 1, 5, tzinfo=UTC)


def batch(ids: list[str], priority: str) -> pa.Table:
    rows = [{"id": i, "created_at": WHEN, "priority": priority} for i in ids]
    schema = arrow_schema(TICKETS)
    return pa.Table.from_pylist([{n: r.get(n) for n in schema.names} for r in rows], schema=schema)


def put(store: EventStore, manifest: InMemoryManifest, batch_id: str, table: pa.Table) -> None:
    with store.writer(contract_id="c", source="tickets", batch_id=batch_id) as writer:
        writer.write(table, np.arange(1, table.num_rows + 1))
        writer.commit()
    manifest.add("c", "tickets", batch_id, store.relative_path("c", "tickets", batch_id))


def test_the_newest_batch_wins_and_a_batch_filter_reads_the_past(tmp_path: Path) -> None:
    manifest = InMemoryManifest()
    store = EventStore(tmp_path, manifest)
    put(store, manifest, "b1", batch(["A", "B"], "P1"))
    put(store, manifest, "b2", batch(["B", "C"], "P2"))
    current = store.read(contract_id="c", source="tickets")
    assert current.schema == arrow_schema(TICKETS, with_provenance=True)
    assert sorted(
        zip(current.column("id").to_pylist(), current.column("priority").to_pylist(), strict=True)
    ) == [
        ("A", "P1"),
        ("B", "P2"),
        ("C", "P2"),
    ]
    first_only = store.read(
        contract_id="c", source="tickets", batches=["b1"], columns=["id", "priority"]
    )
    assert first_only.to_pylist() == [{"id": "A", "priority": "P1"}, {"id": "B", "priority": "P1"}]


def test_times_and_row_numbers_are_stored_delta_encoded_and_read_back_the_same(
    tmp_path: Path,
) -> None:
    manifest = InMemoryManifest()
    store = EventStore(tmp_path, manifest)
    written = batch(["A", "B", "C"], "P2")
    pauses = pa.array(
        [[{"start": WHEN, "end": datetime(2026, 1, 6, tzinfo=UTC)}], None, []],
        written.schema.field("pauses").type,
    )
    written = written.set_column(written.schema.get_field_index("pauses"), "pauses", pauses)
    put(store, manifest, "b1", written)
    path = tmp_path / store.relative_path("c", "tickets", "b1")
    group = pq.ParquetFile(path).metadata.row_group(0)
    encodings = {
        group.column(i).path_in_schema: group.column(i).encodings for i in range(group.num_columns)
    }
    for name in ("created_at", "pauses.list.element.start", "pauses.list.element.end", "_row"):
        assert "DELTA_BINARY_PACKED" in encodings[name], name
    assert "RLE_DICTIONARY" in encodings["priority"]
    read = store.read(contract_id="c", source="tickets")
    assert read.drop_columns(["_batch", "_row"]).equals(written)
    assert read.column("_row").to_pylist() == [1, 2, 3]


def test_a_file_without_a_manifest_row_is_invisible_and_cleaned(tmp_path: Path) -> None:
    manifest = InMemoryManifest()
    store = EventStore(tmp_path, manifest)
    with store.writer(contract_id="c", source="tickets", batch_id="orphan") as writer:
        writer.write(batch(["A"], "P1"), np.array([1]))
        writer.commit()  # renamed into place, but the manifest never heard of it
    assert store.read(contract_id="c", source="tickets").num_rows == 0
    assert [Path(p).name for p in store.clean_orphans()] == ["orphan.parquet"]


def test_an_aborted_write_leaves_no_file(tmp_path: Path) -> None:
    store = EventStore(tmp_path, InMemoryManifest())
    try:
        with store.writer(contract_id="c", source="tickets", batch_id="b") as writer:
            writer.write(batch(["A"], "P1"), np.array([1]))
            raise RuntimeError("crash while writing")
    except RuntimeError:
        pass
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]
