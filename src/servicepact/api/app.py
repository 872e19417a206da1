"""The web application: the REST API under ``/api/v1`` and the server-rendered UI under ``/``.

from servicepact.bootstrap import build_app
from servicepact.api import create_app
api = create_app(build_app())          # an ASGI app for uvicorn or TestClient
"""

from __future__ import annotations

from fastapi import APIRouter, FastAPI

from servicepact import __version__
from servicepact.api import errors
from servicepact.api.routers import (
    audit,
    commercials,
    contracts,
    exclusions,
    governance,
    health,
    loads,
    results,
    vendors,
)
from servicepact.bootstrap import App

API_PREFIX = "/api/v1"
DESCRIPTION = """
Contracts and service levels, operational data, measured results, credits and invoice checks,
vendors, risks and the audit trail of ServicePact.

* **Auth**: `Authorization: Bearer <token>` (create one with `servicepact token create USER`).
  Vendor and broker users see only their own contracts; others answer 404.
* **Errors**: `application/problem+json` (RFC 9457) with `errors: [{where, message}]` for
  invalid input.
* **Lists**: `?page=&per_page=`; answers carry `total` and `links` (and a `Link` header).
* **Writes** are recorded in the tamper-evident audit trail.
"""
TAGS = [
    {"name": "contracts", "description": "Contracts as code: apply, read, export."},
    {"name": "data loads", "description": "Event batches, row errors, control findings."},
    {"name": "results", "description": "Measured service levels per period."},
    {"name": "exclusions", "description": "Waivers: request, approve, reject."},
    {"name": "commercials", "description": "Credits, invoice checks, business case."},
    {"name": "periods", "description": "Month close and reopen."},
    {"name": "vendors", "description": "Scorecards and ranking."},
    {"name": "selection", "description": "Vendor selection projects."},
    {"name": "governance", "description": "Risks, heat map, entrustment register, BPO map."},
    {"name": "audit", "description": "The audit trail (auditors and administrators)."},
    {"name": "health", "description": "Liveness."},
]


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX)
    for module in (
        health,
        contracts,
        loads,
        results,
        exclusions,
        commercials,
        vendors,
        governance,
        audit,
    ):
        router.include_router(module.router)
    return router


def create_app(app: App, *, web: bool = True) -> FastAPI:
    """The ASGI application over one composition root (``bootstrap.build_app``)."""
    api = FastAPI(
        title="ServicePact API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=f"{API_PREFIX}/docs",
        redoc_url=None,
    )
    api.state.servicepact = app
    api.include_router(api_router())
    errors.install(api)
    if web:
        from servicepact.web.routes import install as install_web

        install_web(api)
    return api
