"""The typed Arrow schema of each event type: the one shape loader and engine share.

Timestamps are UTC microseconds; dates are local dates; decimals keep their
digits exactly; pauses and assignments are lists of structs. The event store
adds ``_batch`` (the batch id) and ``_row`` (the source row number).
"""

from __future__ import annotations

import pyarrow as pa

from servicepact.domain.event_types import ColumnType, EventType

TIMESTAMP = pa.timestamp("us", tz="UTC")
DECIMAL = pa.decimal128(20, 6)
INTERVAL = pa.struct([("start", TIMESTAMP), ("end", TIMESTAMP)])
ASSIGNMENT = pa.struct([("party", pa.string()), ("from", TIMESTAMP), ("to", TIMESTAMP)])

ARROW_TYPES: dict[ColumnType, pa.DataType] = {
    ColumnType.STRING: pa.string(),
    ColumnType.TEXT: pa.string(),
    ColumnType.INTEGER: pa.int64(),
    ColumnType.DECIMAL: DECIMAL,
    ColumnType.BOOLEAN: pa.bool_(),
    ColumnType.TIMESTAMP: TIMESTAMP,
    ColumnType.DATE: pa.date32(),
    ColumnType.INTERVALS: pa.list_(INTERVAL),
    ColumnType.ASSIGNMENTS: pa.list_(ASSIGNMENT),
}

BATCH_COLUMN = "_batch"
ROW_COLUMN = "_row"


def arrow_schema(event_type: EventType, *, with_provenance: bool = False) -> pa.Schema:
    fields = [
        pa.field(c.name, ARROW_TYPES[c.type], nullable=not c.required) for c in event_type.columns
    ]
    if with_provenance:
        fields += [
            pa.field(BATCH_COLUMN, pa.string(), nullable=False),
            pa.field(ROW_COLUMN, pa.int64(), nullable=False),
        ]
    return pa.schema(fields)
