"""Builders the report-pack tests share (the seeded world itself is in this folder's conftest)."""

from __future__ import annotations

# acme-cs-2026 done in house: 25 FTE at 5,000,000 KRW a month, over 12 months from January.
BUSINESS_CASE = """\
contract_id: acme-cs-2026
currency: KRW
start: 2026-01
months: 12
discount_rate_percent: 0
in_house:
  fte: 25
  loaded_cost_per_fte: 5000000
"""
