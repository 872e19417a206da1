"""Personal data at load: pseudonymise, drop or keep per the contract, and mask free text.

Every column an event type marks with a personal-data category is treated as the
contract's ``data_protection`` says (``DataProtection.treatment_for``):

* ``pseudonymise`` — replaced by a keyed hash, ``ps_`` + the first 32 hex digits of
  HMAC-SHA-256(key, value). The same value always gives the same pseudonym under the
  same key, so joins and counts still work, while the key (from the settings, never
  stored in the database) is needed to test a guess. 128 bits keep collisions out of
  reach for any realistic number of people.
* ``drop`` — the column is emptied before anything is written.
* ``allow`` — kept in clear, only for categories the contract lists in ``allow_in_clear``.

Other string columns (free text above all) are scanned for the personal data people
type into them — Korean resident registration numbers, phone numbers and e-mail
addresses — and each match is replaced by ``[rrn]``, ``[phone]`` or ``[email]``.
The same patterns mask values in error messages and logs (``mask_text``), and
``mask_value`` hides a whole value of a personal-data column.

The patterns, and why they are shaped so:

* resident registration number (주민등록번호): ``YYMMDD-GNNNNNN`` — six digits that
  form a plausible date (month 01-12, day 01-31), an optional hyphen (spaces around
  it allowed), then seven digits whose first digit ``G`` is 1-8. 1-4 are citizens
  (born 1900s / 2000s, male / female), 5-8 foreign residents (외국인등록번호 share
  the shape), so the rule is wider than citizens only; 9 and 0 (born in the 1800s)
  are left out because no living person has them and they collide with other
  numbers. The trailing check digit is not verified: numbers issued since
  October 2020 no longer satisfy it, and a false positive only masks a number.
* phone: Korean mobile numbers (010, 011, 016, 017, 018, 019), Seoul 02, the
  area codes 031-064 and 070 internet phones, each with 3-4 + 4 digits separated
  by nothing, a hyphen, a dot or a space; the same with ``+82`` (optionally
  followed by the trunk 0 in parentheses or not) instead of the leading 0.
* e-mail: ``local@domain.tld`` with the usual characters of a local part.
* account number (only where the contract declares ``account_number`` data): Korean
  bank accounts are written as 3-4 groups of digits joined by hyphens (110-123-456789,
  3333-01-1234567, 123456-78-901234) or as one run, 10 to 14 digits in all. The
  regular expression finds digit groups; a candidate is masked only when it holds
  10-14 digits, so dates (2026-03-15) and short references are left alone.

Values of the row's own personal-data columns in its free text (``FreeTextMasker``):
a ticket summary often names the requester ("김민지님 010-… 연락 요망"). Each value of
a personal-data column (a name, an e-mail, an employee id …) is looked for in the same
row's TEXT columns, and so is each token of a name (a whitespace-separated part,
punctuation at its ends removed) made of at least 2 Hangul syllables or 3 Latin
letters alone. A match becomes
the category's mask (``[name]``, ``[email]`` …). The rule for where a match may start
and end:

* Hangul matches anywhere: particles and titles attach to a name (김민지님, 민지씨가).
* A needle that starts (ends) with a Latin letter or digit only matches where the
  text has no Latin letter or digit just before (after) it, so the name "Ann" masks
  "Ann called" but not "Annual" or "planning", and employee id "E12" not "E123".
* Matching ignores case ("KIM" for "Kim"). Shorter tokens (a 1-syllable Hangul token,
  "Li", "Al") are not searched alone: they would mask ordinary words; the whole value
  is still searched when it has 2 characters or more.

Finding them is vectorised: Arrow splits names into tokens and pairs each needle with
its row's text, DuckDB tests ``contains`` on all pairs at once (case folded by Arrow),
and Python rewrites only the rows that do contain one of their own values.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from servicepact.domain.contracts import DataProtection, Treatment
from servicepact.domain.event_types import ColumnType, EventType, PersonalData

if TYPE_CHECKING:
    import duckdb

PSEUDONYM_PREFIX = "ps_"
PSEUDONYM_HEX_DIGITS = 32  # 128 bits of the HMAC: collision-free for any realistic population

# Patterns are written once in a syntax both Python's ``re`` and RE2 (used by
# pyarrow.compute on whole columns) read the same way: no look-around, ASCII classes.
_D = "[0-9]"
RRN_PATTERN = (
    rf"\b{_D}{{2}}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]{_D}|3[01])"
    rf"\s?-?\s?[1-8]{_D}{{6}}\b"
)
PHONE_PATTERN = (
    r"(?:\+82[-. ]?(?:\(0\)|0)?|\b0)"
    r"(?:1[016789]|2|3[1-3]|4[1-4]|5[1-5]|6[1-4]|70)"
    rf"[-. ]?{_D}{{3,4}}[-. ]?{_D}{{4}}\b"
)
EMAIL_PATTERN = r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}"

# Order matters: e-mail first (its local part may hold digits), then the resident
# number (13 digits would otherwise be half-read as a phone number), then phones.
MASKS: tuple[tuple[str, str], ...] = (
    (EMAIL_PATTERN, "[email]"),
    (RRN_PATTERN, "[rrn]"),
    (PHONE_PATTERN, "[phone]"),
)
_COMPILED = tuple((re.compile(pattern), token) for pattern, token in MASKS)

# Third parties in free text: people and places a row names besides its own values.
# Each pattern is written once for Python's ``re`` and RE2 alike; group 1 is what is masked,
# the other groups are put back (the title after a name stays: "[name] 대리").
_HANGUL = "\uac00-\ud7a3"
# Korean road-name addresses (도로명주소): a road (…로, …길, …번길) and its building number,
# with the city, district and town before it when they are there: 서울특별시 강남구
# 테헤란로 152, 강남대로94길 15, 세종대로 110-1.
_REGION = rf"(?:[{_HANGUL}]{{1,10}}(?:특별시|광역시|특별자치시|특별자치도|도|시|군|구|읍|면)\s)"
# The number must not be a count (메일로 3건, 서버로 2개): it may not run into a counter word.
_COUNTERS = "건개명회분시일월년원차번장대통권병배주초"
ROAD_ADDRESS_PATTERN = (
    rf"((?:{_REGION}){{0,3}}[{_HANGUL}0-9]{{1,12}}(?:대로|로|길)(?:\s?[0-9]{{1,4}}(?:번길|길))?"
    rf"\s(?:[0-9]{{1,4}}-[0-9]{{1,4}}|[0-9]{{1,4}}))([^0-9{_COUNTERS}-]|$)"
)
# Lot-number addresses (지번주소): a neighbourhood (…동, …리, …가) and its lot, 역삼동 737 번지
# or 역삼동 123-45 (a plain "2동 3" is too common a phrase to mask without 번지 or a hyphen).
LOT_ADDRESS_PATTERN = (
    rf"((?:{_REGION}){{0,3}}[{_HANGUL}0-9]{{1,10}}(?:동|리|가)\s?"
    rf"(?:[0-9]{{1,5}}-[0-9]{{1,5}}(?:\s?번지)?|[0-9]{{1,5}}\s?번지))"
)
# Romanised road-name addresses in English text: 152 Teheran-ro, Teheran-ro 152,
# Gangnam-daero 94-gil 15.
ROMAN_ADDRESS_PATTERN = (
    r"((?:\b[0-9]{1,4}(?:-[0-9]{1,4})?,?\s)?[A-Z][a-z]+(?:-daero|-ro|-gil)"
    r"(?:\s[0-9]{1,4}-gil)?(?:\s[0-9]{1,4}(?:-[0-9]{1,4})?)?)\b"
)
# Korean names before an honorific or a title (김민지님, 박서준 대리, 남궁민 과장님): a common
# surname and one or two syllables, then a space and a title; written together (김민지님,
# 이영희과장님) the name must have three syllables, so that 고객님, 기사님, 선생님 stay. Words
# that take the same titles are shielded first (``_TITLED_WORDS``): 신규 과장, 사용자님.
_DOUBLE_SURNAMES = "남궁|황보|제갈|선우|독고|사공|서문"
_SINGLE_SURNAMES = (
    "[김이박최정강조윤장임한오서신권황안송류유전홍고문양손배백허남심노하곽성차주우구민진나지엄변"
    "채원천방공현함염여추도소석선설마길연위표명기반라왕금옥육인맹제모탁국어은편용예경봉]"
)
_TITLES = (
    "선생님|고객님|회원님|기사님|본부장|센터장|매니저|과장|대리|부장|차장|팀장|사원|주임|실장|이사|"
    "대표|상무|전무|계장|주무관|선임|책임|수석|연구원|교수|원장|소장|님|씨"
)
TITLED_NAME_PATTERN = (
    rf"((?:{_DOUBLE_SURNAMES})[{_HANGUL}]{{1,2}}|{_SINGLE_SURNAMES}[{_HANGUL}]{{2}})({_TITLES})"
)
SPACED_TITLED_NAME_PATTERN = (
    rf"((?:{_DOUBLE_SURNAMES}|{_SINGLE_SURNAMES})[{_HANGUL}]{{1,2}})(\s)({_TITLES})"
)
# Words that take a title like a name does: shielded before names are looked for. Written
# together with the title only words of three syllables or more could pass for a name.
_TITLED_WORDS_SPACED = (
    "고객|담당자|담당|기사|선생|관리자|상담사|상담원|회원|사장|부장|과장|차장|팀장|이사|대표|직원|"
    "사원|주임|본인|신청자|요청자|작성자|문의자|보호자|환자|학생|손님|관계자|책임자|운영자|개발자|"
    "사용자|이용자|구매자|판매자|전문가|고객사|협력사|거래처|지점장|점장|신규|기존|해당|동료|상사|"
    "후임|선임|신입|원장|소장|반장|조장|공장장|실장|전무|상무|교수|연구원|주무관|계장|수석|책임|"
    "기장|선장|국장|이장|시장|구청장|동장|경비|간호사|의사|변호사|세무사|노무사|회계사|강사|코치|"
    "감독|선수|작가|기자|위원|위원장|의원|총무|경리|인사|주인|모든|다른|이번|저희|우리"
)
_TITLED_WORDS_JOINED = (
    "담당자|관리자|상담사|상담원|신청자|요청자|작성자|문의자|보호자|관계자|책임자|운영자|개발자|"
    "사용자|이용자|구매자|판매자|전문가|고객사|협력사|거래처|지점장|공장장|연구원|주무관|구청장|"
    "간호사|변호사|세무사|노무사|회계사|위원장|여러분"
)
_SHIELD = "\x01"  # control characters never reach storage (refused at input): a safe marker
TITLED_WORD_PATTERN = (
    rf"({_TITLED_WORDS_SPACED})(\s)({_TITLES})|({_TITLED_WORDS_JOINED})()({_TITLES})"
)
# English names after a title: Mr. Smith, Ms Kim Minji, Dr. Park.
ENGLISH_TITLED_NAME_PATTERN = (
    r"\b(Mr|Mrs|Ms|Miss|Mx|Dr|Prof)(\.?\s+)([A-Z][a-z]+(?:[ -][A-Z][a-z]+){0,2})\b"
)
# (pattern, replacement) in order; replacements use \1-style groups, read alike by re and RE2.
THIRD_PARTY_MASKS: tuple[tuple[str, str], ...] = (
    (ROAD_ADDRESS_PATTERN, "[address]\\2"),
    (LOT_ADDRESS_PATTERN, "[address]"),
    (ROMAN_ADDRESS_PATTERN, "[address]"),
    (TITLED_WORD_PATTERN, "\\1\\4" + _SHIELD + "\\2\\3\\5\\6"),
    (SPACED_TITLED_NAME_PATTERN, "[name]\\2\\3"),
    (TITLED_NAME_PATTERN, "[name]\\2"),
    (ENGLISH_TITLED_NAME_PATTERN, "\\1\\2[name]"),
)
# Every match of a third-party pattern holds one of these (a cheap first test per value).
_THIRD_PARTY_CANDIDATE = (
    rf"(?:대로|로|길|동|리|가)\s?[0-9]|-(?:ro|gil|daero)\b|(?:{_TITLES})|"
    r"\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\b"
)


def employee_number_masks(patterns: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """The contract's employee-number patterns as masks (``[employee]``), whole tokens only."""
    # ASCII boundaries spelled out: Python's \b is Unicode-aware and RE2's is not, and a
    # Korean particle may follow directly (E10001의).
    return tuple(
        (rf"(^|[^0-9A-Za-z])(?:{pattern})([^0-9A-Za-z]|$)", "\\1[employee]\\2")
        for pattern in patterns
    )


