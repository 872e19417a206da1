"""The web application: the REST API under ``/api/v1`` and the server-rendered UI under ``/``.

from servicepact.bootstrap import build_app
from servicepact.api import create_app
api = create_app(build_app())          # an ASGI app for uvicorn or TestClient
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicepact import __version__
from servicepact.api import errors, schemas
from servicepact.api.inputs import refuse_control_characters
from servicepact.api.limits import BodyLimitMiddleware
from servicepact.api.routers import (
    audit,
    commercials,
    contracts,
    drilldown,
    exclusions,
    governance,
    health,
    loads,
    results,
    review,
    vendors,
)
from servicepact.bootstrap import App
from servicepact.services.uploads import UploadJobs

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
    {
        "name": "monthly review",
        "description": "Disputes of a month's results, the vendor's sign-off, the month.",
    },
    {"name": "vendors", "description": "Scorecards and ranking."},
    {"name": "selection", "description": "Vendor selection projects."},
    {"name": "governance", "description": "Risks, heat map, entrustment register, BPO map."},
    {"name": "audit", "description": "The audit trail (auditors and administrators)."},
    {"name": "health", "description": "Liveness."},
]


# Everything the pages use is served from here: scripts only from /static (no inline scripts,
# no eval), styles from /static plus the inline width of a bar; no framing by other sites.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        "img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; "
        "base-uri 'self'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
}


class SecurityHeadersMiddleware:
    """Pure ASGI (no task group around the body): adds the headers above to every answer, and
    ``Cache-Control: no-store`` to all but the static files — API answers and pages carry one
    user's data and are never to be kept by a browser or a proxy."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope["path"].startswith(STATIC_PATH)

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers.setdefault(name, value)
                if not static:
                    headers.setdefault("Cache-Control", "no-store")
            await send(message)

        await self.app(scope, receive, with_headers)


STATIC_DIR = Path(__file__).parent.parent / "web" / "static"
STATIC_PATH = "/static/"
_DOCS_PAGE = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>ServicePact API</title>
<link rel="stylesheet" href="/static/vendor/swagger-ui.css"></head>
<body data-openapi="{API_PREFIX}/openapi.json"><div id="swagger-ui"></div>
<script src="/static/vendor/swagger-ui-bundle.js"></script>
<script src="/static/api-docs.js"></script></body></html>"""


def _docs() -> HTMLResponse:
    return HTMLResponse(_DOCS_PAGE)


# What every operation may answer besides its success, all as problem documents (errors.py);
# documented so that clients (and the generated-request tests) know the shape of an error.
_PROBLEM_STATUSES: tuple[tuple[int | str, str], ...] = (
    (401, "No valid API token"),
    (403, "The role may not do this"),
    (404, "No such item, or not yours"),
    (409, "Conflicts with the stored state (e.g. a closed month)"),
    (422, "Invalid input: every problem and where"),
    ("4XX", "Another client error (malformed request, too large, wrong media type)"),
    (500, "Unexpected error (logged; no detail)"),
)


def problem_responses() -> dict[int | str, dict[str, Any]]:
    schema = {"$ref": "#/components/schemas/Problem"}
    return {
        status: {"description": text, "content": {errors.PROBLEM_JSON: {"schema": schema}}}
        for status, text in _PROBLEM_STATUSES
    }


def _add_problem_schema(api: FastAPI) -> None:
    """Put ``Problem`` into the schema's components (no operation returns it as its model)."""
    generate = api.openapi

    def openapi() -> dict[str, Any]:
        if api.openapi_schema is None:
            document = generate()
            components = document.setdefault("components", {}).setdefault("schemas", {})
            problem = schemas.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(problem.pop("$defs", {}))
            components["Problem"] = problem
        return api.openapi_schema or generate()

    api.openapi = openapi  # type: ignore[method-assign]


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_control_characters)])
    router.include_router(health.router)  # no token, no problem answers besides its own 503
    for module in (
        contracts,
        loads,
        results,
        drilldown,
        exclusions,
        commercials,
        vendors,
        governance,
        review,
        audit,
    ):
        router.include_router(module.router, responses=problem_responses())
    router.include_router(loads.uploads_router, responses=problem_responses())
    return router


def create_app(app: App, *, web: bool = True) -> FastAPI:
    """The ASGI application over one composition root (``bootstrap.build_app``)."""
    api = FastAPI(
        title="ServicePact API",
        version=__version__,
        description=DESCRIPTION,
        openapi_tags=TAGS,
        openapi_url=f"{API_PREFIX}/openapi.json",
        docs_url=None,  # served below from the package's own copy of Swagger UI, not a CDN
        redoc_url=None,
    )
    api.state.servicepact = app
    api.state.upload_jobs = UploadJobs(app)
    api.add_middleware(SecurityHeadersMiddleware)
    api.add_middleware(BodyLimitMiddleware, settings=app.settings, refuse=errors.on_http)
    api.include_router(api_router())
    api.add_api_route(f"{API_PREFIX}/docs", _docs, include_in_schema=False)
    api.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    errors.install(api)
    _add_problem_schema(api)
    if web:
        from servicepact.web.routes import install as install_web

        install_web(api)
    return api


def create_app_from_environment() -> FastAPI:
    """The application over an app built from the environment's settings: what each worker
    process of ``servicepact serve --workers N`` runs."""
    from servicepact.bootstrap import build_app

    return create_app(build_app())
