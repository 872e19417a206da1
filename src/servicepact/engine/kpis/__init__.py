"""The KPI library: one computation per name of the catalogue (domain/kpis.py).

``COMPUTATIONS[name](table, ctx, windows)`` returns one exact aggregate per
window. A test checks that every catalogue name has a computation and every
computation a catalogue entry.
"""

from __future__ import annotations

from servicepact.domain.declared import DeclaredKpiDefinition
from servicepact.domain.errors import UnknownKpi
from servicepact.domain.kpis import KpiDefinition
from servicepact.engine.kpis import (
    availability,
    contact_centre,
    logistics,
    marketing,
    payables,
    payroll,
    tickets,
)
from servicepact.engine.kpis.base import KpiAggregate, KpiComputation, KpiContext, Outcomes, Window

COMPUTATIONS: dict[str, KpiComputation] = {
    **contact_centre.COMPUTATIONS,
    **tickets.COMPUTATIONS,
    **availability.COMPUTATIONS,
    **payroll.COMPUTATIONS,
    **payables.COMPUTATIONS,
    **logistics.COMPUTATIONS,
    **marketing.COMPUTATIONS,
}


def computation_for(name: str, definition: KpiDefinition | None = None) -> KpiComputation:
    """The computation of a catalogue KPI, or of a KPI the contract declares (given its
    definition: the declaration is turned into array operations, never into code)."""
    if isinstance(definition, DeclaredKpiDefinition) and definition.spec is not None:
        from servicepact.engine.kpis.declared import declared_computation

        return declared_computation(definition)
    try:
        return COMPUTATIONS[name]
    except KeyError:
        raise UnknownKpi(f"no computation for KPI {name!r}", where=name) from None


__all__ = [
    "COMPUTATIONS",
    "KpiAggregate",
    "KpiComputation",
    "KpiContext",
    "Outcomes",
    "Window",
    "computation_for",
]
