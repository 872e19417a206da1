"""The REST API (``/api/v1``) and the ASGI application that also serves the web UI."""

from servicepact.api.app import create_app

__all__ = ["create_app"]
