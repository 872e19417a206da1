"""The personal-data entrustment register and the access log of personal data.

The register holds one entry per contract (PIPA Art. 26, GDPR Art. 28 items); an
overdue or failed inspection is a control finding on the contract. The access log
records each view or export of personal data — who, when, from where, which
category and which (pseudonymised) record — and refuses an export without a reason.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from servicepact.contractfile.kinds import load_yaml_model
from servicepact.domain.access import Actor
from servicepact.domain.entrustment import (
    AccessAction,
    AccessRecord,
    Entrustment,
    EntrustmentRegister,
    inspection_findings,
)
from servicepact.domain.errors import AccessDenied, InvalidInput, NotFound, Problem
from servicepact.domain.event_types import PersonalData
from servicepact.domain.risks import ControlFinding
from servicepact.services._contracts import get_contract, list_contracts
from servicepact.services.ports import Ports
from servicepact.store.db.governance import EntrustmentRepository, PersonalDataAccessRepository
from servicepact.store.pii import mask_text


def load_entrustment_register(path: Path) -> EntrustmentRegister:
    return load_yaml_model(path, EntrustmentRegister)


@dataclass(frozen=True)
class EntrustmentOutcome:
    created: int
    updated: int
    unchanged: int


def apply_entrustment_register(
    app: Ports, *, actor: Actor, register: EntrustmentRegister
) -> EntrustmentOutcome:
    """Create or update the entrustment of each contract in the file; each change audited."""
    actor.require_client("change the entrustment register")
    created = updated = unchanged = 0
    with app.uow() as uow:
        problems: list[Problem] = []
        for index, entry in enumerate(register.entrustments):
            try:
                contract = get_contract(uow, actor=actor, contract_id=entry.contract_id).contract
            except NotFound:
                problems.append(
                    Problem(
                        f"entrustments[{index}].contract_id",
                        "no such contract",
                        value=entry.contract_id,
                    )
                )
                continue
            if contract.vendor != entry.vendor:
                problems.append(
                    Problem(
                        f"entrustments[{index}].vendor",
                        f"the contract's vendor is {contract.vendor!r}",
                        value=entry.vendor,
                    )
                )
        if problems:
            raise InvalidInput(problems=problems)
        stored = uow.repo(EntrustmentRepository)
        for entry in register.entrustments:
            before = stored.terms(entry.contract_id)
            terms = entry.model_dump(mode="json")
            if before == terms:
                unchanged += 1
                continue
            stored.save(
                contract_id=entry.contract_id,
                vendor=entry.vendor,
                terms=terms,
                exists=before is not None,
                at=uow.now(),
            )
            if before is None:
                created += 1
            else:
                updated += 1
            uow.record(
                actor=actor,
                entity_type="entrustment",
                entity_id=entry.contract_id,
                action="create" if before is None else "update",
                before=None if before is None else _summary(before),
                after=_summary(terms),
            )
    return EntrustmentOutcome(created, updated, unchanged)


def _summary(terms: dict[str, Any]) -> dict[str, Any]:
    """The terms for the audit trail: an inspector may be a person, so only that one was named."""
    summary = dict(terms)
    inspection = summary.get("last_inspection")
    if isinstance(inspection, dict) and inspection.get("inspector"):
        summary["last_inspection"] = {**inspection, "inspector": "(set)"}
    return summary


def list_entrustments(app: Ports, *, actor: Actor) -> list[Entrustment]:
    """The register, limited to the contracts the actor can see."""
    with app.uow(read_only=True) as uow:
        visible = {c.id for c in list_contracts(uow, actor=actor)}
        registered = uow.repo(EntrustmentRepository).all_terms()
    return [
        Entrustment.model_validate(terms)
        for contract_id, terms in registered
        if contract_id in visible
    ]


def inspection_findings_for(app: Ports, *, actor: Actor, today: date) -> list[ControlFinding]:
    register = EntrustmentRegister(entrustments=tuple(list_entrustments(app, actor=actor)))
    with app.uow(read_only=True) as uow:
        starts = {
            e.contract_id: get_contract(
                uow, actor=actor, contract_id=e.contract_id
            ).contract.term.start
            for e in register.entrustments
        }
    return inspection_findings(register, today=today, contract_starts=starts)


def record_access(
    app: Ports,
    *,
    actor: Actor,
    action: AccessAction,
    contract_id: str,
    category: PersonalData,
    record_ref: str,
    source_address: str,
    reason: str | None = None,
    count: int = 1,
    at: datetime | None = None,
) -> AccessRecord:
    """Log one view or export of personal data; an export without a reason is refused."""
    if action is AccessAction.EXPORT and not (reason and reason.strip()):
        raise InvalidInput(
            problems=[Problem("reason", "an export of personal data needs a reason")]
        )
    if reason is not None:
        reason = mask_text(reason)  # a reason may quote a phone number or an e-mail address
    with app.uow() as uow:
        get_contract(uow, actor=actor, contract_id=contract_id)
        record = AccessRecord(
            at=at or uow.now(),
            user=actor.user,
            action=action,
            contract_id=contract_id,
            category=category,
            record_ref=record_ref,
            source_address=source_address,
            reason=reason,
            count=count,
        )
        uow.repo(PersonalDataAccessRepository).add(record)
        uow.record(
            actor=actor,
            entity_type="personal_data_access",
            entity_id=contract_id,
            action=record.action.value,
            after={"category": record.category.value, "count": record.count},
        )
    return record


def access_log(
    app: Ports, *, actor: Actor, contract_id: str | None = None, limit: int = 500
) -> list[AccessRecord]:
    """Who viewed or exported personal data; for the client's managers and the auditor."""
    if actor.scoped:
        raise AccessDenied("the access log of personal data is for the client and the auditor")
    with app.uow(read_only=True) as uow:
        return uow.repo(PersonalDataAccessRepository).latest(contract_id=contract_id, limit=limit)
