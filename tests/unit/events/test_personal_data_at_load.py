"""Personal data at load: pseudonyms, dropped columns, masked free text and messages."""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from servicepact.domain.contracts import DataProtection, Treatment
from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_types import BUILT_IN, PersonalData
from servicepact.store import pii
from servicepact.store.events import read_events_for_evaluation

TICKETS = BUILT_IN["tickets"]
KEY = b"unit-test-key"


def test_a_pseudonym_is_the_keyed_hash_prefixed_and_cut_to_32_hex_digits() -> None:
    expected = "ps_" + hmac.new(KEY, b"Kim Minji", hashlib.sha256).hexdigest()[:32]
    assert pii.Pseudonymiser(KEY).one("Kim Minji") == expected


def test_a_key_longer_than_a_block_is_hashed_first_as_hmac_requires() -> None:
    key = b"k" * 100
    expected = "ps_" + hmac.new(key, b"x", hashlib.sha256).hexdigest()[:32]
    assert pii.Pseudonymiser(key).one("x") == expected


def test_a_key_of_exactly_one_block_is_used_as_it_is() -> None:
    key = b"k" * 64  # SHA-256's block: not hashed first (RFC 2104)
    expected = "ps_" + hmac.new(key, b"x", hashlib.sha256).hexdigest()[:32]
    assert pii.Pseudonymiser(key).one("x") == expected
    with pytest.raises(ValueError, match=r"^the pseudonym key is empty$"):
        pii.Pseudonymiser(b"")


@settings(deadline=None)  # the first call pays for imports and warm-up
@given(st.lists(st.one_of(st.none(), st.text(max_size=20)), max_size=30))
def test_pseudonymising_a_column_equals_hashing_each_value(
    values: list[str | None],
) -> None:
    pseudonymiser = pii.Pseudonymiser(KEY)
    expected = [None if v is None else pseudonymiser.one(v) for v in values]
    assert pseudonymiser.column(pa.array(values, pa.string())).to_pylist() == expected
    # and again, now from the cache
    assert pseudonymiser.column(pa.array(values, pa.string())).to_pylist() == expected


@settings(deadline=None, max_examples=50)
@given(
    st.lists(
        st.lists(st.one_of(st.none(), st.text(max_size=8), st.sampled_from(["김민지", "Kim"]))),
        max_size=8,
    ),
    st.one_of(st.integers(min_value=1, max_value=6), st.just(1_000_000)),
)
def test_chunk_after_chunk_each_pseudonym_is_byte_identical_to_hmac_new(
    chunks: list[list[str | None]], limit: int
) -> None:
    # Values recur across chunks (the known-values lookup answers) and the memory
    # limit is made tiny so the lookup also starts afresh in the middle of a file.
    pseudonymiser = pii.Pseudonymiser(KEY)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(pii, "_CACHE_LIMIT", limit)
        for values in chunks:
            expected = [
                None
                if v is None
                else "ps_" + hmac.new(KEY, v.encode(), hashlib.sha256).hexdigest()[:32]
                for v in values
            ]
            got = pseudonymiser.column(pa.array(values, pa.string()), name="requester_name")
            assert got.to_pylist() == expected


def test_a_hash_collision_in_the_lookup_costs_a_rehash_never_a_wrong_pseudonym() -> None:
    # Every value given the same lookup hash: each candidate is compared with the value.
    pseudonymiser = pii.Pseudonymiser(KEY)
    values = ["Kim", "Lee", "Park", "Kim", None]
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            pii.Pseudonymiser, "_hashes", lambda self, a: np.zeros(len(a), dtype=np.uint64)
        )
        for _ in range(2):
            got = pseudonymiser.column(pa.array(values, pa.string())).to_pylist()
            assert got == [None if v is None else pseudonymiser.one(v) for v in values]


