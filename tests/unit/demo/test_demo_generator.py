"""The demo generator: deterministic, in the declared columns, readable by the loader, plausible."""

from __future__ import annotations

import csv
import json
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import numpy as np
import pyarrow.parquet as pq
import pytest

from servicepact.contractfile import load_contract_file
from servicepact.demo.generate import (
    CC,
    IT,
    SEOUL,
    DemoFile,
    Table,
    calls,
    generate_demo_files,
    generate_portfolio_data,
    it_tickets,
    orders,
)
from servicepact.demo.run import contract_files, examples_dir, export_moment
from servicepact.demo.timebase import BusinessClock, DemoYear, office_hours
from servicepact.domain.event_types import BUILT_IN
from servicepact.store.events.reading import read_events_for_evaluation

SMALL = 0.1  # a tenth of the volumes: enough for shapes, fast enough for every run
UNSCALED = ("campaigns", "availability", "payroll_items")


@pytest.fixture(scope="module")
def small_files(tmp_path_factory: pytest.TempPathFactory) -> list[DemoFile]:
    return generate_demo_files(tmp_path_factory.mktemp("demo-small"), scale=SMALL)


@dataclass(frozen=True)
class Feeds:
    calls: Table
    tickets: Table
    orders: Table


@pytest.fixture(scope="module")
def feeds() -> Feeds:
    """Half the calls and orders and all IT tickets: enough for stable shapes."""
    year = DemoYear(2026)
    clock = BusinessClock(year, office_hours(9, 18))
    tickets, _ = it_tickets(np.random.default_rng(2), year, clock)
    return Feeds(
        calls=calls(np.random.default_rng(1), year, scale=0.5),
        tickets=tickets,
        orders=orders(np.random.default_rng(7), year, scale=0.5),
    )


def _file(files: list[DemoFile], contract_id: str, source: str) -> Path:
    return next(
        f.path
        for f in files
        if f.contract_id == contract_id and f.source == source and not f.correction
    )


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def _local(text: str) -> datetime:
    return datetime.fromisoformat(text)


def test_the_same_seed_writes_byte_identical_files(
    tmp_path: Path, small_files: list[DemoFile]
) -> None:
    again = generate_demo_files(tmp_path / "again", scale=SMALL)
    assert [f.path.name for f in again] == [f.path.name for f in small_files]
    for first, second in zip(small_files, again, strict=True):
        assert first.path.read_bytes() == second.path.read_bytes(), first.path.name


def test_another_seed_writes_other_data(tmp_path: Path, small_files: list[DemoFile]) -> None:
    other = generate_portfolio_data(tmp_path / "other", scale=SMALL, seed=7)
    assert other[(CC, "calls")].read_bytes() != _file(small_files, CC, "calls").read_bytes()


def test_every_file_has_exactly_the_columns_of_its_event_type(
    small_files: list[DemoFile],
) -> None:
    contracts = {
        doc.contract.id: doc.contract
        for doc in (load_contract_file(p) for p in contract_files(examples_dir()))
    }
    for demo_file in small_files:
        own = contracts[demo_file.contract_id].declared_event_types
        declared = list((own.get(demo_file.source) or BUILT_IN[demo_file.source]).column_names)
        if demo_file.path.suffix == ".csv":
            with demo_file.path.open(encoding="utf-8") as handle:
                header = next(csv.reader(handle))
            assert header == declared, demo_file.path.name
        elif demo_file.path.suffix == ".parquet":
            assert pq.read_schema(demo_file.path).names == declared
        else:
            keys: set[str] = set()
            for line in demo_file.path.read_text(encoding="utf-8").splitlines():
                keys.update(json.loads(line))
            assert keys == set(declared)


def test_every_file_passes_the_loaders_validation_under_its_contracts_terms(
    small_files: list[DemoFile],
) -> None:
    contracts = {
        doc.contract.id: doc.contract
        for doc in (load_contract_file(p) for p in contract_files(examples_dir()))
    }
    for demo_file in small_files:
        contract = contracts[demo_file.contract_id]
        event_type = contract.declared_event_types.get(demo_file.source)
        table = read_events_for_evaluation(
            demo_file.path,
            event_type or BUILT_IN[demo_file.source],
            data_protection=contract.data_protection,
            pseudonym_key=b"demo-test-key",
            timezone="Asia/Seoul",
        )
        assert table.num_rows == demo_file.rows > 0, demo_file.path.name


