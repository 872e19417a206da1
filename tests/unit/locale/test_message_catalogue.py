"""The loader's and the services' messages, worded in the viewer's language: the values a
message carries are kept, the catalogue's fields agree between the languages."""

from __future__ import annotations

import re

import pytest

from servicepact.locale import Lang, problem_text, translate_message
from servicepact.locale.ko_messages import KO_MESSAGES, TIMESTAMP_HINT_EN
from servicepact.store.events import validation

FIELD = re.compile(r"\{(\w+)\}")


def test_every_korean_message_uses_only_fields_of_its_english_key() -> None:
    # (it may leave one out: the command line's reopen command is not for a page)
    for english, korean in KO_MESSAGES.items():
        assert set(FIELD.findall(korean)) <= set(FIELD.findall(english)), english
        assert FIELD.findall(korean) or not FIELD.findall(english), english


def test_the_timestamp_hint_is_the_loaders_own() -> None:
    assert TIMESTAMP_HINT_EN == validation.TIMESTAMP_HINT


@pytest.mark.parametrize(
    ("english", "korean"),
    [
        ("required value missing", "필수 값이 없습니다"),
        ("row 12, column offered_at", "12행, offered_at 열"),
        ("row 12", "12행"),
        ("below the minimum of 0", "최솟값 0보다 작습니다"),
        ("duplicate id: also in row 3, 9", "중복된 ID: 3, 9행에도 있습니다"),
        ("auditor users cannot load data", "감사인 사용자는 할 수 없는 일입니다: 데이터 적재"),
        ("answered_at: required value missing", "answered_at: 필수 값이 없습니다"),
        (
            "not one of the allowed values: phone, chat",
            "허용된 값이 아닙니다: phone, chat",
        ),
    ],
)
def test_a_message_is_worded_in_korean_with_its_values_kept(english: str, korean: str) -> None:
    assert translate_message(Lang.KO, english) == korean
    assert translate_message(Lang.EN, english) == english  # English stays as written


def test_an_unknown_message_is_shown_as_written() -> None:
    assert translate_message(Lang.KO, "something nobody wrote down") == (
        "something nobody wrote down"
    )


def test_a_problem_reads_place_then_reason() -> None:
    text = problem_text(
        Lang.KO, where="row 2, column answered_at", message="not an integer", line=3
    )
    assert text == "3번째 줄: 2행, answered_at 열: 정수가 아닙니다"
