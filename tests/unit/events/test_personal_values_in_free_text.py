"""A row's own personal values in its free text: names, tokens of names, other values.

The rule (store/pii.py): every value of a personal-data column with 2+ characters, and
every name token of 2+ Hangul syllables or 3+ Latin letters, is masked in the same row's
TEXT columns; Hangul anywhere, Latin and digits only where no Latin letter or digit
touches the match, case ignored.
"""

from __future__ import annotations

import hashlib
import hmac
from pathlib import Path

import pyarrow as pa
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from servicepact.domain.contracts import DataProtection
from servicepact.domain.event_types import BUILT_IN, PersonalData
from servicepact.store import pii
from servicepact.store.events import read_events_for_evaluation

NAME, EMAIL, EMPLOYEE = PersonalData.NAME, PersonalData.EMAIL, PersonalData.EMPLOYEE_ID
KEY = b"unit-test-key"


def masked(texts: list[str | None], *personal: tuple[PersonalData, list[str | None]]) -> list:
    columns = [(category, pa.array(values, pa.string())) for category, values in personal]
    return pii.FreeTextMasker().mask(pa.array(texts, pa.string()), columns).to_pylist()


@pytest.mark.parametrize(
    ("name", "text", "expected"),
    [
        ("김민지", "김민지님 프린터 고장", "[name]님 프린터 고장"),
        ("김민지", "민지 is not masked alone? 김민지씨", "민지 is not masked alone? [name]씨"),
        ("김 민지", "민지씨가 전화함", "[name]씨가 전화함"),  # token 민지: 2 syllables
        ("Kim Minji", "Kim Minji called", "[name] [name] called"),
        ("Kim Minji", "MINJI called back", "[name] called back"),  # case ignored
        (
            "Ann Lee",
            "Ann called about the Annual planning",
            "[name] called about the Annual planning",
        ),
        ("Ann Lee", "Lee's printer; Leeds office", "[name]'s printer; Leeds office"),
        ("Li Na", "Li Na from Linux team", "[name] from Linux team"),  # whole value, no token
        ("Li Na", "Linux and Nagios", "Linux and Nagios"),  # 2-letter tokens never alone
        ("Émile Zola", "émile asked", "[name] asked"),
    ],
)
def test_a_rows_own_name_is_masked_in_its_text_without_touching_longer_latin_words(
    name: str, text: str, expected: str
) -> None:
    assert masked([text], (NAME, [name])) == [expected]


def test_only_the_rows_own_values_are_masked_not_other_rows() -> None:
    texts = ["Park asked Kim", "Park asked Kim"]
    assert masked(texts, (NAME, ["Park Jisoo", "Kim Minji"])) == [
        "[name] asked Kim",
        "Park asked [name]",
    ]


def test_other_personal_values_are_masked_by_their_category_at_boundaries() -> None:
    texts = ["mail kim@example.com, employee E12 not E123", None, "nothing"]
    result = masked(
        texts,
        (EMAIL, ["kim@example.com", "x@y.kr", None]),
        (EMPLOYEE, ["E12", "E12", "E12"]),
    )
    assert result == ["mail [email], employee [employee] not E123", None, "nothing"]