def _python_rewrite(replacement: str) -> str:
    return replacement  # ``\1`` means the same to re.sub and to RE2


@lru_cache(maxsize=64)
def _compiled_third_party(
    employee_patterns: tuple[str, ...],
) -> tuple[tuple[re.Pattern[str], str], ...]:
    masks = employee_number_masks(employee_patterns) + THIRD_PARTY_MASKS
    return tuple((re.compile(p), _python_rewrite(r)) for p, r in masks)


def mask_third_parties(text: str, employee_patterns: Sequence[str] = ()) -> str:
    """Addresses, titled names and declared employee numbers in ``text`` (Python form)."""
    for pattern, replacement in _compiled_third_party(tuple(employee_patterns)):
        text = pattern.sub(replacement, text)
    return text.replace(_SHIELD, "")


def mask_third_parties_column(
    values: pa.Array | pa.ChunkedArray, employee_patterns: Sequence[str] = ()
) -> pa.Array:
    """``mask_third_parties`` over a column (RE2 inside pyarrow); only candidates rewritten."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    masks = employee_number_masks(employee_patterns) + THIRD_PARTY_MASKS
    candidate = _THIRD_PARTY_CANDIDATE + "".join(f"|{p}" for p in employee_patterns)
    candidates = pc.fill_null(pc.match_substring_regex(values, candidate), False)
    if not pc.any(candidates).as_py():
        return values
    subset = pc.filter(values, candidates)
    for pattern, replacement in masks:
        subset = pc.replace_substring_regex(subset, pattern=pattern, replacement=replacement)
    subset = pc.replace_substring(subset, pattern=_SHIELD, replacement="")
    return pc.replace_with_mask(values, candidates, subset)


# Account numbers: digit groups joined by hyphens (or spaces), or one run; the digit
# count (10-14, Korean banks' account lengths) is checked on each candidate.
ACCOUNT_CANDIDATE = r"\b[0-9]{2,6}(?:[- ][0-9]{1,7}){1,3}\b|\b[0-9]{10,14}\b"
ACCOUNT_DIGITS = (10, 14)
_ACCOUNT = re.compile(ACCOUNT_CANDIDATE)

# What a personal-data column's values become where they appear in free text.
CATEGORY_MASKS: dict[PersonalData, str] = {
    PersonalData.NAME: "[name]",
    PersonalData.PHONE: "[phone]",
    PersonalData.EMAIL: "[email]",
    PersonalData.RESIDENT_NUMBER: "[rrn]",
    PersonalData.ACCOUNT_NUMBER: "[account]",
    PersonalData.EMPLOYEE_ID: "[employee]",
    PersonalData.ADDRESS: "[address]",
}
_CATEGORY_ORDER = tuple(CATEGORY_MASKS)
# A name token searched alone: 2+ Hangul syllables or 3+ Latin letters (module docstring).
NAME_TOKEN_MIN_HANGUL = 2
NAME_TOKEN_MIN_LATIN = 3
VALUE_MIN_CHARS = 2  # a whole value shorter than this is not searched for
# A name's tokens: its whitespace-separated parts, stripped of this punctuation at
# their ends ("Kim," → "Kim"). Splitting at whitespace is ~6x cheaper in Arrow than a
# regular-expression split, and a part with punctuation inside ("Jean-Luc") is simply
# not a token (the whole value is still looked for).
_NAME_PUNCTUATION = ",.;:()[]'\"·/"
_NAME_TOKEN = (
    rf"^(?:\p{{Hangul}}{{{NAME_TOKEN_MIN_HANGUL},}}"
    rf"|[A-Za-z\x{{C0}}-\x{{24F}}]{{{NAME_TOKEN_MIN_LATIN},}})$"
)
# Latin letters (with their accented forms) and digits: a Latin needle may not touch one.
_WORD_CHAR = "0-9A-Za-z\u00c0-\u024f"
ANY_PERSONAL_DATA = "|".join(f"(?:{pattern})" for pattern, _ in MASKS)
_CANDIDATE = r"@|[0-9][-. 0-9()]{6,}[0-9]"  # every match of a pattern above contains one

# Pseudonyms remembered across chunks, per column: the same customers recur in a
# file, and one HMAC costs about a microsecond in Python. Bounded so memory stays
# flat (a million values and pseudonyms: about 60 MB of Arrow strings per column).
_CACHE_LIMIT = 1_000_000


def mask_text(text: str) -> str:
    """Replace every resident number, phone number and e-mail address in ``text``."""
    for pattern, token in _COMPILED:
        text = pattern.sub(token, text)
    return text


def mask_accounts(text: str) -> str:
    """Replace every run of digit groups holding 10-14 digits by ``[account]``."""

    def replace(match: re.Match[str]) -> str:
        digits = sum(ch.isdigit() for ch in match[0])
        low, high = ACCOUNT_DIGITS
        return "[account]" if low <= digits <= high else match[0]

    return _ACCOUNT.sub(replace, text)


def mask_accounts_column(values: pa.Array) -> pa.Array:
    """``mask_accounts`` over a column; only values with a candidate reach Python."""
    candidates = pc.fill_null(pc.match_substring_regex(values, ACCOUNT_CANDIDATE), False)
    if not pc.any(candidates).as_py():
        return values
    subset = [mask_accounts(v) for v in pc.filter(values, candidates).to_pylist()]
    return pc.replace_with_mask(values, candidates, pa.array(subset, pa.string()))


@lru_cache(maxsize=4096)
def _needle_pattern(needles: tuple[tuple[str, str], ...]) -> re.Pattern[str]:
    parts = []
    for needle, _ in sorted(needles, key=lambda n: -len(n[0])):
        before = f"(?<![{_WORD_CHAR}])" if re.match(f"[{_WORD_CHAR}]", needle[0]) else ""
        after = f"(?![{_WORD_CHAR}])" if re.match(f"[{_WORD_CHAR}]", needle[-1]) else ""
        parts.append(f"{before}{re.escape(needle)}{after}")
    return re.compile("|".join(parts), re.IGNORECASE)


def mask_needles(text: str, needles: Iterable[tuple[str, str]]) -> str:
    """Replace each (needle, mask) in ``text`` under the boundary rule (module docstring)."""
    wanted = tuple(sorted(set(needles)))
    if not wanted:
        return text
    masks = {needle.lower(): mask for needle, mask in wanted}
    pattern = _needle_pattern(wanted)
    return pattern.sub(lambda m: masks.get(m[0].lower(), "[masked]"), text)


def value_needles(value: str, category: PersonalData) -> list[tuple[str, str]]:
    """What of one personal value is looked for in free text, with its mask (Python form).

    The same rule as the vectorised ``FreeTextMasker`` (used for quarantined rows).
    """
    mask = CATEGORY_MASKS[category]
    text = value.strip()
    found = [(text, mask)] if len(text) >= VALUE_MIN_CHARS else []
    if category is PersonalData.NAME:
        for token in (part.strip(_NAME_PUNCTUATION) for part in text.split()):
            hangul = all("\uac00" <= ch <= "\ud7a3" for ch in token)
            latin = all(ch.isascii() or "\u00c0" <= ch <= "\u024f" for ch in token)
            if (hangul and len(token) >= NAME_TOKEN_MIN_HANGUL) or (
                latin and token.isalpha() and len(token) >= NAME_TOKEN_MIN_LATIN
            ):
                found.append((token, mask))
    return found


@dataclass(frozen=True)
class _Needles:
    """What is looked for in free text: per needle, the row it belongs to, the text (a
    personal value or a name token) and its category's code in ``_CATEGORY_ORDER``."""

    rows: np.ndarray[Any, Any]
    needles: pa.Array
    codes: np.ndarray[Any, Any]


