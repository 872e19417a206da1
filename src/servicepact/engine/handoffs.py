"""Handoffs and workload between a vendor and the client's internal teams (PRODUCT.md §2.7).

Read from the tickets' assignment history (``assignments``: a list of
``{party, from, to}`` per ticket). Assignments of one ticket are ordered by
``from``; parties other than the vendor and the named internal teams (a broker,
the requester) are left out of the sequence, so vendor → broker → internal
counts as one handoff from vendor to internal.

- a *handoff* is a change of side between consecutive assignments;
- the *handoff rate* is tickets with at least one handoff ÷ tickets with assignments;
- a ticket *bounces* when it has more than ``bounce_threshold`` handoffs;
- *time held* per side is the sum of ``to − from`` (open assignments count up to
  ``as_of`` when it is given, otherwise they are only counted as open);
- the *pushed-back workload* is the number of vendor → internal handoffs per ISO week
  (in ``timezone``), compared with the internal team's stated weekly capacity; a week
  above it is an overload finding.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import IntEnum
from fractions import Fraction
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.errors import InvalidInput, Problem

MICROS_PER_HOUR = 3_600_000_000


class Side(IntEnum):
    OTHER = 0
    VENDOR = 1
    INTERNAL = 2


@dataclass(frozen=True)
class WeekLoad:
    week: str  # ISO week, e.g. 2026-W14
    pushed_to_internal: int  # vendor → internal handoffs received that week
    capacity: int | None

    @property
    def excess(self) -> int:
        return 0 if self.capacity is None else max(0, self.pushed_to_internal - self.capacity)

    @property
    def overloaded(self) -> bool:
        return self.excess > 0


@dataclass(frozen=True)
class OverloadFinding:
    week: str
    pushed_to_internal: int
    capacity: int
    detail: str


@dataclass(frozen=True)
class HandoffReport:
    vendor_party: str
    internal_parties: tuple[str, ...]
    tickets: int  # tickets with at least one vendor or internal assignment
    tickets_with_handoff: int
    handoffs: int
    to_internal: int  # vendor → internal
    to_vendor: int  # internal → vendor
    bounce_threshold: int
    bounced: tuple[tuple[str, int], ...]  # (ticket id, handoffs), most first
    held_hours: dict[str, float]  # vendor / internal / other
    open_assignments: int
    weeks: tuple[WeekLoad, ...]
    overloads: tuple[OverloadFinding, ...]

    @property
    def handoff_rate(self) -> Fraction | None:
        return None if self.tickets == 0 else Fraction(self.tickets_with_handoff, self.tickets)

    @property
    def handoffs_per_ticket(self) -> Fraction | None:
        return None if self.tickets == 0 else Fraction(self.handoffs, self.tickets)


def _require(tickets: pa.Table) -> None:
    problems = [
        Problem(f"tickets.{name}", "column is missing")
        for name in ("id", "assignments")
        if name not in tickets.column_names
    ]
    if problems:
        raise InvalidInput(problems=problems)


def _sides(
    party: pa.Array, vendor_party: str, internal_parties: Sequence[str]
) -> np.ndarray[Any, np.dtype[np.int8]]:
    """The side (vendor, internal or other) of each assignment's party."""
    side = np.full(len(party), Side.OTHER, dtype=np.int8)
    side[pc.equal(party, vendor_party).fill_null(False).to_numpy(zero_copy_only=False)] = (
        Side.VENDOR
    )
    internal_mask = pc.is_in(party, value_set=pa.array(list(internal_parties), pa.string()))
    side[internal_mask.fill_null(False).to_numpy(zero_copy_only=False)] = Side.INTERNAL
    return side


def _held_hours(
    side: np.ndarray[Any, np.dtype[np.int8]],
    start_us: np.ndarray[Any, np.dtype[np.int64]],
    end: pa.Array,
    end_valid: np.ndarray[Any, np.dtype[np.bool_]],
    as_of: datetime | None,
) -> dict[str, float]:
    """Hours each side held its assignments; an open assignment counts up to ``as_of``, or
    not at all without it."""
    end_us = end.cast(pa.int64()).fill_null(0).to_numpy(zero_copy_only=False)
    if as_of is not None:
        as_of_us = int(as_of.timestamp() * 1_000_000)
        end_us = np.where(end_valid, end_us, as_of_us)
        usable = np.ones(len(side), dtype=bool)
    else:
        usable = end_valid
    usable = usable & (start_us != np.iinfo(np.int64).min)
    durations = np.where(usable, np.maximum(end_us - start_us, 0), 0)
    return {s.name.lower(): float(durations[side == s].sum()) / MICROS_PER_HOUR for s in Side}


