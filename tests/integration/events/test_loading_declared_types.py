"""An event type the contract declares is loaded, refused, corrected and protected like a
built-in one (examples/procurement.yaml's ``purchase_orders``), then measured."""

from __future__ import annotations

from pathlib import Path

import pyarrow.parquet as pq
import pytest

from servicepact.bootstrap import App
from servicepact.contractfile import parse_contract_text
from servicepact.domain.access import Actor, Role
from servicepact.domain.errors import InvalidInput
from servicepact.domain.event_types import EventType
from servicepact.services import loads
from servicepact.services.contracts import apply_contract, get_contract
from servicepact.services.evaluation import evaluate_periods

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "procurement.yaml"
CONTRACT = "hanbit-proc-2026"
HEADER = (
    "id,requested_at,issued_at,category,urgency,on_catalogue,amount,savings,lines,"
    "lines_in_error,holds,requester_name"
)


@pytest.fixture
def contract(app: App, client_manager: Actor) -> None:
    # The example, between the test personas' parties (client acme, vendor helpco).
    text = EXAMPLE.read_text(encoding="utf-8")
    text = text.replace("client: hanbit", "client: acme").replace(
        "vendor: peoplecore", "vendor: helpco"
    )
    document = parse_contract_text(text, "procurement.yaml")
    apply_contract(app, actor=client_manager, document=document)


def _write(tmp_path: Path, name: str, rows: list[str]) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


# 2026-02-02 is a Monday. PR-1: urgent, 2 business hours; PR-2: normal, 10 h 30 min
# held for 1 h → 9.5 business hours; PR-3: urgent, issued 16:00 next day → 16 h > 8 h.
ROWS = [
    "PR-1,2026-02-02T09:00:00+09:00,2026-02-02T11:00:00+09:00,it,urgent,true,1000000.50,,10,0,,김민준",
    "PR-2,2026-02-02T09:00:00+09:00,2026-02-03T10:30:00+09:00,indirect,normal,false,2000000,"
    '150000,30,1,"[[""2026-02-02T10:00:00+09:00"",""2026-02-02T11:00:00+09:00""]]",이서연',
    "PR-3,2026-02-02T09:00:00+09:00,2026-02-03T16:00:00+09:00,facilities,urgent,true,300000,,5,0,,박지호",
]


def _read(app: App) -> list[dict[str, object]]:
    store = app.event_store
    table = store.with_types(_declared(app)).read(contract_id=CONTRACT, source="purchase_orders")
    return table.to_pylist()


def _declared(app: App) -> dict[str, EventType]:
    auditor = Actor(user="audrey", role=Role.AUDITOR)
    stored = get_contract(app, actor=auditor, contract_id=CONTRACT)
    return dict(stored.contract.declared_event_types)


def _load(app: App, actor: Actor, path: Path) -> loads.LoadReport:
    return loads.load_events(
        app, actor=actor, contract_id=CONTRACT, source="purchase_orders", path=path
    )


def test_a_declared_type_is_loaded_pseudonymised_corrected_and_measured(
    app: App, contract: None, vendor_a: Actor, client_manager: Actor, tmp_path: Path
) -> None:
    report = _load(app, vendor_a, _write(tmp_path, "po.csv", ROWS))
    assert (report.rows_read, report.rows_accepted, report.rows_rejected) == (3, 3, 0)
    assert _load(app, vendor_a, _write(tmp_path, "po.csv", ROWS)).status is (
        loads.LoadStatus.ALREADY_LOADED
    )
    stored = " ".join(
        str(v)
        for f in app.settings.event_store_dir.rglob("*.parquet")
        for r in pq.read_table(f).to_pylist()
        for v in r.values()
    )
    assert "김민준" not in stored
    assert "이서연" not in stored
    # PR-3 re-sent: issued the same morning, within its 8 business hours.
    fixed = ROWS[2].replace("2026-02-03T16:00:00+09:00", "2026-02-02T15:00:00+09:00")
    correction = _load(app, vendor_a, _write(tmp_path, "po-fix.csv", [fixed]))
    assert correction.corrections == 1
    assert {r["id"]: r["issued_at"].hour for r in _read(app)}["PR-3"] == 6  # 15:00 Seoul
    results = evaluate_periods(
        app, actor=client_manager, contract_id=CONTRACT, period_labels=["2026-02"]
    )
    by_level = {r.service_level_id: r for r in results}
    # PR-1 2 h ≤ 8, PR-2 9.5 h ≤ 24, PR-3 6 h ≤ 8: all three within target.
    assert (by_level["PR-01"].numerator, by_level["PR-01"].denominator) == (3, 3)
    # catalogue compliance over indirect and IT: PR-1 on catalogue, PR-2 not.
    assert (by_level["PR-03"].numerator, by_level["PR-03"].denominator) == (1, 2)
    # order lines in error: 1 of 10 + 30 + 5.
    assert (by_level["PR-04"].numerator, by_level["PR-04"].denominator) == (1, 45)
    # savings: only PR-2 states one.
    assert by_level["PR-05"].value == 150000


def test_a_file_that_breaks_the_declared_type_is_refused_with_row_errors_and_nothing_stored(
    app: App, contract: None, vendor_a: Actor, tmp_path: Path
) -> None:
    bad = [
        ROWS[0],
        ROWS[1].replace(",normal,", ",whenever,"),
        ROWS[2].replace(",5,0,", ",0,0,"),  # lines below its minimum of 1
    ]
    with pytest.raises(InvalidInput) as caught:
        _load(app, vendor_a, _write(tmp_path, "bad.csv", bad))
    places = sorted((p.line, p.where.rsplit(" ", 1)[-1]) for p in caught.value.problems)
    assert [line for line, _ in places] == [3, 4]
    assert any("urgency" in p.where for p in caught.value.problems)
    assert any("lines" in p.where for p in caught.value.problems)
    assert not [p for p in app.settings.event_store_dir.rglob("*") if p.is_file()]
