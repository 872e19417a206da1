"""Benchmark: a 100,000-row file uploaded through the API, validated and stored by the
background upload job.

    .venv/bin/python benchmarks/web_upload.py [--rows 100000]

The seeded tickets CSV of ``load_csv.py`` (13 columns, three personal-data columns
pseudonymised, free text masked) is posted as a multipart upload to
``POST /api/v1/contracts/{id}/sources/tickets/files`` through the ASGI app in process;
the clock runs from the request until ``GET /api/v1/uploads/{job}`` says ``done``: the
transfer, the copy to the private upload file, content sniffing, and the whole load
(hash, validate, pseudonymise, Parquet, controls, manifest). Target: under 10 s.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
import warnings
from pathlib import Path

warnings.filterwarnings("ignore", category=DeprecationWarning)
sys.path.insert(0, str(Path(__file__).parent))

from load_csv import CONTRACT, CONTRACT_ID, generate  # noqa: E402


def run(rows: int) -> dict[str, float]:
    from fastapi.testclient import TestClient

    from servicepact.api import create_app
    from servicepact.bootstrap import build_app
    from servicepact.config import Settings
    from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
    from servicepact.domain.access import SYSTEM, Role
    from servicepact.domain.contracts import Contract
    from servicepact.services import users
    from servicepact.services.contracts import apply_contract
    from servicepact.store.db import migrate

    with tempfile.TemporaryDirectory(prefix="servicepact-upload-") as directory:
        root = Path(directory)
        path = root / "tickets.csv"
        generate(path, rows)
        settings = Settings(data_dir=root / "data", pseudonym_key="benchmark-key")  # type: ignore[arg-type]
        app = build_app(settings)
        migrate.upgrade(app.engine)
        model = Contract.model_validate(CONTRACT)
        document = ContractDocument(
            contract=model,
            document=canonical_document(model),
            source="bench.yaml",
            sha256=contract_hash(model),
        )
        apply_contract(app, actor=SYSTEM, document=document)
        users.add_user(app, actor=SYSTEM, name="bench", role=Role.CLIENT_MANAGER)
        token = users.create_token(app, actor=SYSTEM, user="bench").token
        headers = {"Authorization": f"Bearer {token}"}
        api = create_app(app, web=False)
        with TestClient(api) as client:
            content = path.read_bytes()
            started = time.perf_counter()
            answer = client.post(
                f"/api/v1/contracts/{CONTRACT_ID}/sources/tickets/files",
                headers=headers,
                files={"file": ("tickets.csv", content, "text/csv")},
            )
            accepted = time.perf_counter() - started
            assert answer.status_code == 202, answer.text
            job_id = answer.json()["id"]
            while True:
                state = client.get(f"/api/v1/uploads/{job_id}", headers=headers).json()
                if state["state"] not in ("queued", "running"):
                    break
                time.sleep(0.05)
            elapsed = time.perf_counter() - started
        api.state.upload_jobs.shutdown()
        app.close()
        assert state["state"] == "done", state
        return {
            "rows": state["report"]["rows_accepted"],
            "megabytes": len(content) / 1e6,
            "accepted_s": accepted,
            "stored_s": elapsed,
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000)
    args = parser.parse_args()
    result = run(args.rows)
    print(
        f"{result['rows']:,} rows ({result['megabytes']:.1f} MB): request answered in "
        f"{result['accepted_s']:.2f} s, validated and stored in {result['stored_s']:.2f} s"
    )


if __name__ == "__main__":
    main()
