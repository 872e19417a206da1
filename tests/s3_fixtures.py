"""A small IT-desk contract and two ticket files, for the event store on object storage (the
store tests and the Spark engine's): 12 P1 tickets in February, 3 resolved late, and a later
file correcting one of them — so 10 of 12 are resolved within 4 business hours."""

from __future__ import annotations

import os
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from servicepact.bootstrap import App
from servicepact.contractfile import ContractDocument, canonical_document, contract_hash
from servicepact.domain.access import Actor
from servicepact.domain.contracts import Contract
from servicepact.services import loads
from servicepact.services.contracts import apply_contract

CONTRACT = "acme-it-2026"
HEADER = "id,created_at,resolved_at,priority,requester_name,requester_email,requester_phone,summary"
CONTRACT_DATA: dict[str, Any] = {
    "id": CONTRACT,
    "name": "IT service desk",
    "client": "acme",
    "vendor": "helpco",
    "term": {"start": "2026-01-01", "end": "2028-12-31"},
    "calendars": {
        "office": {
            "timezone": "Asia/Seoul",
            "hours": {"mon-fri": "09:00-18:00"},
            "holidays": {"country": "KR"},
        }
    },
    "credits": {"at_risk_percent": 12, "pool_percent": 150},
    "data_protection": {"personal_data": ["name", "email", "phone"]},
    "expected_daily_volume": {"tickets": 4},
    "service_levels": [
        {
            "id": "SL-02",
            "name": "P1 resolved within 4 business hours",
            "kpi": "resolved_within",
            "source": "tickets",
            "params": {"hours": 4},
            "calendar": "office",
            "expected": "0.95",
            "minimum": "0.90",
            "kind": "critical",
            "allocation_percent": 30,
        }
    ],
}


def _csv(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join([HEADER, *lines]) + "\n", encoding="utf-8")
    return path


def february(tmp_path: Path) -> Path:
    """Twelve P1 tickets over three February days; three are resolved late (09:00 + 5 h)."""
    lines = []
    for day in (24, 25, 26):
        for i in range(1, 5):
            late = i == 4
            resolved = f"2026-02-{day}T{14 if late else 10}:00:00+09:00"
            lines.append(
                f"T{day}{i},2026-02-{day}T09:00:00+09:00,{resolved},P1,"
                f"Kim Minji {i},minji{i}@example.com,010-1234-567{i},printer broken"
            )
    return _csv(tmp_path / "february.csv", lines)


def correction(tmp_path: Path) -> Path:
    """A later file resolving one of the late tickets in time (a correction: it wins)."""
    return _csv(
        tmp_path / "correction.csv",
        ["T244,2026-02-24T09:00:00+09:00,2026-02-24T10:30:00+09:00,P1,Kim,k@example.com,,fixed"],
    )


def apply_desk_contract(app: App, actor: Actor) -> None:
    model = Contract.model_validate(CONTRACT_DATA)
    document = ContractDocument(
        contract=model,
        document=canonical_document(model),
        source=f"{model.id}.yaml",
        sha256=contract_hash(model),
    )
    apply_contract(app, actor=actor, document=document)


def load_tickets(app: App, actor: Actor, path: Path) -> loads.LoadReport:
    return loads.load_events(app, actor=actor, contract_id=CONTRACT, source="tickets", path=path)


# A moto server in this process, on 127.0.0.1 and a free port: never an outside service.
S3_ACCESS_KEY = "AKIATESTONLYNOTREAL01"
S3_SECRET_KEY = "test-secret-key-that-must-never-be-shown"


@dataclass
class S3Server:
    """The local S3-compatible server: its endpoint, and buckets made on it."""

    endpoint: str
    _made: int = 0

    def bucket(self) -> str:
        """A new empty bucket (one per test: nothing is shared between tests)."""
        import pyarrow.fs as pafs

        self._made += 1
        name = f"events-{os.getpid()}-{self._made}-{uuid.uuid4().hex[:6]}"
        host = self.endpoint.removeprefix("http://")
        pafs.S3FileSystem(
            endpoint_override=host, scheme="http", region="us-east-1", allow_bucket_creation=True
        ).create_dir(name)
        return name


# The AWS SDK's standard variables, as a deployment would set them; no instance metadata
# lookup (it would leave the machine).
S3_ENVIRONMENT = {
    "AWS_ACCESS_KEY_ID": S3_ACCESS_KEY,
    "AWS_SECRET_ACCESS_KEY": S3_SECRET_KEY,
    "AWS_EC2_METADATA_DISABLED": "true",
    "AWS_REGION": "us-east-1",
}
