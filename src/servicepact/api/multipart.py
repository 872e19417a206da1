"""Reading a file upload (multipart form) with a size limit, for the API and the web pages.

The declared length is checked before a byte of the body is read, so an oversized upload is
refused at once with a clear message; the form parser streams file parts to a temporary
file (never into memory), and the received size is checked again when the file is copied.
"""

from __future__ import annotations

from fastapi import HTTPException, Request
from starlette.datastructures import FormData

from servicepact.services.uploads import too_large

_FORM_OVERHEAD = 64 * 1024  # field names, boundaries, the CSRF token and the options


async def read_upload_form(request: Request, *, limit: int) -> FormData:
    """The form of an upload request, refused (413) when it declares more than ``limit``."""
    declared = request.headers.get("content-length")
    if declared is None or not declared.isdigit():
        raise HTTPException(411, "an upload must declare its length (Content-Length)")
    if int(declared) > limit + _FORM_OVERHEAD:
        raise too_large(limit)
    return await request.form(max_files=1, max_fields=16)
