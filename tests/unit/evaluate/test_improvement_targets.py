"""Continuous improvement of targets, hand-computed (PRODUCT.md §7)."""

from __future__ import annotations

from decimal import Decimal

from servicepact.domain.kpis import Direction
from servicepact.engine.targets import improved_level

H, L = Direction.HIGHER_IS_BETTER, Direction.LOWER_IS_BETTER


def test_each_year_closes_the_set_percent_of_the_gap_to_perfect() -> None:
    # 0.80 + 0.10 × 0.20 = 0.82; 0.82 + 0.10 × 0.18 = 0.838
    assert improved_level(Decimal("0.80"), Decimal(10), 0, H) == Decimal("0.80")
    assert improved_level(Decimal("0.80"), Decimal(10), 1, H) == Decimal("0.82")
    assert improved_level(Decimal("0.80"), Decimal(10), 2, H) == Decimal("0.838")


def test_a_lower_is_better_share_moves_toward_zero() -> None:
    # abandonment 0.05 with 20 %: 0.05 − 0.2 × 0.05 = 0.04; then 0.032
    assert improved_level(Decimal("0.05"), Decimal(20), 2, L) == Decimal("0.032")


def test_the_level_in_force_is_rounded_half_even_to_six_places() -> None:
    # 0.9 with 12.5 %: y2 0.9125, y3 0.92343750, y4 0.9330078125, y5 0.941381835937…
    # → 0.941382 (six places)
    assert improved_level(Decimal("0.9"), Decimal("12.5"), 4, H) == Decimal("0.941382")
