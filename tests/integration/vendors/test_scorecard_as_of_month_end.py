"""A month's scorecard reads risks and findings as they stood at the month's end, and a closed
month's scorecard is frozen (on SQLite and PostgreSQL).

The contract (helpco, Asia/Seoul, SL-01 40 %, no fees) is met in October and November; no
credit statement, invoice or survey: those components are gaps. With the default weights the
composite is (40 × 100 + 10 × findings + 10 × risks) ÷ 60.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest
from vendors_fixtures import sl01_result

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import InvalidInput
from servicepact.domain.load_findings import Finding, FindingKind, Severity
from servicepact.domain.results import ResultStatus
from servicepact.domain.risks import RiskRegister
from servicepact.services import risks as risk_service
from servicepact.services import vendors as vendor_service
from servicepact.services.contracts import apply_contract
from servicepact.services.periods import close_period, reopen_period
from servicepact.store.events.repository import BatchRepository

ACME = "acme-cs-2026"


RESULTS = [sl01_result(ACME, p, ResultStatus.MET) for p in ("2026-10", "2026-11")]


def _risk(risk_id: str, likelihood: int, impact: int, **dates: Any) -> dict[str, Any]:
    return {
        "id": risk_id,
        "title": f"risk {risk_id}",
        "category": "service_quality",
        "likelihood": likelihood,
        "impact": impact,
        "owner": "vendor manager",
        "contracts": [ACME],
        "vendors": ["helpco"],
        **dates,
    }


def _r1_closed_on_20_november() -> dict[str, Any]:
    """R-1, open from 5 October to 20 November: October's end, not November's."""
    return _risk("R-1", 4, 5, status="closed", opened=date(2026, 10, 5), closed=date(2026, 11, 20))


@pytest.fixture
def world(
    app: App,
    client_manager: Actor,
    clock: Any,
    make_contract_document: Callable[..., Any],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    apply_contract(app, actor=client_manager, document=make_contract_document(ACME))
    import servicepact.services.commercials as commercials
    import servicepact.services.evaluation as evaluation
    import servicepact.services.periods as periods

    def list_results(app: App, *, actor: Actor, contract_id: str, period: str | None = None):
        return [r for r in RESULTS if period is None or r.period == period]

    monkeypatch.setattr(evaluation, "list_results", list_results)
    monkeypatch.setattr(commercials, "results_of", lambda app, **_: list(RESULTS))
    monkeypatch.setattr(periods, "results_of", lambda app, **_: list(RESULTS))
    clock.now = datetime(2026, 12, 2, 1, 0, tzinfo=UTC)
    register = RiskRegister.model_validate(
        {
            "risks": [
                # open from 5 October to 20 November: October's end, not November's
                _r1_closed_on_20_november(),
                # opened 10 November, still open
                _risk("R-2", 2, 3, opened=date(2026, 11, 10)),
            ]
        }
    )
    risk_service.apply_risk_register(app, actor=client_manager, register=register)


def _finding(app: App, actor: Actor, at: datetime) -> None:
    """A control finding of a load, found at ``at`` (as services/loads.py records one)."""
    with app.uow() as uow:
        uow.repo(BatchRepository).add_findings(
            contract_id=ACME,
            source="calls",
            batch_seq=None,
            findings=[
                Finding(
                    kind=FindingKind.INCOMPLETE_DAY,
                    severity=Severity.WARNING,
                    count=1,
                    detail="a day with too few rows",
                    examples=("2026-11-30",),
                )
            ],
            at=at,
        )
        uow.record(actor=actor, entity_type="control_finding", entity_id=ACME, action="create")


def _composite(app: App, actor: Actor, period: str) -> Fraction | None:
    return vendor_service.scorecard(app, actor=actor, vendor_id="helpco", period=period).composite


@pytest.mark.usefixtures("world")
def test_a_month_reads_the_risks_and_findings_open_at_its_end(
    app: App, client_manager: Actor, clock: Any
) -> None:
    # 23:30 on 30 November in Seoul (14:30 UTC): November's. 00:30 on 1 December in Seoul
    # (15:30 UTC on 30 November): December's, though still November in UTC.
    _finding(app, client_manager, datetime(2026, 11, 30, 14, 30, tzinfo=UTC))
    _finding(app, client_manager, datetime(2026, 11, 30, 15, 30, tzinfo=UTC))

    # October: R-1 open (4 × 5 = 20 → 100 × (1 − 20/25) = 20); no finding yet → 100.
    # (4,000 + 1,000 + 200) ÷ 60 = 5,200 ÷ 60 = 260/3 (86.67)
    assert _composite(app, client_manager, "2026-10") == Fraction(260, 3)
    # November: R-1 closed on the 20th; R-2 open (6 → 76); one finding open at the end → 80.
    # (4,000 + 800 + 760) ÷ 60 = 5,560 ÷ 60 = 278/3 (92.67)
    november = Fraction(278, 3)
    card = vendor_service.scorecard(app, actor=client_manager, vendor_id="helpco", period="2026-11")
    assert card.composite == november
    assert [c.detail for c in card.components if c.component.value == "open_risks"] == [
        "1 open risks, highest 6 of 25"
    ]

    # 4 December: an unrelated load raises a finding, and a severe risk is entered (today).
    clock.now = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
    _finding(app, client_manager, clock.now)
    severe = RiskRegister.model_validate({"risks": [_risk("R-3", 5, 5)]})
    risk_service.apply_risk_register(app, actor=client_manager, register=severe)
    stored = {r.id: r for r in risk_service.list_risks(app, actor=client_manager)}
    assert stored["R-3"].opened == date(2026, 12, 4)  # the day it was entered, in Seoul

    # November is unchanged; before, it read 2 findings (60) and the 25 (0): 4,600 ÷ 60.
    assert _composite(app, client_manager, "2026-11") == november
    # the trend reads each month at its own end, too
    trend = vendor_service.trend(app, actor=client_manager, vendor_id="helpco", last="2026-11")
    assert [p.composite for p in trend.points[-2:]] == [Fraction(260, 3), november]


@pytest.mark.usefixtures("world")
def test_a_register_date_that_contradicts_the_status_is_refused(
    app: App, client_manager: Actor
) -> None:
    with pytest.raises(ValueError, match="closed 2026-11-20 is given but the status is open"):
        RiskRegister.model_validate({"risks": [_risk("R-9", 1, 1, closed=date(2026, 11, 20))]})
    with pytest.raises(ValueError, match="closed 2026-11-01 is before opened 2026-11-02"):
        RiskRegister.model_validate(
            {
                "risks": [
                    _risk(
                        "R-9",
                        1,
                        1,
                        status="closed",
                        opened=date(2026, 11, 2),
                        closed=date(2026, 11, 1),
                    )
                ]
            }
        )
    # applying the same register again changes nothing (its dates included)
    again = RiskRegister.model_validate(
        {
            "risks": [
                _r1_closed_on_20_november(),
                _risk("R-2", 2, 3),  # no date in the file: the stored one stands
            ]
        }
    )
    outcome = risk_service.apply_risk_register(app, actor=client_manager, register=again)
    assert (outcome.created, outcome.updated, outcome.unchanged) == (0, 0, 2)
    with pytest.raises(InvalidInput):
        vendor_service.scorecard(app, actor=client_manager, vendor_id="helpco", period="2026-13")


@pytest.mark.usefixtures("world")
def test_a_closed_months_scorecard_is_frozen_until_it_is_reopened(
    app: App, client_manager: Actor, clock: Any
) -> None:
    # no finding: (4,000 + 1,000 + 760) ÷ 60 = 5,760 ÷ 60 = 96
    assert _composite(app, client_manager, "2026-11") == 96
    close_period(app, actor=client_manager, contract_id=ACME, period="2026-11")
    with app.uow(read_only=True) as uow:
        frozen = [
            (e.entity_id, e.action)
            for e in uow.audit.iter_entries()
            if e.entity_type == "vendor_scorecard"
        ]
    assert frozen == [("helpco/2026-11/v1", "freeze")]

    # After the close, R-2 is corrected to 5 × 5 and said to be open since 1 October.
    clock.advance(timedelta(days=1))
    corrected = RiskRegister.model_validate(
        {
            "risks": [
                _r1_closed_on_20_november(),
                _risk("R-2", 5, 5, opened=date(2026, 10, 1)),
            ]
        }
    )
    risk_service.apply_risk_register(app, actor=client_manager, register=corrected)
    # November is closed: its scorecard stays as it was frozen.
    frozen = vendor_service.scorecard(
        app, actor=client_manager, vendor_id="helpco", period="2026-11"
    )
    assert (frozen.composite, frozen.frozen) == (96, True)
    # October is open: it reads the corrected register (25 → 0): (4,000 + 1,000) ÷ 60.
    assert _composite(app, client_manager, "2026-10") == Fraction(250, 3)

    # Reopened, November is live again and reads the correction: (4,000 + 1,000 + 0) ÷ 60.
    reopen_period(
        app, actor=client_manager, contract_id=ACME, period="2026-11", reason="risk corrected"
    )
    live = vendor_service.scorecard(app, actor=client_manager, vendor_id="helpco", period="2026-11")
    assert (live.composite, live.frozen) == (Fraction(250, 3), False)
    # Closed again: a second frozen version, with the corrected inputs.
    close_period(app, actor=client_manager, contract_id=ACME, period="2026-11")
    assert _composite(app, client_manager, "2026-11") == Fraction(250, 3)
    with app.uow(read_only=True) as uow:
        versions = [
            e.entity_id for e in uow.audit.iter_entries() if e.entity_type == "vendor_scorecard"
        ]
    assert versions == ["helpco/2026-11/v1", "helpco/2026-11/v2"]


@pytest.mark.usefixtures("world")
def test_a_month_reads_the_survey_as_it_stood_at_its_end(
    app: App, client_manager: Actor, clock: Any
) -> None:
    def survey(score: int) -> None:
        vendor_service.record_survey(
            app,
            actor=client_manager,
            vendor_id="helpco",
            quarter="2026-Q4",
            score=Decimal(score),
            respondents=5,
        )

    # Entered on 15 November: November and December read it, October (ended before) does not.
    clock.now = datetime(2026, 11, 15, 3, 0, tzinfo=UTC)
    survey(80)
    # Corrected on 4 December to 20: November keeps 80, December reads 20.
    clock.now = datetime(2026, 12, 4, 3, 0, tzinfo=UTC)
    survey(20)
    # October: (4,000 + 1,000 + 200) ÷ 60, no survey (a gap) = 260/3.
    assert _composite(app, client_manager, "2026-10") == Fraction(260, 3)
    # November: (4,000 + 1,000 + 760 + 10 × 80) ÷ 70 = 6,560 ÷ 70 = 656/7 (93.71).
    assert _composite(app, client_manager, "2026-11") == Fraction(656, 7)
    december = vendor_service.scorecard(
        app, actor=client_manager, vendor_id="helpco", period="2026-12"
    )
    assert [c.score for c in december.components if c.component.value == "survey"] == [20]
