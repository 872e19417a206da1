"""Contract files written by hand in tests: the head they share."""

from __future__ import annotations


def office_contract_head(contract_id: str, name: str) -> str:
    """The start of a contract file for 2026 between client ``c`` and vendor ``v``, with
    one calendar, ``office`` (Mon-Fri 09:00-18:00, Asia/Seoul, Korean holidays); the event
    types, KPIs and service levels follow, indented under ``contract:``."""
    return f"""servicepact: 1
contract:
  id: {contract_id}
  name: {name}
  client: c
  vendor: v
  term: {{start: 2026-01-01, end: 2026-12-31}}
  calendars:
    office:
      timezone: Asia/Seoul
      hours: {{mon-fri: "09:00-18:00"}}
      holidays: {{country: KR}}
"""
