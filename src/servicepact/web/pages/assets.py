"""The Korean web font the package ships (``servicepact/fonts``), served as the pages' first
font so every machine draws Hangul; only font files, by exact name, never a path."""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from servicepact.domain.errors import NotFound

router = APIRouter(include_in_schema=False)
FONTS_DIR = Path(__file__).resolve().parent.parent.parent / "fonts"
_NAME = re.compile(r"^[A-Za-z0-9-]+\.(woff2?|ttf|otf)$")
_MEDIA = {"woff": "font/woff", "woff2": "font/woff2", "ttf": "font/ttf", "otf": "font/otf"}


@router.get("/fonts/{name}")
def font(name: str) -> FileResponse:
    found = _NAME.fullmatch(name)
    path = FONTS_DIR / name
    if found is None or not path.is_file():
        raise NotFound(f"no font {name!r}", where=name)
    return FileResponse(
        path,
        media_type=_MEDIA[found.group(1)],
        headers={"Cache-Control": "public, max-age=604800"},
    )
