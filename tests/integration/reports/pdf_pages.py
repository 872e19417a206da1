"""Reading rendered PDFs in tests with pypdfium2 (a PyPI wheel: no system tool needed)."""

from __future__ import annotations

import ctypes
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest


def page_text(page: Any) -> str:
    """The text of one page, as PDFium extracts it from the glyphs' Unicode mapping."""
    text: str = page.get_textpage().get_text_range()
    return text


def font_names(page: Any) -> set[str]:
    """The base names of the fonts the page's text objects use, without the subset prefix
    (``ABCDEF+Noto-Sans-KR`` → ``Noto-Sans-KR``)."""
    names = set()
    for item in page.get_objects():
        if item.type != pdfium_raw.FPDF_PAGEOBJ_TEXT:
            continue
        font = pdfium_raw.FPDFTextObj_GetFont(item.raw)
        size = pdfium_raw.FPDFFont_GetBaseFontName(font, None, 0)
        buffer = ctypes.create_string_buffer(size)
        pdfium_raw.FPDFFont_GetBaseFontName(font, buffer, size)
        names.add(buffer.value.decode("ascii").split("+")[-1])
    return names


def first_page(data: bytes) -> Any:
    return pdfium.PdfDocument(data)[0]


def require_pango() -> None:
    """Skip, saying why, where WeasyPrint's system library (pango) is missing; .ci/run
    installs it, and the product's own message names the Debian packages."""
    try:
        import weasyprint  # noqa: F401
    except OSError as error:
        pytest.skip(f"PDF rendering needs pango (apt-get install libpango-1.0-0): {error}")