def test_generate_portfolio_data_maps_each_contract_source_to_its_main_file(
    small_files: list[DemoFile], tmp_path: Path
) -> None:
    mapping = generate_portfolio_data(tmp_path, scale=0.02)
    assert set(mapping) == {(f.contract_id, f.source) for f in small_files}
    assert all("corrections" not in p.name for p in mapping.values())


def test_timestamps_carry_the_seoul_offset_and_json_columns_parse(
    small_files: list[DemoFile],
) -> None:
    tickets = _rows(_file(small_files, IT, "tickets"))
    assert all(r["created_at"].endswith("+09:00") for r in tickets)
    paused = [json.loads(r["pauses"]) for r in tickets if r["pauses"]]
    assert paused
    assert all(len(p) == 1 and len(p[0]) == 2 for p in paused)
    histories = [json.loads(r["assignments"]) for r in tickets]
    assert all(h[0]["party"] == "nextit" for h in histories)


def _stamps(column: list[str]) -> np.ndarray:
    """Local wall-clock times (the +09:00 offset is the same on every value)."""
    return np.array([v[:19] for v in column if v], dtype="datetime64[s]")


def _days(stamps: np.ndarray) -> list[date]:
    return stamps.astype("datetime64[D]").astype(object).tolist()


def test_weekends_and_korean_holidays_are_quieter_than_working_days(feeds: Feeds) -> None:
    per_day = Counter(_days(_stamps(feeds.calls["offered_at"])))
    weekdays = [n for d, n in per_day.items() if d.weekday() < 5]
    weekends = [n for d, n in per_day.items() if d.weekday() >= 5]
    assert np.mean(weekends) < 0.5 * np.mean(weekdays)
    chuseok = date(2026, 9, 25)  # a Friday
    assert per_day[chuseok] < 0.5 * float(np.median(weekdays))
    mondays = [n for d, n in per_day.items() if d.weekday() == 0]
    thursdays = [n for d, n in per_day.items() if d.weekday() == 3]
    assert np.mean(mondays) > np.mean(thursdays)


def test_calls_peak_late_morning_and_mid_afternoon(feeds: Feeds) -> None:
    offered = _stamps(feeds.calls["offered_at"])
    hours = (offered - offered.astype("datetime64[D]")).astype(np.int64) // 3600
    per_hour = Counter(hours.tolist())
    assert per_hour[10] > per_hour[9]
    assert per_hour[10] > per_hour[12]
    assert per_hour[15] > per_hour[13]
    assert per_hour[15] > per_hour[17]
    assert per_hour[3] == 0  # the lines are closed at night


def test_it_resolution_times_are_worse_in_the_second_half(feeds: Feeds) -> None:
    t = feeds.tickets
    urgent = np.array([p in ("P1", "P2") for p in t["priority"]]) & np.array(
        [bool(v) for v in t["resolved_at"]]
    )
    created = _stamps([c for c, u in zip(t["created_at"], urgent, strict=True) if u])
    resolved = _stamps([r for r, u in zip(t["resolved_at"], urgent, strict=True) if u])
    hours = (resolved - created).astype(np.int64) / 3600
    second_half = created >= np.datetime64("2026-07-01")
    assert np.median(hours[second_half]) > 1.2 * np.median(hours[~second_half])


def test_contact_centre_answers_faster_after_march(feeds: Feeds) -> None:
    c = feeds.calls
    answered = [bool(v) for v in c["answered_at"]]
    offered = _stamps([o for o, a in zip(c["offered_at"], answered, strict=True) if a])
    waits = (_stamps(c["answered_at"]) - offered).astype(np.int64)
    after_march = offered >= np.datetime64("2026-04-01")
    assert np.mean(waits[after_march]) < 0.8 * np.mean(waits[~after_march])


def test_most_of_augusts_orders_are_missing(feeds: Feeds) -> None:
    months = Counter(int(d[5:7]) for d in feeds.orders["promised_at"])
    assert months[8] < 0.2 * months[7]
    assert months[9] > 0.8 * months[7]


