"""The event store: file readers, row validation, and batches as Parquet plus a manifest.

What other parts call:

* ``read_event_file`` / ``read_events_for_evaluation`` — a file as typed, validated,
  pseudonymised Arrow data (``reading.py``);
* ``EventStore.read`` — the current version of each stored event (``store.py``).
"""

from servicepact.store.events.reading import read_event_file, read_events_for_evaluation
from servicepact.store.events.store import BatchRef, EventStore, InMemoryManifest, Manifest
from servicepact.store.events.validation import ValidatedChunk

__all__ = [
    "BatchRef",
    "EventStore",
    "InMemoryManifest",
    "Manifest",
    "ValidatedChunk",
    "read_event_file",
    "read_events_for_evaluation",
]
