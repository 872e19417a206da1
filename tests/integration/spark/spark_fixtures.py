"""What the Spark tests share: whether Spark can run here, and a contract declaring its own
event type with a percentile, a maximum and a ratio of sums (corrections and partitions are
checked on it)."""

from __future__ import annotations

import importlib.util


def why_spark_is_missing() -> str | None:
    """What is missing to run Spark here (PySpark, Java), or None."""
    if importlib.util.find_spec("pyspark") is None:
        return "PySpark is not installed: pip install -e '.[spark]'"
    from servicepact.engine.spark import SparkUnavailable, _check_java

    try:
        _check_java()
    except SparkUnavailable as missing:
        return str(missing.problems[0].message)
    return None


CHECKS = """servicepact: 1
contract:
  id: checks-2026
  name: Checks
  client: c
  vendor: v
  term: {start: 2026-01-01, end: 2026-12-31}
  calendars:
    office: {timezone: Asia/Seoul, hours: {mon-fri: "09:00-18:00"}, holidays: {country: KR}}
  event_types:
    - name: checks
      description: Checks
      anchor: opened_at
      columns:
        - {name: id, type: string, required: true}
        - {name: opened_at, type: timestamp, required: true}
        - {name: closed_at, type: timestamp}
        - {name: items, type: integer, required: true}
        - {name: errors, type: integer, required: true}
  kpis:
    - name: median_wall_hours
      title: Median wall hours
      events: checks
      kind: percentile
      percentile: 50
      measure: {clock: {from: opened_at, to: closed_at}}
      unit: hours
      direction: lower
    - name: longest_wall_hours
      title: Longest wall hours
      events: checks
      kind: max
      measure: {clock: {from: opened_at, to: closed_at}}
      unit: hours
      direction: lower
    - name: error_rate
      title: Error rate
      events: checks
      kind: ratio_of_sums
      numerator: {sum: errors}
      denominator: {sum: items}
      direction: lower
  service_levels:
    - {id: P50, name: median, kpi: median_wall_hours, source: checks, expected: 4, minimum: 8,
       kind: key, min_sample: 1}
    - {id: MAX, name: longest, kpi: longest_wall_hours, source: checks, expected: 8,
       minimum: 12, kind: key, min_sample: 1}
    - {id: ERR, name: errors, kpi: error_rate, source: checks, expected: "0.1",
       minimum: "0.2", kind: key, min_sample: 1}
"""
