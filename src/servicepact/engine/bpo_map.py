"""The BPO map: every outsourced process through its four governance layers.

Layers (seed: 계층구조): policy and decisions; process definition and handoffs;
operation (service levels and their latest status); infrastructure (systems,
sites, staffing). Each layer gets a status:

- ``missing``: nothing is defined for it (no artefact, no decision, no service level),
  or an artefact is marked missing;
- ``attention``: something is in progress, or a service level's latest result is
  not ``met`` (below expected, breached or without enough data);
- ``ok``: everything is defined and every service level met its target.

A process is "outsourced" when at least one contract lists it in its scope.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

from servicepact.domain.contracts import Contract
from servicepact.domain.portfolio import ArtefactStatus, Decision, Layer, Process
from servicepact.domain.results import ResultStatus, ServiceLevelResult, latest_closed_by_level


class LayerStatus(StrEnum):
    OK = "ok"
    ATTENTION = "attention"
    MISSING = "missing"

    @property
    def colour(self) -> str:
        return {"ok": "green", "attention": "amber", "missing": "red"}[self.value]


@dataclass(frozen=True)
class LayerItem:
    name: str
    status: str  # an artefact status, "decision", or a result status
    detail: str = ""


@dataclass(frozen=True)
class LayerView:
    layer: Layer
    status: LayerStatus
    items: tuple[LayerItem, ...]


@dataclass(frozen=True)
class ProcessMap:
    process_id: str
    name: str
    domain: str
    office: str
    parent: str | None
    contracts: tuple[str, ...]
    vendors: tuple[str, ...]
    layers: tuple[LayerView, ...]

    def layer(self, layer: Layer) -> LayerView:
        return next(view for view in self.layers if view.layer is layer)


def _artefact_status(statuses: Sequence[ArtefactStatus]) -> LayerStatus:
    if not statuses or ArtefactStatus.MISSING in statuses:
        return LayerStatus.MISSING
    if ArtefactStatus.IN_PROGRESS in statuses:
        return LayerStatus.ATTENTION
    return LayerStatus.OK


_SEVERITY = (LayerStatus.OK, LayerStatus.ATTENTION, LayerStatus.MISSING)


def _worst(statuses: Sequence[LayerStatus]) -> LayerStatus:
    """The worst of the statuses; nothing at all is missing."""
    if not statuses:
        return LayerStatus.MISSING
    return max(statuses, key=_SEVERITY.index)


def _operation_layer(
    process: Process,
    covering: list[Contract],
    latest: Mapping[tuple[str, str], ServiceLevelResult],
) -> LayerView:
    """The operation layer: the process's own artefacts and the service levels of the
    contracts covering it, each with its latest closed status."""
    op_items: list[LayerItem] = [
        LayerItem(a.name, a.status.value, a.note) for a in process.layer(Layer.OPERATION)
    ]
    op_artefacts = process.layer(Layer.OPERATION)
    candidates: list[LayerStatus] = []
    if op_artefacts:
        candidates.append(_artefact_status([a.status for a in op_artefacts]))
    level_statuses: list[ResultStatus | None] = []
    for contract in covering:
        for level in contract.service_levels:
            result = latest.get((contract.id, level.id))
            status = result.status if result else None
            level_statuses.append(status)
            op_items.append(
                LayerItem(
                    f"{contract.id}/{level.id} {level.name}",
                    status.value if status else "not_measured",
                    f"latest {result.period}" if result else "no closed period yet",
                )
            )
    if level_statuses:
        met = all(s is ResultStatus.MET for s in level_statuses)
        candidates.append(LayerStatus.OK if met else LayerStatus.ATTENTION)
    op_status = _worst(candidates)
    return LayerView(Layer.OPERATION, op_status, tuple(op_items))


def bpo_map(
    *,
    processes: Sequence[Process],
    contracts: Sequence[Contract],
    results: Sequence[ServiceLevelResult] = (),
    decisions: Sequence[Decision] = (),
) -> list[ProcessMap]:
    latest = latest_closed_by_level(results)
    out: list[ProcessMap] = []
    for process in sorted(processes, key=lambda p: p.id):
        covering = [c for c in contracts if process.id in c.processes]
        if not covering:
            continue
        layers: list[LayerView] = []

        # policy: artefacts of the layer plus the decisions that touch the process or its contracts
        contract_ids = {c.id for c in covering}
        touching = sorted(
            (
                d
                for d in decisions
                if process.id in d.processes or contract_ids.intersection(d.contracts)
            ),
            key=lambda d: d.date,
        )
        policy_artefacts = process.layer(Layer.POLICY)
        items = [LayerItem(a.name, a.status.value, a.note) for a in policy_artefacts]
        items += [
            LayerItem(d.title, "decision", f"{d.date} by {d.owner}: {d.rationale}")
            for d in touching
        ]
        statuses = [a.status for a in policy_artefacts] + [ArtefactStatus.DEFINED for _ in touching]
        layers.append(LayerView(Layer.POLICY, _artefact_status(statuses), tuple(items)))

        for layer in (Layer.PROCESS,):
            artefacts = process.layer(layer)
            layers.append(
                LayerView(
                    layer,
                    _artefact_status([a.status for a in artefacts]),
                    tuple(LayerItem(a.name, a.status.value, a.note) for a in artefacts),
                )
            )

        # operation: the service levels of the covering contracts with their latest status
        layers.append(_operation_layer(process, covering, latest))

        infra = process.layer(Layer.INFRASTRUCTURE)
        layers.append(
            LayerView(
                Layer.INFRASTRUCTURE,
                _artefact_status([a.status for a in infra]),
                tuple(LayerItem(a.name, a.status.value, a.note) for a in infra),
            )
        )
        out.append(
            ProcessMap(
                process_id=process.id,
                name=process.name,
                domain=process.domain.value,
                office=process.office.value,
                parent=process.parent,
                contracts=tuple(sorted(contract_ids)),
                vendors=tuple(sorted({c.vendor for c in covering})),
                layers=tuple(layers),
            )
        )
    return out