def _weekly_load(
    pushed_starts: pa.Array,
    *,
    timezone: str,
    weekly_capacity: int | None,
    vendor_party: str,
) -> tuple[list[WeekLoad], list[OverloadFinding]]:
    """The workload pushed back to internal teams per ISO week, in the client's time zone
    (``pushed_starts``: when each such handoff was received), and the weeks above capacity."""
    weeks: list[WeekLoad] = []
    overloads: list[OverloadFinding] = []
    if not len(pushed_starts):
        return weeks, overloads
    moments = pushed_starts.cast(pa.timestamp("us", tz=timezone))
    years = pc.iso_year(moments).to_numpy(zero_copy_only=False).astype(np.int64)
    numbers = pc.iso_week(moments).to_numpy(zero_copy_only=False).astype(np.int64)
    keys, counts = np.unique(years * 100 + numbers, return_counts=True)
    labels = [f"{k // 100:04d}-W{k % 100:02d}" for k in keys.tolist()]
    for label, count in zip(labels, counts, strict=True):
        load = WeekLoad(str(label), int(count), weekly_capacity)
        weeks.append(load)
        if load.overloaded and weekly_capacity is not None:
            overloads.append(
                OverloadFinding(
                    week=load.week,
                    pushed_to_internal=load.pushed_to_internal,
                    capacity=weekly_capacity,
                    detail=(
                        f"{vendor_party} handed {load.pushed_to_internal} tickets to internal "
                        f"teams in {load.week}, above their stated capacity of "
                        f"{weekly_capacity} a week (+{load.excess})"
                    ),
                )
            )
    return weeks, overloads


def handoff_analysis(
    tickets: pa.Table,
    *,
    vendor_party: str,
    internal_parties: Sequence[str],
    bounce_threshold: int,
    weekly_capacity: int | None,
    as_of: datetime | None = None,
    timezone: str = "UTC",
) -> HandoffReport:
    _require(tickets)
    if bounce_threshold < 0:
        raise InvalidInput(problems=[Problem("bounce_threshold", "must not be negative")])
    if vendor_party in internal_parties:
        raise InvalidInput(
            problems=[Problem("internal_parties", f"{vendor_party!r} is the vendor, not internal")]
        )
    ids = tickets.column("id").combine_chunks()
    assignments = tickets.column("assignments").combine_chunks()
    n_tickets = len(ids)
    flat = pc.list_flatten(assignments)
    parents = pc.list_parent_indices(assignments).to_numpy(zero_copy_only=False)
    party = flat.field("party")
    start = flat.field("from")
    end = flat.field("to")

    side = _sides(party, vendor_party, internal_parties)

    start_us = (
        start.cast(pa.int64()).fill_null(np.iinfo(np.int64).min).to_numpy(zero_copy_only=False)
    )
    # time held per side
    end_valid = end.is_valid().to_numpy(zero_copy_only=False)
    open_count = int((~end_valid).sum())
    held = _held_hours(side, start_us, end, end_valid, as_of)

    # handoffs: consecutive vendor/internal assignments of one ticket on different sides
    keep = np.flatnonzero(side != Side.OTHER)
    order = keep[np.lexsort((start_us[keep], parents[keep]))]
    seq_parent = parents[order]
    seq_side = side[order]
    change = (seq_parent[1:] == seq_parent[:-1]) & (seq_side[1:] != seq_side[:-1])
    receiving = order[1:][change]  # the assignment that receives each handoff
    per_ticket = np.bincount(parents[receiving], minlength=n_tickets)
    # seq_parent is sorted: the tickets with vendor or internal work are its distinct values
    distinct_tickets = int(np.count_nonzero(np.diff(seq_parent))) + 1 if len(seq_parent) else 0
    to_internal_mask = side[receiving] == Side.INTERNAL

    bounced_idx = np.flatnonzero(per_ticket > bounce_threshold)
    bounced_ids = ids.take(pa.array(bounced_idx, pa.int64())).to_pylist()
    bounced = sorted(
        ((str(i), int(per_ticket[j])) for i, j in zip(bounced_ids, bounced_idx, strict=True)),
        key=lambda item: (-item[1], item[0]),
    )

    weeks, overloads = _weekly_load(
        start.take(pa.array(receiving[to_internal_mask])),
        timezone=timezone,
        weekly_capacity=weekly_capacity,
        vendor_party=vendor_party,
    )
    return HandoffReport(
        vendor_party=vendor_party,
        internal_parties=tuple(internal_parties),
        tickets=distinct_tickets,
        tickets_with_handoff=int((per_ticket > 0).sum()),
        handoffs=int(change.sum()),
        to_internal=int(to_internal_mask.sum()),
        to_vendor=int((~to_internal_mask).sum()),
        bounce_threshold=bounce_threshold,
        bounced=tuple(bounced),
        held_hours=held,
        open_assignments=open_count,
        weeks=tuple(weeks),
        overloads=tuple(overloads),
    )
