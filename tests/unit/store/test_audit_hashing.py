"""The audit chain's hashing and the URL helpers: pure functions, no database."""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from servicepact.domain.access import Role
from servicepact.store.db.audit import AuditEntry, canonical_json, chain_hash, json_safe
from servicepact.store.db.columns import UtcDateTime
from servicepact.store.db.engine import make_engine, masked_url, normalise_url

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=6), children, max_size=4)
    ),
    max_leaves=12,
)


def _entry(**changes: object) -> AuditEntry:
    values: dict[str, object] = {
        "seq": 1,
        "at": datetime(2026, 3, 2, 0, 30, tzinfo=UTC),
        "actor_user": "alice",
        "actor_role": Role.CLIENT_MANAGER.value,
        "entity_type": "contract",
        "entity_id": "acme-cs-2026",
        "action": "create",
        "before": None,
        "after": {"version": 1},
        "prev_hash": "0" * 64,
        "row_hash": "",
    }
    values.update(changes)
    return AuditEntry(**values)  # type: ignore[arg-type]


def test_chain_hash_is_sha256_of_previous_hash_and_canonical_content() -> None:
    content = {"b": 1, "a": "x"}
    expected = hashlib.sha256(("0" * 64 + '{"a":"x","b":1}').encode()).hexdigest()
    assert chain_hash("0" * 64, content) == expected


@given(json_values)
def test_canonical_json_ignores_key_order(value: object) -> None:
    if isinstance(value, dict):
        reordered = dict(reversed(list(value.items())))
        assert canonical_json(reordered) == canonical_json(value)
    assert json_safe(json_safe(value)) == json_safe(value)


def test_decimals_dates_and_enums_are_stored_as_exact_text() -> None:
    value = {"share": Decimal("0.10"), "day": date(2026, 5, 1), "role": Role.AUDITOR}
    assert json_safe(value) == {"share": "0.10", "day": "2026-05-01", "role": "auditor"}


def test_a_row_hashes_the_same_whatever_time_zone_its_timestamp_was_given_in() -> None:
    seoul = timezone(timedelta(hours=9))
    utc_row = _entry(at=datetime(2026, 3, 2, 0, 30, tzinfo=UTC))
    seoul_row = _entry(at=datetime(2026, 3, 2, 9, 30, tzinfo=seoul))
    assert utc_row.expected_hash("0" * 64) == seoul_row.expected_hash("0" * 64)


@pytest.mark.parametrize(
    "change",
    [
        {"seq": 2},
        {"actor_user": "bob"},
        {"actor_role": "admin"},
        {"entity_id": "other"},
        {"action": "amend"},
        {"before": {"version": 0}},
        {"after": {"version": 2}},
        {"at": datetime(2026, 3, 2, 0, 30, 0, 1, tzinfo=UTC)},
    ],
)
def test_changing_any_column_changes_the_row_hash(change: dict[str, object]) -> None:
    assert _entry(**change).expected_hash("0" * 64) != _entry().expected_hash("0" * 64)


def test_the_previous_hash_is_part_of_the_row_hash() -> None:
    assert _entry().expected_hash("0" * 64) != _entry().expected_hash("1" * 64)


def test_a_printed_database_url_never_shows_the_password() -> None:
    shown = masked_url("postgresql://app:s3cret@db.internal:5432/servicepact")
    assert "s3cret" not in shown
    assert shown == "postgresql+psycopg://app:***@db.internal:5432/servicepact"


def test_plain_postgresql_urls_use_psycopg_3() -> None:
    assert normalise_url("postgres://u@h/db").drivername == "postgresql+psycopg"
    assert normalise_url("sqlite:///x.db").drivername == "sqlite"


def test_unsupported_databases_are_refused_with_a_reason() -> None:
    with pytest.raises(ValueError, match="unsupported database 'mysql'"):
        make_engine("mysql://u@h/db")
    with pytest.raises(ValueError, match="in-memory"):
        make_engine("sqlite://")


def test_timestamps_without_a_time_zone_are_refused_before_they_reach_storage() -> None:
    column = UtcDateTime()
    dialect = sqlite_dialect()
    with pytest.raises(ValueError, match="time zone"):
        column.process_bind_param(datetime(2026, 3, 2, 9, 30), dialect)
    seoul = datetime(2026, 3, 2, 9, 30, tzinfo=timezone(timedelta(hours=9)))
    assert column.process_bind_param(seoul, dialect) == datetime(2026, 3, 2, 0, 30, tzinfo=UTC)
    assert column.process_result_value(datetime(2026, 3, 2, 0, 30), dialect) == datetime(
        2026, 3, 2, 0, 30, tzinfo=UTC
    )
