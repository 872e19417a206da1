"""Print every figure the benchmarks recorded in this run as one table (``make bench``)."""

from __future__ import annotations

import json

from _record import SUMMARY


def main() -> None:
    if not SUMMARY.exists():
        print("no figures recorded (benchmarks/out/summary.jsonl is missing)")
        return
    rows = [json.loads(line) for line in SUMMARY.read_text(encoding="utf-8").splitlines() if line]
    header = f"{'benchmark':14} {'case':62} {'figure':>14} {'target':>18} {'met':>4} {'load':>5}"
    print(header)
    print("-" * len(header))
    for row in rows:
        met = {True: "yes", False: "no", None: ""}[row["met"]]
        figure = f"{row['value']:,.2f} {row['unit']}"
        print(
            f"{row['bench']:14} {row['case'][:62]:62} {figure:>14} {row['target']:>18} "
            f"{met:>4} {row['load']:>5}"
        )


if __name__ == "__main__":
    main()
