"""The web application: the REST API under ``/api/v1`` and the server-rendered UI under ``/``.

from servicepact.bootstrap import build_app
from servicepact.api import create_app
api = create_app(build_app())          # an ASGI app for uvicorn or TestClient
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request, Response
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

from servicepact import __version__
from servicepact.api import errors, schemas
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
from servicepact.domain.errors import InvalidInput, Problem
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


async def _security_headers(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    response = await call_next(request)
    for name, value in SECURITY_HEADERS.items():
        response.headers.setdefault(name, value)
    return response


STATIC_DIR = Path(__file__).parent.parent / "web" / "static"
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


NUL = "\x00"
_NUL_MESSAGE = "must not contain the NUL character (U+0000)"


def _nul_places(value: Any, where: str) -> Iterator[str]:
    """Where in a parsed JSON value a text (or a key) holds NUL."""
    if isinstance(value, str):
        if NUL in value:
            yield where
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _nul_places(key, where)
            yield from _nul_places(item, f"{where}.{key}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _nul_places(item, f"{where}[{index}]")


async def refuse_nul(request: Request) -> None:
    """No id, name, period or note of the product holds NUL, and PostgreSQL text cannot store
    it: refused with 422 where it arrives instead of failing in the database (a 500)."""
    places = [f"path.{name}" for name, value in request.path_params.items() if NUL in value]
    places += [
        f"query.{name}" for name, value in request.query_params.multi_items()
        if NUL in name or NUL in value
    ]  # fmt: skip
    if request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()  # read once and kept: the route reads the same bytes
        if b"\\u0000" in body:  # JSON carries NUL only escaped; the cheap test comes first
            with contextlib.suppress(ValueError):  # not JSON: the route's parsing answers 422
                places += _nul_places(json.loads(body), "body")
    if places:
        raise InvalidInput(problems=[Problem(where, _NUL_MESSAGE) for where in places])


def api_router() -> APIRouter:
    router = APIRouter(prefix=API_PREFIX, dependencies=[Depends(refuse_nul)])
    router.include_router(health.router)  # no token, no problem answers besides its own 503
    for module in (
        contracts,
        loads,
        results,
        exclusions,
        commercials,
        vendors,
        governance,
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
    api.middleware("http")(_security_headers)
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
