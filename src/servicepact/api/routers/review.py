"""The vendor's response to a month and its sign-off: disputes, acknowledgements, the month."""

from __future__ import annotations

from fastapi import APIRouter

from servicepact.api import schemas
from servicepact.api.auth import ActorDep, AppDep
from servicepact.api.params import MonthPath, OptionalMonthQuery
from servicepact.services import review as service
from servicepact.services.review import AcknowledgementRecord, DisputeRecord

router = APIRouter(tags=["monthly review"])


def _dispute(record: DisputeRecord) -> schemas.DisputeRead:
    return schemas.DisputeRead(**{f: getattr(record, f) for f in schemas.DisputeRead.model_fields})


def _ack(record: AcknowledgementRecord) -> schemas.AcknowledgementRead:
    return schemas.AcknowledgementRead(
        **{f: getattr(record, f) for f in schemas.AcknowledgementRead.model_fields}
    )


@router.post(
    "/contracts/{contract_id}/periods/{period}/disputes",
    summary="Dispute a month's results (vendor or client)",
    status_code=201,
)
def raise_dispute(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath, body: schemas.DisputeCreate
) -> schemas.DisputeRead:
    return _dispute(
        service.raise_dispute(
            app,
            actor=actor,
            contract_id=contract_id,
            period=period,
            comment=body.comment,
            service_level_id=body.service_level_id,
        )
    )


@router.get("/contracts/{contract_id}/disputes", summary="A contract's disputes")
def list_disputes(
    app: AppDep, actor: ActorDep, contract_id: str, period: OptionalMonthQuery = None
) -> list[schemas.DisputeRead]:
    found = service.list_disputes(app, actor=actor, contract_id=contract_id, period=period)
    return [_dispute(d) for d in found]


@router.post("/disputes/{dispute_id}/resolve", summary="Answer and close a dispute (client)")
def resolve_dispute(
    app: AppDep, actor: ActorDep, dispute_id: str, body: schemas.DecisionCreate
) -> schemas.DisputeRead:
    return _dispute(
        service.resolve_dispute(app, actor=actor, dispute_id=dispute_id, note=body.note)
    )


@router.post(
    "/contracts/{contract_id}/periods/{period}/acknowledge",
    summary="Acknowledge a month's results as they stand (vendor)",
    description="Refused (409) while a dispute of the month is open or before any result.",
    status_code=201,
)
def acknowledge(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath
) -> schemas.AcknowledgementRead:
    return _ack(service.acknowledge_month(app, actor=actor, contract_id=contract_id, period=period))


@router.get(
    "/contracts/{contract_id}/periods/{period}/review",
    summary="Where a month's review stands: sign-off, close, what waits",
)
def month_review(
    app: AppDep, actor: ActorDep, contract_id: str, period: MonthPath
) -> schemas.MonthReviewRead:
    view = service.month_review(app, actor=actor, contract_id=contract_id, period=period)
    signed = view.signed
    return schemas.MonthReviewRead(
        contract_id=contract_id,
        period=view.period,
        running=view.running,
        closed=view.closed,
        results_sha256=view.results_sha256,
        signed=None if signed is None else _ack(signed),
        acknowledgements=[_ack(a) for a in view.acknowledgements],
        disputes=[_dispute(d) for d in view.disputes],
        pending_exclusions=[x.id for x in view.pending],
        invoice_checks=[int(c["id"]) for c in view.invoice_checks],
    )