def test_values_of_every_sha256_block_count_give_hmac_new_bytes() -> None:
    # 0-55 bytes pad into one block, 56-63 need a second, 64+ start with whole blocks of
    # the value; multi-byte characters, a sliced array, nulls and a long key besides.
    key = b"k" * 100
    values = ["", "a", "김민지", "x" * 55, "y" * 56, "z" * 63, "w" * 64, "v" * 119, "u" * 120]
    values += ["한" * 40, None, "q" * 300]
    pseudonymiser = pii.Pseudonymiser(key)
    expected = [
        None if v is None else "ps_" + hmac.new(key, v.encode(), hashlib.sha256).hexdigest()[:32]
        for v in values
    ]
    array = pa.array(["pad", *values], pa.string()).slice(1)
    assert pseudonymiser.column(array, name="n").to_pylist() == expected
    assert pseudonymiser.many(pa.array([v for v in values if v is not None])).to_pylist() == [
        e for e in expected if e is not None
    ]


def test_thousands_of_new_values_hashed_at_once_are_found_again_in_any_order() -> None:
    # 150,000 first-seen values hashed in one call; the second pass is answered entirely
    # from the known values.
    values = [f"Customer {i}" for i in range(150_000)]
    pseudonymiser = pii.Pseudonymiser(KEY)
    first = pseudonymiser.column(pa.array(values), name="n").to_pylist()
    again = pseudonymiser.column(pa.array(values[::-1]), name="n").to_pylist()
    reference = pii.Pseudonymiser(KEY)
    sample = range(0, 150_000, 997)
    assert [first[i] for i in sample] == [reference.one(values[i]) for i in sample]
    assert again == first[::-1]


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("주민번호 900101-1234567 입니다", "주민번호 [rrn] 입니다"),
        ("rrn 0203154123456", "rrn [rrn]"),  # no hyphen, born 2002, foreign-resident digit 4
        ("call 010-1234-5678", "call [phone]"),
        ("call 01012345678", "call [phone]"),
        ("office 02-123-4567", "office [phone]"),
        ("busan 051 234 5678", "busan [phone]"),
        ("intl +82 10-1234-5678", "intl [phone]"),
        ("intl +82(0)2-123-4567", "intl [phone]"),
        ("mail kim.minji+cs@example.co.kr now", "mail [email] now"),
        ("order 2026-01-05 qty 12", "order 2026-01-05 qty 12"),
        ("invoice 12345678", "invoice 12345678"),
    ],
)
def test_free_text_is_masked_for_resident_numbers_phones_and_emails(text: str, masked: str) -> None:
    assert pii.mask_text(text) == masked
    assert pii.mask_text_column(pa.array([text, None])).to_pylist() == [masked, None]


def test_a_month_13_is_not_taken_for_a_resident_number() -> None:
    assert pii.mask_text("ref 901301-1234567") == "ref 901301-1234567"


def test_declared_categories_are_pseudonymised_undeclared_dropped_and_allowed_kept(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,created_at,requester_name,requester_email,requester_phone,summary\n"
        "T1,2026-01-05T09:00:00Z,Kim Minji,kim@example.com,010-1234-5678,"
        "call me on 010-9999-8888\n",
        encoding="utf-8",
    )
    protection = DataProtection(
        personal_data=(PersonalData.NAME, PersonalData.EMAIL),
        allow_in_clear=(PersonalData.EMAIL,),
    )
    assert protection.treatment_for(PersonalData.PHONE) is Treatment.DROP
    [row] = read_events_for_evaluation(
        path, TICKETS, data_protection=protection, pseudonym_key=KEY
    ).to_pylist()
    assert row["requester_name"] == pii.Pseudonymiser(KEY).one("Kim Minji")
    assert row["requester_email"] == "kim@example.com"  # explicitly allowed in clear
    assert row["requester_phone"] is None  # dropped
    assert row["summary"] == "call me on [phone]"


def test_error_messages_never_show_a_personal_value_in_clear(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,created_at,requester_email,summary\n"
        "T1,not-a-time,kim@example.com,ring 010-1234-5678\n"
        "T2,2026-01-05T09:00:00Z,lee@example.com,ok\n"
        "T2,2026-01-05T09:00:00Z,lee@example.com,again\n",
        encoding="utf-8",
    )
    with pytest.raises(InvalidInput) as caught:
        read_events_for_evaluation(
            path, TICKETS, data_protection=DataProtection(), pseudonym_key=KEY
        )
    text = str(caught.value) + repr(caught.value.problems)
    for raw in ("kim@example.com", "lee@example.com", "010-1234-5678"):
        assert raw not in text