def test_priorities_follow_the_declared_mix(feeds: Feeds) -> None:
    t = feeds.tickets
    n = len(t["id"])
    share = {p: k / n for p, k in Counter(t["priority"]).items()}
    assert share["P1"] < share["P2"] < share["P4"] < share["P3"]
    assert 0.01 < share["P1"] < 0.03
    paused = sum(1 for v in t["pauses"] if v) / n
    assert 0.03 < paused < 0.15
    bounced = sum(1 for v in t["assignments"] if v.count('"party"') >= 4) / n
    assert 0.03 < bounced < 0.1


def test_personal_data_is_present_for_pseudonymisation(small_files: list[DemoFile]) -> None:
    calls = _rows(_file(small_files, CC, "calls"))
    assert all(r["caller_phone"].startswith("010-") for r in calls)
    tickets = _rows(_file(small_files, IT, "tickets"))
    assert all(r["requester_email"].endswith("@hanbit.co.kr") for r in tickets)


def test_the_correction_file_repeats_march_tickets_with_earlier_resolutions(
    small_files: list[DemoFile],
) -> None:
    correction = next(f for f in small_files if f.correction)
    fixed = {r["id"]: r for r in _rows(correction.path)}
    original = {r["id"]: r for r in _rows(_file(small_files, IT, "tickets")) if r["id"] in fixed}
    assert fixed
    assert set(fixed) == set(original)
    for ticket_id, row in fixed.items():
        assert _local(row["resolved_at"]) < _local(original[ticket_id]["resolved_at"])
        assert row["created_at"].startswith("2026-03")


def test_the_full_portfolio_stays_within_a_few_hundred_thousand_events(
    small_files: list[DemoFile],
) -> None:
    # Campaigns, outages and payroll do not scale; everything else is a tenth of the full set.
    fixed = sum(f.rows for f in small_files if f.source in UNSCALED)
    scaled = sum(f.rows for f in small_files if f.source not in UNSCALED)
    assert 200_000 < scaled / SMALL + fixed < 500_000


MID_JUNE = datetime(2026, 6, 15, tzinfo=SEOUL)


def test_feeds_cut_at_a_moment_hold_nothing_after_it(tmp_path: Path) -> None:
    files = generate_demo_files(tmp_path, scale=0.05, until=MID_JUNE)
    limit = MID_JUNE.isoformat()  # 2026-06-15T00:00:00+09:00: same offset, so text compares
    for demo_file in files:
        if demo_file.path.suffix != ".csv":
            continue
        for row in _rows(demo_file.path):
            for name, value in row.items():
                if value.startswith("20") and "T" in value:
                    assert value <= limit, (demo_file.path.name, name, value)
                elif value.startswith("[") and value != "[]":
                    for item in json.loads(value):
                        stamps = item if isinstance(item, list) else [item["from"], item["to"]]
                        assert all(s is None or s <= limit for s in stamps), value
    tickets = _rows(next(f.path for f in files if f.contract_id == IT and f.source == "tickets"))
    open_tickets = [r for r in tickets if not r["resolved_at"]]
    assert open_tickets  # work in progress at the cut-off is still open
    assert all(r["reopened"] == "" for r in open_tickets)


def test_the_data_before_a_cut_is_the_data_of_the_whole_year(
    tmp_path: Path, small_files: list[DemoFile]
) -> None:
    cut = generate_portfolio_data(tmp_path, scale=SMALL, until=MID_JUNE)
    whole = {r["id"]: r for r in _rows(_file(small_files, CC, "calls"))}
    for row in _rows(cut[(CC, "calls")]):
        assert row == whole[row["id"]]


def test_nothing_is_written_for_a_moment_before_anything_happened(tmp_path: Path) -> None:
    assert (
        generate_demo_files(tmp_path, scale=0.02, until=datetime(2025, 12, 31, tzinfo=SEOUL)) == []
    )


def test_the_export_moment_is_last_midnight_in_seoul_until_the_year_is_over() -> None:
    # 2026-11-27 09:30 UTC is 18:30 in Seoul: the feeds stop at 00:00 that day.
    assert export_moment(datetime(2026, 11, 27, 9, 30, tzinfo=UTC), 2026) == datetime(
        2026, 11, 27, tzinfo=SEOUL
    )
    # 2026-12-31 15:30 UTC is already 1 January 2027 in Seoul: the whole year is there.
    assert export_moment(datetime(2026, 12, 31, 15, 30, tzinfo=UTC), 2026) is None
