"""Generated requests against every operation of the API's own OpenAPI schema (schemathesis).

The schema is read from the application in process (ASGI transport: no server, no network).
For a client manager, a vendor and an auditor, every operation gets a fixed number of derandomised
examples, valid and invalid, half of them aimed at the seeded contract, month, source and
exclusion so that the answers are not all 404 (SERVICEPACT_GENERATED_EXAMPLES=60 digs deeper
locally). Every answer must:

* never be a 5xx;
* use a status code and content type the schema documents, with a body that fits its schema;
* be ``application/problem+json`` when it is an error.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import pytest
import schemathesis
from api_world import World, calls
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from servicepact.api.errors import PROBLEM_JSON

CONTRACT = "acme-cs-2026"
PERIOD = "2026-02"
# per persona and mode; 6 bounds the test suite's run; .ci/run digs deeper with more (at least
# SERVICEPACT_GENERATED_MIN_CASES requests per persona, checked, so the depth is not assumed)
EXAMPLES_PER_OPERATION = int(os.environ.get("SERVICEPACT_GENERATED_EXAMPLES", "6"))
MIN_CASES_PER_PERSONA = int(os.environ.get("SERVICEPACT_GENERATED_MIN_CASES", "0"))


@pytest.fixture
def seeded(world: World) -> dict[str, str]:
    """A loaded batch, an evaluated month with results, and a requested exclusion."""
    loaded = world.post(
        "bob",
        f"/api/v1/contracts/{CONTRACT}/sources/calls/batches",
        json={"rows": calls(6) + calls(2, answered_after=40, day="2026-02-11")},
    )
    assert loaded.status_code == 201, loaded.text
    evaluated = world.post("alice", f"/api/v1/contracts/{CONTRACT}/periods/{PERIOD}/evaluate")
    assert evaluated.status_code == 200, evaluated.text
    requested = world.post(
        "bob",
        f"/api/v1/contracts/{CONTRACT}/exclusions",
        json={"source": "calls", "period": PERIOD, "reason": "force_majeure"},
    )
    assert requested.status_code == 201, requested.text
    return {
        "contract_id": CONTRACT,
        "period": PERIOD,
        "source": "calls",
        "vendor_id": "helpco",
        "exclusion_id": requested.json()["id"],
        "project": "none",
    }


def problem_json_for_errors(ctx: Any, response: Any, case: Any) -> bool | None:
    """Every 4xx/5xx of the API is a problem document (RFC 9457), as api/errors.py promises."""
    if response.status_code >= 400:
        media_type = response.headers.get("content-type", [""])[0]  # lower-case names, lists
        if not media_type.startswith(PROBLEM_JSON):
            raise AssertionError(
                f"{response.status_code} answered as {media_type!r}, not {PROBLEM_JSON}"
            )
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def _failures_of_operation(
    operation: Any,
    mode: GenerationMode,
    known: dict[str, str],
    headers: dict[str, str],
    call: Callable[..., Any],
    sent: list[int],
) -> list[str]:
    names = {p.name for p in operation.path_parameters}
    aimed = {name: value for name, value in known.items() if name in names}
    strategy = operation.as_strategy(generation_mode=mode)
    if aimed:
        strategy = st.one_of(strategy, operation.as_strategy(generation_mode=mode,
                                                             path_parameters=aimed))  # fmt: skip
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: bounded time; all failures
        suppress_health_check=list(HealthCheck),
    )
    @given(case=strategy)
    def run(case: Any) -> None:
        sent[0] += 1
        try:
            response = call(case, headers)
            case.validate_response(
                response,
                checks=CHECKS,
                additional_checks=[problem_json_for_errors],
                headers=headers,
            )
        except (Exception, FailureGroup) as error:  # a FailureGroup is a BaseExceptionGroup
            if len(found) < 3:  # a few per operation are enough to see the bug
                found.append(f"{operation.label} [{mode.value}]: {error}")

    try:
        run()
    except Unsatisfiable:  # nothing to make invalid (an operation without parameters)
        assert mode is GenerationMode.NEGATIVE
    return found


@pytest.mark.slow
@pytest.mark.parametrize("who", ["alice", "bob", "dana"])
def test_generated_requests_never_fail_the_server_nor_the_documented_schema(
    world: World, seeded: dict[str, str], who: str
) -> None:
    schema = schemathesis.openapi.from_asgi("/api/v1/openapi.json", world.client.app)
    failures: list[str] = []

    def call(case: Any, headers: dict[str, str]) -> Any:
        return case.call(headers=headers)

    sent = [0]
    for result in schema.get_all_operations():
        operation = result.ok()
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            failures += _failures_of_operation(
                operation, mode, seeded, world.headers(who), call, sent
            )
    print(f"{who}: {sent[0]} generated requests")
    assert not failures, "\n\n".join(failures)
    assert sent[0] >= MIN_CASES_PER_PERSONA, f"only {sent[0]} requests were generated"