def test_an_id_that_is_personal_data_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,created_at\n010-1234-5678,2026-01-05T09:00:00Z\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match="looks like personal data") as caught:
        read_events_for_evaluation(
            path, TICKETS, data_protection=DataProtection(), pseudonym_key=KEY
        )
    assert "010-1234-5678" not in str(caught.value)


def test_a_required_column_the_contract_would_drop_is_refused_before_reading(
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.csv"
    path.write_text("id\n", encoding="utf-8")
    with pytest.raises(InvalidInput, match=r"add employee_id to data_protection\.personal_data"):
        read_events_for_evaluation(
            path,
            BUILT_IN["payroll_items"],
            data_protection=DataProtection(),
            pseudonym_key=KEY,
        )


def _ps(value: str) -> str:
    return "ps_" + hmac.new(KEY, value.encode(), hashlib.sha256).hexdigest()[:32]


# Six rows: one personal column per role (below), an id per row.
#  0  whole token at the end, value padded         → the employee's pseudonym
#  1  the value in another case                     → found, but ids keep their case
#  2  the value inside a longer token (E10003X)     → found, not a whole token: kept
#  3  a 2-character value (E1) in the id            → too short to be looked for
#  4  name and employee number both in the id       → both replaced, employee first
#  5  no id                                         → stays null
_IDS = ["PAY-2026-01-E10001", "pay-e10002-x", "E10003X", "ID-E1-7", "Choi-2026-E10005", None]
_PERSONAL_IN_IDS = [
    ("requester_phone", pa.array(["12", "34", None, "5", "", "1"])),  # all too short
    ("requester_email", pa.array(["kim@x.kr", None, None, None, "choi@x.kr", None])),  # in none
    ("customer_code", pa.array(["zzz", "E10002", "E10003", None, None, None])),  # never whole
    (
        "employee_id",
        pa.chunked_array([[" E10001 ", None, None], ["E1", "E10005", "E10006"]]),
    ),
    ("requester_name", pa.array(["Kim", "Lee", "Park", "Li", "Choi", None])),
]


def test_an_id_holding_its_rows_personal_values_gets_their_pseudonyms() -> None:
    ids = pa.chunked_array([_IDS[:2], _IDS[2:]])
    got = pii.protect_ids(
        ids,
        _PERSONAL_IN_IDS,
        id_column="id",
        pseudonymiser=pii.Pseudonymiser(KEY),
        masker=pii.FreeTextMasker(),
        refuse=False,
    )
    assert got.to_pylist() == [
        "PAY-2026-01-" + _ps("E10001"),
        "pay-e10002-x",
        "E10003X",
        "ID-E1-7",
        _ps("Choi") + "-2026-" + _ps("E10005"),
        None,
    ]


def test_an_id_holding_its_rows_personal_values_is_refused_with_the_rows_when_asked() -> None:
    with pytest.raises(pii.PersonalDataInId) as caught:
        pii.protect_ids(
            pa.array(_IDS),
            _PERSONAL_IN_IDS,
            id_column="id",
            pseudonymiser=pii.Pseudonymiser(KEY),
            masker=pii.FreeTextMasker(),
            refuse=True,
        )
    assert str(caught.value) == "id holds the value of employee_id"
    assert (caught.value.column, caught.value.source) == ("id", "employee_id")
    assert caught.value.positions == [0, 4]


def test_at_load_an_id_holding_the_rows_name_is_pseudonymised_unless_allowed(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,created_at,requester_name,requester_email,requester_phone,summary\n"
        "Kim-1,2026-01-05T09:00:00Z,Kim,kim@example.com,010-1234-5678,Kim asked\n"
        "T2-Leeward,2026-01-05T09:00:00Z,Lee,lee@example.com,,Lee asked\n",
        encoding="utf-8",
    )
    protection = DataProtection(
        personal_data=(PersonalData.NAME, PersonalData.EMAIL),
        allow_in_clear=(PersonalData.EMAIL,),
    )
    rows = read_events_for_evaluation(
        path, TICKETS, data_protection=protection, pseudonym_key=KEY
    ).to_pylist()
    # the name is pseudonymised, in the id too (as a whole token only)
    assert [r["id"] for r in rows] == [_ps("Kim") + "-1", "T2-Leeward"]
    assert [r["requester_name"] for r in rows] == [_ps("Kim"), _ps("Lee")]
    assert [r["requester_email"] for r in rows] == ["kim@example.com", "lee@example.com"]
    assert [r["requester_phone"] for r in rows] == [None, None]  # dropped: declared nowhere
    assert [r["summary"] for r in rows] == ["[name] asked", "[name] asked"]
    # a name allowed in clear stays in clear, in the id as well
    allowed = DataProtection(
        personal_data=(PersonalData.NAME,), allow_in_clear=(PersonalData.NAME,)
    )
    rows = read_events_for_evaluation(
        path, TICKETS, data_protection=allowed, pseudonym_key=KEY
    ).to_pylist()
    assert [r["id"] for r in rows] == ["Kim-1", "T2-Leeward"]
    assert [r["requester_name"] for r in rows] == ["Kim", "Lee"]
    assert [r["requester_email"] for r in rows] == [None, None]


def test_protecting_a_table_pseudonymises_names_in_ids_without_being_asked_to_refuse() -> None:
    table = pa.table(
        {
            "id": ["Kim-1", "T-2"],
            "requester_name": ["Kim", "Lee"],
            "requester_phone": ["010-1234-5678", None],
            "summary": ["Kim asked", "call 010-9999-8888"],
        }
    )
    plan = {"requester_name": Treatment.PSEUDONYMISE, "requester_phone": Treatment.DROP}
    got = pii.protect(table, TICKETS, plan=plan, pseudonymiser=pii.Pseudonymiser(KEY))
    assert got.schema == table.schema
    assert got.to_pydict() == {
        "id": [_ps("Kim") + "-1", "T-2"],
        "requester_name": [_ps("Kim"), _ps("Lee")],
        "requester_phone": [None, None],
        "summary": ["[name] asked", "call [phone]"],
    }


def test_protecting_a_table_can_refuse_an_id_holding_its_rows_name() -> None:
    table = pa.table({"id": ["T-1", "Kim-2"], "requester_name": ["Lee", "Kim"]})
    plan = {"requester_name": Treatment.PSEUDONYMISE}
    with pytest.raises(pii.PersonalDataInId) as caught:
        pii.protect(
            table,
            TICKETS,
            plan=plan,
            pseudonymiser=pii.Pseudonymiser(KEY),
            refuse_personal_ids=True,
        )
    assert str(caught.value) == "id holds the value of requester_name"
    assert caught.value.positions == [1]
    assert "Kim" not in str(caught.value)


def test_account_look_alikes_are_left_alone_unless_the_contract_declares_account_numbers() -> None:
    # A 12-digit account number in groups: masked only by a masker told about accounts.
    table = pa.table({"id": ["T-1"], "summary": ["refund to 110-123-456789"]})
    kept = pii.protect(table, TICKETS, plan={}, pseudonymiser=pii.Pseudonymiser(KEY))
    assert kept.column("summary").to_pylist() == ["refund to 110-123-456789"]
    masked = pii.protect(
        table,
        TICKETS,
        plan={},
        pseudonymiser=pii.Pseudonymiser(KEY),
        masker=pii.FreeTextMasker(accounts=True),
    )
    assert masked.column("summary").to_pylist() == ["refund to [account]"]


def test_a_column_of_repeated_values_is_masked_value_by_value() -> None:
    # 6 values, 3 distinct (a null among them): each distinct value is scanned once
    values = pa.array(["phone", "phone", "phone", "call 010-1234-5678", "call 010-1234-5678", None])
    assert pii.mask_text_column(values).to_pylist() == [
        "phone",
        "phone",
        "phone",
        "call [phone]",
        "call [phone]",
        None,
    ]


def test_a_missing_value_never_looks_like_personal_data() -> None:
    looks = pii.column_has_personal_data(pa.array([None, "kim@example.com", "T-1"]))
    assert looks.to_pylist() == [False, True, False]


def test_a_column_of_nulls_is_pseudonymised_to_a_string_column_of_nulls() -> None:
    got = pii.Pseudonymiser(KEY).column(pa.array([None, None], pa.string()), name="requester_name")
    assert (got.type, got.to_pylist()) == (pa.string(), [None, None])
