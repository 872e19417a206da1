"""The vendor-governance commands as an operator runs them on the example portfolio."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from servicepact.cli.errors import EXIT_INVALID, EXIT_OK

ROOT = Path(__file__).resolve().parents[3]
EXAMPLES = ROOT / "examples"
CONTRACTS = [
    "contact-centre.yaml",
    "it-operations.yaml",
    "hr-payroll.yaml",
    "accounts-payable.yaml",
    "logistics.yaml",
    "marketing.yaml",
]


@pytest.fixture
def servicepact(cli_env, run_servicepact):  # type: ignore[no-untyped-def]
    return run_servicepact


@pytest.fixture
def applied(servicepact):  # type: ignore[no-untyped-def]
    files = [str(EXAMPLES / "portfolio.yaml")] + [str(EXAMPLES / name) for name in CONTRACTS]
    result = servicepact("contract", "apply", *files)
    assert result.code == EXIT_OK, result.err
    return servicepact


def test_a_selection_is_evaluated_without_a_database_and_printed_as_json(servicepact) -> None:  # type: ignore[no-untyped-def]
    result = servicepact(
        "selection",
        "evaluate",
        str(EXAMPLES / "selection" / "contact-centre-2027.yaml"),
        "--format",
        "json",
    )
    assert result.code == EXIT_OK, result.err
    data = json.loads(result.out)
    assert data["winner"] == "helpco"
    ranking = {row["candidate"]: row for row in data["ranking"]}
    assert ranking["seoulbpo"]["rank"] is None
    assert "expired" in ranking["seoulbpo"]["knockouts"][0]["reason"]
    assert data["ahp"]["root"]["consistent"] is True
    assert {s["criterion"] for s in data["sensitivity"]} >= {"price", "security"}


def test_a_broken_selection_file_is_one_clear_error_with_its_line(
    servicepact, tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "selection:\n  id: x\n  name: X\n  processes: [p]\n  candidates: []\n"
        "  criteria: [{id: a, name: A, weight: 1}]\n  evaluators: [e]\n",
        encoding="utf-8",
    )
    result = servicepact("selection", "evaluate", str(broken))
    assert result.code == EXIT_INVALID
    assert "selection.candidates" in result.err
    assert "line 5" in result.err
    assert "Traceback" not in result.err


def test_the_ahp_command_reports_the_consistency_ratio(servicepact) -> None:  # type: ignore[no-untyped-def]
    result = servicepact("selection", "ahp", "1,3,1/3;1/3,1,3;3,1/3,1", "--format", "json")
    assert result.code == EXIT_OK
    data = json.loads(result.out)
    assert data["consistent"] is False
    assert data["cr"] == pytest.approx((2 / 3) / 0.58)


def test_the_risk_register_heat_map_entrustment_and_map_as_json(applied) -> None:  # type: ignore[no-untyped-def]
    assert applied("risk", "apply", str(EXAMPLES / "risks.yaml")).code == EXIT_OK
    heat = json.loads(applied("risk", "heatmap", "--format", "json").out)
    cells = {(c["likelihood"], c["impact"]): c for row in heat["cells"] for c in row}
    assert cells[(2, 5)]["risks"] == ["R-001"]  # the data-security risk
    assert sum(c["count"] for c in cells.values()) == 6
    assert applied("entrustment", "apply", str(EXAMPLES / "entrustment.yaml")).code == EXIT_OK
    register = json.loads(applied("entrustment", "list", "--format", "json").out)
    assert [e["contract_id"] for e in register["entrustments"]] == [
        "hanbit-cc-2026",
        "hanbit-hr-2026",
        "hanbit-logistics-2026",
        "hanbit-mkt-2026",
    ]
    bpo = json.loads(applied("map", "--format", "json").out)
    support = next(p for p in bpo if p["process"] == "customer-support")
    assert [layer["layer"] for layer in support["layers"]] == [
        "policy",
        "process",
        "operation",
        "infrastructure",
    ]
    assert support["vendors"] == ["callnet"]
    policy = support["layers"][0]
    assert any(item["status"] == "decision" for item in policy["items"])
    decisions = json.loads(
        applied("decisions", "--process", "customer-support", "--format", "json").out
    )
    assert decisions
    assert all("customer-support" in d["processes"] for d in decisions)
    assert {"date", "owner", "rationale", "contracts"} <= set(decisions[0])


def test_an_export_without_a_reason_is_refused_in_one_line(applied) -> None:  # type: ignore[no-untyped-def]
    result = applied(
        "entrustment",
        "access",
        "hanbit-cc-2026",
        "export",
        "phone",
        "--record",
        "p:9f3c",
        "--from",
        "10.0.0.5",
    )
    assert result.code == EXIT_INVALID
    assert "needs a reason" in result.err


def test_ranking_without_results_lists_every_vendor_as_a_gap(applied) -> None:  # type: ignore[no-untyped-def]
    result = applied("ranking", "--period", "2026-02", "--format", "json")
    assert result.code == EXIT_OK, result.err
    ranking = json.loads(result.out)["ranking"]
    assert {r["vendor"] for r in ranking} == {
        "callnet",
        "nextit",
        "peoplecore",
        "hanlogis",
        "brightwave",
    }
    assert all(r["rank"] is None and r["gap_reason"] for r in ranking)


def test_alerts_without_a_webhook_name_the_outbox_and_write_nothing_when_nothing_holds(
    applied, cli_env
) -> None:  # type: ignore[no-untyped-def]
    # No events are loaded, so no condition holds: the run names the outbox it would
    # write to and leaves it unwritten (writing to it is tested on the alert service).
    assert applied("risk", "apply", str(EXAMPLES / "risks.yaml")).code == EXIT_OK
    result = applied("alerts", "run", "--format", "json")
    assert result.code == EXIT_OK, result.err
    summary = json.loads(result.out)
    assert summary["conditions"] == 0
    assert summary["sent"] == []
    assert Path(summary["outbox"]) == cli_env.data_dir / "alerts" / "outbox.jsonl"
    assert not Path(summary["outbox"]).exists()


def test_comparing_two_vendors_without_results_shows_both_sides_empty(applied) -> None:  # type: ignore[no-untyped-def]
    # Nothing measured, credited, invoiced or surveyed in February: those components are
    # empty on both sides, and so is the composite (it needs the service levels). The register
    # holds no open risk of either vendor: 100 × (1 − 0/25) = 100 each, a difference of 0.
    result = applied("compare", "callnet", "nextit", "--period", "2026-02", "--format", "json")
    assert result.code == EXIT_OK, result.err
    data = json.loads(result.out)
    assert (data["period"], data["left"]["vendor"], data["right"]["vendor"]) == (
        "2026-02",
        "callnet",
        "nextit",
    )
    rows = {
        row["component"]: (row["left"], row["right"], row["difference"]) for row in data["rows"]
    }
    assert rows == {
        "service_levels": (None, None, None),
        "credits": (None, None, None),
        "invoice_accuracy": (None, None, None),
        "control_findings": (None, None, None),
        "open_risks": (100.0, 100.0, 0.0),
        "survey": (None, None, None),
        "composite": (None, None, None),
    }
    assert data["kpis"] == []