def _duckdb_connection() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB connection. DuckDB is imported here, on a load's first use, not
    with this module: commands that only read stored events (a review pack) never need it."""
    import duckdb

    return duckdb.connect()


class FreeTextMasker:
    """Masks, in each row's TEXT columns, the values of that row's personal-data columns.

    One per load: it keeps one in-memory DuckDB connection for the ``contains`` test.
    """

    def __init__(self, *, accounts: bool = False, employee_patterns: Sequence[str] = ()) -> None:
        self.accounts = accounts
        self.employee_patterns = tuple(employee_patterns)
        self._con: duckdb.DuckDBPyConnection | None = None

    def mask_accounts(self, texts: pa.Array | pa.ChunkedArray) -> pa.Array | pa.ChunkedArray:
        """Account-number look-alikes, when the contract declares account numbers.

        Run after the phone and resident-number patterns, which would otherwise be
        taken for account numbers (010-1234-5678 has 11 digits in groups).
        """
        if not self.accounts:
            return texts
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        return mask_accounts_column(texts)

    def _contains(self, texts: pa.Array, needles: pa.Array) -> np.ndarray[Any, Any]:
        if self._con is None:
            self._con = _duckdb_connection()
        pairs = pa.table({"t": texts, "n": needles})  # noqa: F841 - read by the query
        result = self._con.sql("SELECT coalesce(contains(t, n), false) AS m FROM pairs")
        return np.asarray(result.to_arrow_table().column("m").to_numpy(), dtype=np.bool_)

    def mask(
        self,
        texts: pa.Array | pa.ChunkedArray,
        personal: Sequence[tuple[PersonalData, pa.Array | pa.ChunkedArray]],
    ) -> pa.Array:
        """``texts`` with each row's own personal values (and name tokens) masked."""
        if isinstance(texts, pa.ChunkedArray):
            texts = texts.combine_chunks()
        pairs = self._pairs(len(texts), personal)
        rows, needles, codes = pairs.rows, pairs.needles, pairs.codes
        if len(rows) == 0:
            return texts
        lowered = pc.take(pc.utf8_lower(texts), pa.array(rows))
        hit = self._contains(lowered, pc.utf8_lower(needles))
        if not hit.any():
            return texts
        # Only rows holding one of their own values reach Python, with the needles found.
        hit_rows, hit_needles, hit_codes = rows[hit], pc.filter(needles, pa.array(hit)), codes[hit]
        found: dict[int, list[tuple[str, str]]] = {}
        for row, needle, code in zip(
            hit_rows.tolist(), hit_needles.to_pylist(), hit_codes.tolist(), strict=True
        ):
            found.setdefault(row, []).append((needle, CATEGORY_MASKS[_CATEGORY_ORDER[code]]))
        order = sorted(found)
        originals = pc.take(texts, pa.array(order, pa.int64())).to_pylist()
        rewritten = [mask_needles(t, found[r]) for r, t in zip(order, originals, strict=True)]
        where = np.zeros(len(texts), dtype=np.bool_)
        where[order] = True
        return pc.replace_with_mask(texts, pa.array(where), pa.array(rewritten, pa.string()))

    @staticmethod
    def _pairs(
        n: int, personal: Sequence[tuple[PersonalData, pa.Array | pa.ChunkedArray]]
    ) -> _Needles:
        """The row, needle and category code of every needle of every personal value."""
        rows: list[np.ndarray[Any, Any]] = []
        needles: list[pa.Array] = []
        codes: list[np.ndarray[Any, Any]] = []

        def add(at: np.ndarray[Any, Any], values: pa.Array, category: PersonalData) -> None:
            rows.append(at.astype(np.int64))
            needles.append(values.cast(pa.string()))
            codes.append(np.full(len(at), _CATEGORY_ORDER.index(category), dtype=np.int8))

        for category, column in personal:
            values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
            values = pc.utf8_trim_whitespace(values)
            long_enough = pc.fill_null(
                pc.greater_equal(pc.utf8_length(values), VALUE_MIN_CHARS), False
            )
            whole = np.flatnonzero(np.asarray(long_enough.to_numpy(zero_copy_only=False)))
            if category is PersonalData.NAME:
                tokens = pc.utf8_split_whitespace(values)
                flat = pc.utf8_trim(pc.list_flatten(tokens), characters=_NAME_PUNCTUATION)
                parents = np.asarray(pc.list_parent_indices(tokens).to_numpy())
                keep = pc.fill_null(pc.match_substring_regex(flat, _NAME_TOKEN), False)
                keep_np = np.asarray(keep.to_numpy(zero_copy_only=False))
                if keep_np.any():
                    add(parents[keep_np], pc.filter(flat, keep), category)
                # A whole name is searched only where it has no token of its own: any
                # text holding the whole name holds its tokens too.
                has_token = np.zeros(n, dtype=np.bool_)
                has_token[parents[keep_np]] = True
                whole = whole[~has_token[whole]]
            if len(whole):
                add(whole, pc.take(values, pa.array(whole)), category)
        if not rows:
            return _Needles(np.zeros(0, np.int64), pa.array([], pa.string()), np.zeros(0, np.int8))
        return _Needles(np.concatenate(rows), pa.concat_arrays(needles), np.concatenate(codes))