def test_rows_without_personal_values_are_returned_unchanged() -> None:
    assert masked(["Kim called"], (NAME, [None])) == ["Kim called"]
    assert masked(["Kim called"], (NAME, [" "])) == ["Kim called"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("refund to 110-123-456789 please", "refund to [account] please"),  # 3-3-6, 12 digits
        ("kakao 3333-01-1234567", "kakao [account]"),  # 4-2-7, 13 digits
        ("acct 12345678901234", "acct [account]"),  # one run of 14 digits
        ("acct 1234567890 ok", "acct [account] ok"),  # one run of 10 digits: the least
        ("acct 123456789012345", "acct 123456789012345"),  # 15 digits: too long
        ("order of 2026-03-15", "order of 2026-03-15"),  # 8 digits: a date
        ("call 010-1234-5678", "call [phone]"),  # the phone pattern runs first
        ("invoice 123456789", "invoice 123456789"),  # 9 digits: too short
    ],
)
def test_account_number_look_alikes_are_masked_where_the_contract_declares_them(
    text: str, expected: str, tmp_path: Path
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(f"id,created_at,summary\nT1,2026-01-05T09:00:00Z,{text}\n", encoding="utf-8")

    def stored(protection: DataProtection) -> str:
        [row] = read_events_for_evaluation(
            path, BUILT_IN["tickets"], data_protection=protection, pseudonym_key=KEY
        ).to_pylist()
        return str(row["summary"])

    declared = DataProtection(personal_data=(PersonalData.ACCOUNT_NUMBER,))
    assert stored(declared) == expected
    assert stored(DataProtection()) == pii.mask_text(text)  # not declared: not looked for


def test_the_summary_is_masked_at_load_while_the_name_column_is_pseudonymised(
    tmp_path: Path,
) -> None:
    path = tmp_path / "t.csv"
    path.write_text(
        "id,created_at,requester_name,requester_phone,summary\n"
        "T1,2026-01-05T09:00:00Z,이서연,010-1234-5678,이서연 고객 010-1234-5678 연락 요망\n",
        encoding="utf-8",
    )
    protection = DataProtection(personal_data=(NAME, PersonalData.PHONE))
    [row] = read_events_for_evaluation(
        path, BUILT_IN["tickets"], data_protection=protection, pseudonym_key=KEY
    ).to_pylist()
    assert row["summary"] == "[name] 고객 [phone] 연락 요망"
    assert (
        row["requester_name"]
        == "ps_" + hmac.new(KEY, "이서연".encode(), hashlib.sha256).hexdigest()[:32]
    )


def test_a_quarantined_row_has_its_name_masked_in_its_text_too() -> None:
    row = {"id": "T1", "created_at": "bad", "requester_name": "Kim Minji", "summary": "Minji here"}
    kept = pii.mask_row(row, {"requester_name"}, {"requester_name": NAME})
    assert kept["summary"] == "[name] here"
    assert "Kim Minji" not in str(kept)


def test_a_quarantined_row_whole_masked_value_by_value() -> None:
    row = {
        "id": "T1",
        "created_at": "",
        "csat": None,
        "requester_name": "Kim Minji",
        "requester_email": 12345,  # not text: masked as a value, never looked for in text
        "summary": "Kim asked 12345; call 010-1234-5678, Mr. Park, employee E10001",
    }
    kept = pii.mask_row(
        row,
        {"requester_name", "requester_email"},
        {"requester_name": NAME, "requester_email": EMAIL},
        employee_patterns=[r"E[0-9]{5}"],
    )
    assert kept == {
        "id": "T1",
        "created_at": "",
        "csat": None,
        "requester_name": "[masked, 9 characters]",
        "requester_email": "[masked, 5 characters]",
        "summary": "[name] asked 12345; call [phone], Mr. [name], employee [employee]",
    }
    assert pii.mask_value("") == "[masked, 0 characters]"


def test_the_personal_columns_of_tickets_are_those_with_a_category() -> None:
    tickets = BUILT_IN["tickets"]
    assert pii.personal_columns(tickets) == {"requester_name", "requester_email", "requester_phone"}
    assert pii.personal_categories(tickets) == {
        "requester_name": NAME,
        "requester_email": EMAIL,
        "requester_phone": PersonalData.PHONE,
    }


SYLLABLES = st.characters(min_codepoint=0xAC00, max_codepoint=0xD7A3)


@settings(deadline=None, max_examples=60)
@given(
    name=st.text(SYLLABLES, min_size=2, max_size=4),
    before=st.text(max_size=12),
    after=st.text(max_size=12),
)
def test_a_korean_name_never_survives_in_its_rows_text(name: str, before: str, after: str) -> None:
    [result] = masked([f"{before}{name}{after}"], (NAME, [name]))
    assert name not in result


@settings(deadline=None, max_examples=60)
@given(
    name=st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=3, max_size=8),
    word=st.text(st.sampled_from("abcdefghijklmnopqrstuvwxyz"), min_size=1, max_size=4),
)
def test_a_latin_name_inside_a_longer_word_is_left_alone(name: str, word: str) -> None:
    assume(word.lower() != name.lower())
    text = f"{name}{word} {word}{name}"
    assert masked([text], (NAME, [name])) == [text]
    assert masked([f"{word} {name}."], (NAME, [name])) == [f"{word} [name]."]


@pytest.mark.parametrize(
    ("value", "category", "needles"),
    [
        ("Kim Minji", NAME, ["Kim Minji", "Kim", "Minji"]),
        (" (Kim), Lee ", NAME, ["(Kim), Lee", "Kim", "Lee"]),  # punctuation stripped
        ("Li Na", NAME, ["Li Na"]),  # Latin tokens of 2 letters are not looked for alone
        ("Kim yu", NAME, ["Kim yu", "Kim"]),  # "yu": 2 lowercase Latin letters, no Hangul
        # ª (U+00AA) lies before the accented Latin letters (U+00C0 on): "Srª" is no token
        ("Srª Silva", NAME, ["Srª Silva", "Silva"]),
        ("Kim E123", NAME, ["Kim E123", "Kim"]),  # a token with a digit is no name token
        ("가힣", NAME, ["가힣", "가힣"]),  # first and last Hangul syllables, 2 of them
        ("김 민지", NAME, ["김 민지", "민지"]),  # one syllable alone is not looked for
        ("Àɏz", NAME, ["Àɏz", "Àɏz"]),  # first and last accented Latin letters, 3 letters
        ("ab", EMAIL, ["ab"]),  # 2 characters: the shortest value looked for
        (" x ", EMAIL, []),
        ("E10001", EMPLOYEE, ["E10001"]),  # only names are cut into tokens
    ],
)
def test_what_of_a_personal_value_is_looked_for_in_free_text(
    value: str, category: PersonalData, needles: list[str]
) -> None:
    mask = pii.CATEGORY_MASKS[category]
    assert pii.value_needles(value, category) == [(needle, mask) for needle in needles]


@pytest.mark.parametrize(
    ("text", "needles", "expected"),
    [
        ("Kim called", [("Kim", "[name]")], "[name] called"),  # Kelvin sign: lower() is k
        # "ſ" (long s) matches "S" ignoring case, yet "ſam" is not the lower case of "Sam":
        # the match is still masked, with the mask that names no category
        ("ſam called", [("Sam", "[name]")], "[masked] called"),
    ],
)
def test_a_match_found_only_by_unicode_case_folding_is_masked_all_the_same(
    text: str, needles: list[tuple[str, str]], expected: str
) -> None:
    assert pii.mask_needles(text, needles) == expected


def test_a_quarantined_rows_empty_values_stay_empty_and_are_not_called_masked() -> None:
    row = {"id": "T1", "requester_name": "", "requester_email": None, "summary": ""}
    kept = pii.mask_row(row, {"requester_name", "requester_email"}, {"requester_name": NAME})
    assert kept == row
