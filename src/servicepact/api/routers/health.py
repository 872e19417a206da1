"""Liveness and database reachability (no token needed: for load balancers and monitors)."""

from __future__ import annotations

from fastapi import APIRouter, Response

from servicepact import __version__
from servicepact.api import schemas
from servicepact.api.auth import AppDep
from servicepact.domain.errors import Conflict

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    summary="Is the service up and its database current?",
    responses={503: {"description": "the database is unreachable or behind this release"}},
)
def health(app: AppDep, response: Response) -> schemas.Health:
    try:
        app.check_schema()
    except Conflict:
        response.status_code = 503
        return schemas.Health(status="degraded", version=__version__, database="not current")
    except Exception:  # an unreachable database must answer, not crash the probe
        response.status_code = 503
        return schemas.Health(status="degraded", version=__version__, database="unreachable")
    return schemas.Health(status="ok", version=__version__, database="ok")
