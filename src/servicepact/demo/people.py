"""Fake personal data for the demo feeds, so that pseudonymisation has work to do.

Every value is invented: names are combined from common Korean family and
given names, phone numbers use the 010 mobile prefix with random digits,
e-mail addresses sit on the client's own domain or reserved example domains
(RFC 2606), addresses combine real district names with invented numbers.
"""

from __future__ import annotations

import numpy as np

FAMILY_NAMES = ("김", "이", "박", "최", "정", "강", "조", "윤", "장", "임", "한", "오", "서", "신")
GIVEN_NAMES = (
    "민준", "서연", "도윤", "지우", "하준", "서윤", "예준", "하은", "지호", "수아",
    "현우", "지민", "건우", "채원", "우진", "다은", "선우", "유나", "준서", "소희",
)  # fmt: skip
_ROMAN_FAMILY = {
    "김": "kim", "이": "lee", "박": "park", "최": "choi", "정": "jung", "강": "kang", "조": "cho",
    "윤": "yoon", "장": "jang", "임": "lim", "한": "han", "오": "oh", "서": "seo", "신": "shin",
}  # fmt: skip
_ROMAN_GIVEN = {
    "민준": "minjun", "서연": "seoyeon", "도윤": "doyun", "지우": "jiwoo", "하준": "hajun",
    "서윤": "seoyun", "예준": "yejun", "하은": "haeun", "지호": "jiho", "수아": "sua",
    "현우": "hyunwoo", "지민": "jimin", "건우": "gunwoo", "채원": "chaewon", "우진": "woojin",
    "다은": "daeun", "선우": "sunwoo", "유나": "yuna", "준서": "junseo", "소희": "sohee",
}  # fmt: skip
DISTRICTS = (
    "서울특별시 강남구 테헤란로", "서울특별시 마포구 월드컵북로",
    "서울특별시 송파구 올림픽로", "경기도 성남시 분당구 판교역로",
    "경기도 수원시 영통구 광교중앙로", "인천광역시 연수구 센트럴로",
    "부산광역시 해운대구 센텀중앙로", "대전광역시 유성구 대학로",
    "대구광역시 수성구 달구벌대로", "광주광역시 서구 상무중앙로",
)  # fmt: skip


class People:
    """Draws fake people from one random generator (so the draw is reproducible)."""

    def __init__(self, rng: np.random.Generator) -> None:
        self._rng = rng

    def _pick(self, options: tuple[str, ...], count: int) -> list[str]:
        return [options[i] for i in self._rng.integers(0, len(options), count)]

    def names(self, count: int) -> tuple[list[str], list[str]]:
        """Korean names and their romanisations (for e-mail addresses)."""
        family = self._pick(FAMILY_NAMES, count)
        given = self._pick(GIVEN_NAMES, count)
        names = [f + g for f, g in zip(family, given, strict=True)]
        roman = [
            f"{_ROMAN_GIVEN[g]}.{_ROMAN_FAMILY[f]}" for f, g in zip(family, given, strict=True)
        ]
        return names, roman

    def phones(self, count: int) -> list[str]:
        middle = self._rng.integers(2000, 10000, count)
        last = self._rng.integers(0, 10000, count)
        return [f"010-{m:04d}-{x:04d}" for m, x in zip(middle.tolist(), last.tolist(), strict=True)]

    def emails(self, roman: list[str], domain: str) -> list[str]:
        suffix = self._rng.integers(1, 100, len(roman))
        return [f"{r}{s}@{domain}" for r, s in zip(roman, suffix.tolist(), strict=True)]

    def addresses(self, count: int) -> list[str]:
        streets = self._pick(DISTRICTS, count)
        numbers = self._rng.integers(1, 400, count)
        flats = self._rng.integers(101, 2000, count)
        return [
            f"{s} {n}, {f}호"
            for s, n, f in zip(streets, numbers.tolist(), flats.tolist(), strict=True)
        ]

    def account_numbers(self, count: int) -> list[str]:
        a = self._rng.integers(100, 1000, count)
        b = self._rng.integers(100, 1000, count)
        c = self._rng.integers(100_000, 1_000_000, count)
        return [f"{x}-{y}-{z}" for x, y, z in zip(a.tolist(), b.tolist(), c.tolist(), strict=True)]

    def resident_numbers(self, count: int) -> list[str]:
        """Invented numbers in the YYMMDD-GNNNNNN shape (not valid check digits)."""
        year = self._rng.integers(60, 100, count)
        month = self._rng.integers(1, 13, count)
        day = self._rng.integers(1, 29, count)
        gender = self._rng.integers(1, 3, count)
        rest = self._rng.integers(0, 1_000_000, count)
        return [
            f"{y:02d}{m:02d}{d:02d}-{g}{r:06d}"
            for y, m, d, g, r in zip(
                year.tolist(),
                month.tolist(),
                day.tolist(),
                gender.tolist(),
                rest.tolist(),
                strict=True,
            )
        ]
