"""Who is calling: the bearer token of an API request, resolved through the users service."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from servicepact.bootstrap import App
from servicepact.domain.access import Actor
from servicepact.domain.errors import AccessDenied
from servicepact.services import users

_bearer = HTTPBearer(
    auto_error=False,
    description="An API token from `servicepact token create USER`: `Authorization: Bearer sp_…`",
)
_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="servicepact"'}


def get_app(request: Request) -> App:
    app: App = request.app.state.servicepact
    return app


def current_actor(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> Actor:
    if credentials is None or credentials.scheme.lower() != "bearer":
        raise HTTPException(
            status_code=401,
            detail="send an API token: Authorization: Bearer <token>",
            headers=_CHALLENGE,
        )
    app = get_app(request)
    token = credentials.credentials
    try:
        # the state is kept for the route's cached reads
        state, actor = users.authenticate_token_with_state(app, token=token)
    except AccessDenied:
        raise HTTPException(
            status_code=401, detail="invalid or revoked API token", headers=_CHALLENGE
        ) from None
    request.state.data_state = state
    return actor


def data_state_of(request: Request) -> int | None:
    """The data state read with the caller's identity in this request, if it was."""
    state: int | None = getattr(request.state, "data_state", None)
    return state


ActorDep = Annotated[Actor, Depends(current_actor)]


async def _app_dependency(request: Request) -> App:
    # async: FastAPI would run a plain function in the thread pool, a hop for nothing
    return get_app(request)


AppDep = Annotated[App, Depends(_app_dependency)]
