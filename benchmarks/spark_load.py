"""Loading a directory of files here and on Spark, side by side (docs/scale-out.md, "Loading
on Spark").

    .venv/bin/python benchmarks/spark_load.py                          # 8 files × 100,000 rows
    .venv/bin/python benchmarks/spark_load.py --files 16 --rows 50000 --master 'local[2]'

Data: the seeded tickets of benchmarks/load_csv.py (personal data in three columns and in
free text), written once and copied into ``--files`` files whose ids are made distinct
(``F<k>-T…``), in a temporary directory. Each side gets a fresh SQLite database and event
store and loads the directory through ``services.bulk_loads.load_files``: the local engine
file after file, then Spark (the session's start-up timed apart). Every batch must come out
the same on both — the batch id and the SHA-256 of the stored Parquet file — or the run
fails. Printed: seconds and rows/s of each, and the ratio.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _record import record
from load_csv import CONTRACT, CONTRACT_ID, generate

BENCH = "spark_load"


def write_files(directory: Path, files: int, rows: int) -> None:
    base = directory / "base.csv"
    generate(base, rows)
    names = pa_csv.read_csv(base, read_options=pa_csv.ReadOptions(block_size=1 << 26))
    strings = pa_csv.read_csv(
        base,
        convert_options=pa_csv.ConvertOptions(
            column_types=dict.fromkeys(names.column_names, pa.string()),
            strings_can_be_null=False,
        ),
    )
    base.unlink()
    exports = directory / "exports"
    exports.mkdir()
    for k in range(files):
        ids = pc.binary_join_element_wise(f"F{k}-", strings.column("id"), "")
        part = strings.set_column(0, "id", ids)
        pa_csv.write_csv(part, exports / f"part-{k:03d}.csv")


def load(exports: Path, data_dir: Path, engine: str, master: str | None) -> dict[str, object]:
    from servicepact.bootstrap import build_app
    from servicepact.config import Settings
    from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
    from servicepact.domain.access import SYSTEM
    from servicepact.domain.contracts import Contract
    from servicepact.services import bulk_loads
    from servicepact.services.contracts import apply_contract
    from servicepact.services.loads import file_sha256
    from servicepact.store.db import migrate

    settings = Settings(data_dir=data_dir, pseudonym_key="benchmark-key")  # type: ignore[arg-type]
    app = build_app(settings)
    migrate.upgrade(app.engine)
    model = Contract.model_validate(CONTRACT)
    document = ContractDocument(
        contract=model, document=canonical_document(model), source="bench.yaml",
        sha256=contract_hash(model),
    )  # fmt: skip
    with app.uow() as uow:
        apply_contract(uow, actor=SYSTEM, document=document)
    started = time.perf_counter()
    outcomes = bulk_loads.load_files(
        app, actor=SYSTEM, contract_id=CONTRACT_ID, source="tickets",
        paths=bulk_loads.input_files(str(exports)), options=bulk_loads.LoadOptions(),
        engine=engine, master=master,
    )  # fmt: skip
    elapsed = time.perf_counter() - started
    app.close()
    refused = [o.path.name for o in outcomes if o.report is None]
    assert not refused, f"refused: {refused}"
    batches = {}
    for outcome in outcomes:
        assert outcome.report is not None
        stored = (
            data_dir / "events" / CONTRACT_ID / "tickets" / f"{outcome.report.batch_id}.parquet"
        )
        batches[outcome.report.batch_id] = file_sha256(stored)
    rows = sum(o.report.rows_accepted for o in outcomes if o.report is not None)
    return {"seconds": elapsed, "rows": rows, "batches": batches}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=8)
    parser.add_argument("--rows", type=int, default=100_000, help="rows per file")
    parser.add_argument("--master", default="local[2]")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="servicepact-bench-") as temporary:
        directory = Path(temporary)
        write_files(directory, args.files, args.rows)
        exports = directory / "exports"
        local = load(exports, directory / "local", "local", None)

        from servicepact.services.scale_out import session

        started = time.perf_counter()
        session(args.master)
        start_up = time.perf_counter() - started
        on_spark = load(exports, directory / "spark", "spark", args.master)
        assert on_spark["batches"] == local["batches"], "the stored batches differ"
    rows = local["rows"]
    assert isinstance(rows, int)
    for name, run in (("local", local), (f"spark {args.master}", on_spark)):
        seconds = run["seconds"]
        assert isinstance(seconds, float)
        print(f"{name:>18}: {args.files} files, {rows:,} rows in {seconds:.1f} s "
              f"({rows / seconds:,.0f} rows/s)")  # fmt: skip
        record(BENCH, f"{args.files}x{args.rows} {name}", round(seconds, 2), "s")
    print(f"{'spark start-up':>18}: {start_up:.1f} s (not counted above)")
    ratio = float(local["seconds"]) / float(on_spark["seconds"])  # type: ignore[arg-type]
    print(f"{'local / spark':>18}: {ratio:.2f}; every batch id and Parquet file identical")


if __name__ == "__main__":
    main()