def mask_value(value: object) -> str:
    """How a value of a personal-data column appears in messages: never in clear."""
    length = len(str(value))
    return f"[masked, {length} characters]"


def mask_text_column(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Vectorised ``mask_text`` over a string column (RE2 inside pyarrow)."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    # Columns such as category or channel repeat a few values: scan each once.
    encoded = pc.dictionary_encode(values)
    if 2 * len(encoded.dictionary) < len(values):
        return pc.take(_mask_plain(encoded.dictionary), encoded.indices)
    return _mask_plain(values)


def _mask_plain(values: pa.Array) -> pa.Array:
    # A cheap test first: most values hold no '@' and no run of digits long enough;
    # only those that might are rewritten.
    candidates = pc.fill_null(pc.match_substring_regex(values, _CANDIDATE), False)
    if not pc.any(candidates).as_py():
        return values
    subset = pc.filter(values, candidates)
    for pattern, token in MASKS:
        subset = pc.replace_substring_regex(subset, pattern=pattern, replacement=token)
    return pc.replace_with_mask(values, candidates, subset)


def column_has_personal_data(values: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Row mask: which values hold something that looks like personal data."""
    result = pc.match_substring_regex(values, ANY_PERSONAL_DATA)
    return pc.fill_null(result, False)


class Pseudonymiser:
    """Keyed hash of values: stable under one key, so joins on pseudonyms still work."""

    def __init__(self, key: bytes) -> None:
        if not key:
            raise ValueError("the pseudonym key is empty")
        # HMAC-SHA-256 (RFC 2104) with both pads absorbed once: each value then costs
        # two copies and two short hashes, the same result as hmac.new(key, value).
        block = hashlib.sha256().block_size
        padded = (hashlib.sha256(key).digest() if len(key) > block else key).ljust(block, b"\0")
        self._inner = hashlib.sha256(bytes(b ^ 0x36 for b in padded))
        self._outer = hashlib.sha256(bytes(b ^ 0x5C for b in padded))
        # Pseudonyms of values already seen, per column: customers recur across a file.
        self._known: dict[str, _Known] = {}
        self._con: duckdb.DuckDBPyConnection | None = None

    def _hashes(self, values: pa.Array) -> np.ndarray[Any, np.dtype[np.uint64]]:
        """A 64-bit hash of each value, to find it among the known ones.

        DuckDB's ``hash`` runs vectorised in C++ (about 4x faster than the same in
        numpy); it only needs to be stable within this process, and a collision is
        harmless because every candidate is compared with the value itself.
        """
        if self._con is None:
            self._con = _duckdb_connection()
        keys = pa.table({"v": values})  # noqa: F841 - read by the query
        result = self._con.sql("SELECT hash(v) AS h FROM keys").to_arrow_table()
        return np.asarray(result.column("h").to_numpy(), dtype=np.uint64)

    def one(self, value: str) -> str:
        inner = self._inner.copy()
        inner.update(value.encode("utf-8"))
        outer = self._outer.copy()
        outer.update(inner.digest())
        return PSEUDONYM_PREFIX + outer.hexdigest()[:PSEUDONYM_HEX_DIGITS]

    def many(self, values: pa.Array) -> pa.Array:
        """The pseudonym of each value of a string array without nulls (``one`` of each)."""
        return pa.array([self.one(v) for v in values.to_pylist()], pa.string())

    def column(self, values: pa.Array | pa.ChunkedArray, *, name: str = "") -> pa.Array:
        """Pseudonymise a string column; each distinct value is hashed once per file.

        Arrow finds the chunk's distinct values; DuckDB hashes them and numpy looks them
        up among the values already pseudonymised for column ``name`` (``_Known``),
        without a Python object per value; Python only computes the HMAC of values
        never seen before — about once per customer per file, instead of a dictionary
        lookup per customer per chunk.
        """
        if isinstance(values, pa.ChunkedArray):
            values = values.combine_chunks()
        encoded = pc.dictionary_encode(values.cast(pa.string()))
        distinct = encoded.dictionary
        if len(distinct) == 0:
            return pa.nulls(len(values), pa.string())
        known = self._known.setdefault(name, _Known())
        if known.count + len(distinct) > _CACHE_LIMIT:
            known = self._known[name] = _Known()  # start afresh: memory stays bounded
        hashes = self._hashes(distinct)
        found = known.find(distinct, hashes)
        missing = np.flatnonzero(found < 0)
        if len(missing):
            fresh = pc.take(distinct, pa.array(missing))
            hashed = self.many(fresh)
            found[missing] = known.add(fresh, hashed, hashes[missing])
        return pc.take(pc.take(known.pseudonyms(), pa.array(found)), encoded.indices)


class _Known:
    """The values of one column pseudonymised so far, and their pseudonyms.

    Looked up by a 64-bit hash of each value (``Pseudonymiser._hashes``), kept sorted
    for ``searchsorted``; every candidate is then compared with the value itself, so
    a hash collision can only cost a re-hash, never a wrong pseudonym.
    """

    def __init__(self) -> None:
        self._values: list[pa.Array] = []
        self._pseudonyms: list[pa.Array] = []
        self._all_values: pa.Array | None = None
        self._all_pseudonyms: pa.Array | None = None
        self._sorted = np.zeros(0, dtype=np.uint64)
        self._order = np.zeros(0, dtype=np.int64)  # positions of _sorted in known order
        self.count = 0

    def find(
        self, distinct: pa.Array, hashes: np.ndarray[Any, np.dtype[np.uint64]]
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """For each distinct value, its position among the known ones (-1 when unknown)."""
        found = np.full(len(distinct), -1, dtype=np.int64)
        if self.count == 0:
            return found
        # Searching in sorted order keeps memory access local: about 3x faster.
        by_hash = np.argsort(hashes)
        slot = np.empty(len(hashes), dtype=np.int64)
        slot[by_hash] = np.searchsorted(self._sorted, hashes[by_hash])
        inside = slot < len(self._sorted)
        same_hash = np.zeros(len(distinct), dtype=np.bool_)
        same_hash[inside] = self._sorted[slot[inside]] == hashes[inside]
        which = np.flatnonzero(same_hash)
        if len(which) == 0:
            return found
        candidates = self._order[slot[which]]
        equal = pc.equal(
            pc.take(self.values(), pa.array(candidates)), pc.take(distinct, pa.array(which))
        )
        confirmed = np.asarray(pc.fill_null(equal, False).to_numpy(zero_copy_only=False))
        found[which[confirmed]] = candidates[confirmed]
        return found

    def add(
        self,
        values: pa.Array,
        pseudonyms: pa.Array,
        hashes: np.ndarray[Any, np.dtype[np.uint64]],
    ) -> np.ndarray[Any, np.dtype[np.int64]]:
        """Remember new values and their pseudonyms; their positions among the known."""
        first = self.count
        self._values.append(values)
        self._pseudonyms.append(pseudonyms)
        self._all_values = self._all_pseudonyms = None
        self.count += len(values)
        # Merge the new hashes into the sorted ones (a linear insert, not a new sort).
        order = np.argsort(hashes, kind="stable")
        new_sorted = hashes[order]
        at = np.searchsorted(self._sorted, new_sorted, side="right")
        self._sorted = np.insert(self._sorted, at, new_sorted)
        self._order = np.insert(self._order, at, first + order.astype(np.int64))
        return np.arange(first, self.count, dtype=np.int64)

    def values(self) -> pa.Array:
        if self._all_values is None:
            self._all_values = pa.concat_arrays(self._values)
            self._values = [self._all_values]
        return self._all_values

    def pseudonyms(self) -> pa.Array:
        if self._all_pseudonyms is None:
            self._all_pseudonyms = pa.concat_arrays(self._pseudonyms)
            self._pseudonyms = [self._all_pseudonyms]
        return self._all_pseudonyms


def treatments(event_type: EventType, protection: DataProtection) -> dict[str, Treatment]:
    """The treatment of each personal-data column of ``event_type`` under ``protection``."""
    return {
        c.name: protection.treatment_for(c.personal_data)
        for c in event_type.columns
        if c.personal_data is not None
    }


def personal_columns(event_type: EventType) -> frozenset[str]:
    return frozenset(c.name for c in event_type.columns if c.personal_data is not None)


def scanned_columns(event_type: EventType) -> tuple[str, ...]:
    """String columns scanned for personal data typed into them (all but the id)."""
    return tuple(
        c.name
        for c in event_type.columns
        if c.type in (ColumnType.STRING, ColumnType.TEXT)
        and c.personal_data is None
        and c.name != event_type.id_column
    )


def text_columns(event_type: EventType) -> tuple[str, ...]:
    """Free-text columns: where a row's own personal values are looked for."""
    return tuple(
        c.name
        for c in event_type.columns
        if c.type is ColumnType.TEXT and c.personal_data is None and c.name != event_type.id_column
    )


def personal_categories(event_type: EventType) -> dict[str, PersonalData]:
    return {c.name: c.personal_data for c in event_type.columns if c.personal_data is not None}


def protect(
    table: pa.Table,
    event_type: EventType,
    *,
    plan: Mapping[str, Treatment],
    pseudonymiser: Pseudonymiser,
    masker: FreeTextMasker | None = None,
    refuse_personal_ids: bool = False,
) -> pa.Table:
    """Apply the contract's treatment to a validated, typed table (schema kept).

    Free text is masked first, while the personal columns still hold the values to
    look for; then those columns are pseudonymised or dropped. An id that holds a
    personal value of its row gets that part pseudonymised (``protect_ids``).
    """
    scanned = frozenset(scanned_columns(event_type))
    texts = frozenset(text_columns(event_type))
    categories = personal_categories(event_type)
    personal = [
        (category, table.column(name))
        for name, category in categories.items()
        if name in table.column_names
    ]
    masker = masker or FreeTextMasker()
    hidden = [
        (name, table.column(name))
        for name in categories
        if name in table.column_names and plan.get(name) is not Treatment.ALLOW
    ]
    columns: list[pa.Array | pa.ChunkedArray] = []
    for field in table.schema:
        values = table.column(field.name)
        treatment = plan.get(field.name)
        if field.name == event_type.id_column and hidden:
            values = protect_ids(
                values,
                hidden,
                id_column=field.name,
                pseudonymiser=pseudonymiser,
                masker=masker,
                refuse=refuse_personal_ids,
            ).cast(field.type)
        if field.name in texts and treatment is None:
            values = masker.mask(values, personal)
        if treatment is Treatment.PSEUDONYMISE:
            values = pseudonymiser.column(values, name=field.name)
        elif treatment is Treatment.DROP:
            values = pa.nulls(len(table), type=field.type)
        elif treatment is None and field.name in scanned:
            values = mask_text_column(values)
            if field.name in texts:
                values = masker.mask_accounts(values)
                values = mask_third_parties_column(values, masker.employee_patterns)
        columns.append(values)
    return pa.Table.from_arrays(columns, schema=table.schema)


ID_VALUE_MIN_CHARS = 3  # a personal value shorter than this is not looked for inside ids


class PersonalDataInId(Exception):
    """An id holds a personal value of its own row and the contract says to refuse the file."""

    def __init__(self, column: str, source: str, positions: list[int]) -> None:
        super().__init__(f"{column} holds the value of {source}")
        self.column = column
        self.source = source
        self.positions = positions


def _boundary_pattern(value: str) -> re.Pattern[str]:
    # the value as a whole token of the id: no letter or digit right before or after it
    return re.compile(rf"(?<![{_WORD_CHAR}]){re.escape(value)}(?![{_WORD_CHAR}])")


def protect_ids(
    ids: pa.Array | pa.ChunkedArray,
    personal: Sequence[tuple[str, pa.Array | pa.ChunkedArray]],
    *,
    id_column: str,
    pseudonymiser: Pseudonymiser,
    masker: FreeTextMasker,
    refuse: bool,
) -> pa.Array:
    """Ids with each row's own personal values (``PAY-2026-01-E10001`` and employee
    ``E10001``) replaced by that value's pseudonym — the same one the personal column gets,
    so a correction with the same id still finds its event. With ``refuse``, such an id
    raises ``PersonalDataInId`` instead (the rows found)."""
    if isinstance(ids, pa.ChunkedArray):
        ids = ids.combine_chunks()
    ids = ids.cast(pa.string())
    lowered_ids: pa.Array | None = None  # lower-cased once, again only after a rewrite
    for name, column in personal:
        values = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
        values = pc.utf8_trim_whitespace(values.cast(pa.string()))
        long_enough = pc.fill_null(
            pc.greater_equal(pc.utf8_length(values), ID_VALUE_MIN_CHARS), False
        )
        if not pc.any(long_enough).as_py():
            continue
        if lowered_ids is None:
            lowered_ids = pc.utf8_lower(ids)
        positions = _contained(lowered_ids, pc.utf8_lower(values), long_enough, masker)
        if len(positions) == 0:
            continue
        found_ids = pc.take(ids, pa.array(positions)).to_pylist()
        found_values = pc.take(values, pa.array(positions))
        pseudonyms = pseudonymiser.column(found_values, name=name).to_pylist()
        rewritten: list[str] = []
        changed: list[int] = []
        for position, text, value, pseudonym in zip(
            positions.tolist(), found_ids, found_values.to_pylist(), pseudonyms, strict=True
        ):
            new = _boundary_pattern(value).sub(pseudonym, text)
            if new != text:
                changed.append(position)
                rewritten.append(new)
        if not changed:
            continue
        if refuse:
            raise PersonalDataInId(id_column, name, changed)
        where = np.zeros(len(ids), dtype=np.bool_)
        where[changed] = True
        ids = pc.replace_with_mask(ids, pa.array(where), pa.array(rewritten, pa.string()))
        lowered_ids = None
    return ids


def _contained(
    texts: pa.Array, needles: pa.Array, wanted: pa.Array, masker: FreeTextMasker
) -> np.ndarray[Any, np.dtype[np.int64]]:
    """Positions where ``wanted`` holds and the needle is inside the text (both already
    lower-cased). A needle longer in bytes than its text cannot be inside it: only the other
    pairs are tested, so ids shorter than every personal value cost no search at all."""
    fits = pc.and_(
        wanted,
        pc.fill_null(pc.less_equal(pc.binary_length(needles), pc.binary_length(texts)), False),
    )
    candidates = np.flatnonzero(np.asarray(fits.to_numpy(zero_copy_only=False), dtype=np.bool_))
    if len(candidates) == 0:
        return candidates
    at = pa.array(candidates)
    inside: np.ndarray[Any, np.dtype[np.int64]] = candidates[
        masker._contains(pc.take(texts, at), pc.take(needles, at))
    ]
    return inside


def mask_row(
    row: Mapping[str, object],
    personal: Iterable[str],
    categories: Mapping[str, PersonalData] | None = None,
    employee_patterns: Sequence[str] = (),
) -> dict[str, object]:
    """A raw row fit to keep (quarantine) or show: personal columns masked, text scanned.

    With ``categories`` (column → category), the row's own personal values are also
    masked wherever they appear in its other values, as at load.
    """
    hidden = set(personal)
    needles = [
        needle
        for name, category in (categories or {}).items()
        if isinstance(row.get(name), str) and row.get(name)
        for needle in value_needles(str(row[name]), category)
    ]
    masked: dict[str, object] = {}
    for name, value in row.items():
        if value is None or value == "":
            masked[name] = value
        elif name in hidden:
            masked[name] = mask_value(value)
        else:
            text = mask_text(mask_needles(str(value), needles))
            masked[name] = mask_third_parties(text, employee_patterns)
    return masked
