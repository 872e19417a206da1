"""Render a pack as PDF: WeasyPrint lays out the same HTML the HTML renderer produces.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``). Korean text uses
the Noto Sans KR subset shipped in the package (``servicepact/fonts``), added as ``@font-face``
rules, so no system CJK font is needed. WeasyPrint is imported on first use so the rest of the
product (and the HTML and XLSX packs) works on a machine without pango. No URL is ever
fetched: the fetcher hands out the shipped font files and refuses every other request.

Given a ``font_cache`` directory (``DATA_DIR/cache/fonts``: ``packs.font_cache``), the fonts
are handed out as TrueType files kept there (``FontFile.truetype``): the same tables WeasyPrint
would otherwise decompress from the WOFF files for every PDF.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from servicepact.domain.errors import Conflict
from servicepact.fonts import FONT_FILES, font_face_css
from servicepact.reports.html import render_html
from servicepact.reports.messages import Lang
from servicepact.reports.model import Pack
from servicepact.reports.pdf_ahead import Layout

_MIME = {".woff": "font/woff", ".ttf": "font/ttf"}


def _font_files(font_cache: Path | None) -> dict[str, Path]:
    """Each shipped font's file for WeasyPrint, by the shipped file's name."""
    if font_cache is not None:
        try:
            return {font.name: font.truetype(font_cache) for font in FONT_FILES}
        except OSError:  # e.g. a read-only data directory: WeasyPrint converts the WOFF files
            pass
    return {font.name: font.path for font in FONT_FILES}


def _fetcher(weasyprint: Any, files: dict[str, Path]) -> Any:
    """WeasyPrint's URL fetcher that hands out the ``files`` (by their ``file:`` URL) only;
    anything else that asks for a URL is a bug, never a download. WeasyPrint 68 and later
    take a ``URLFetcher`` object; earlier versions a function returning a dict."""
    by_url = {path.as_uri(): path for path in files.values()}

    def font(url: str) -> tuple[bytes, str]:
        path = by_url.get(url)
        if path is None:
            raise ValueError(f"reports fetch nothing at run time (asked for {url[:80]!r})")
        return path.read_bytes(), _MIME[path.suffix]

    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):

        class ShippedFonts(urls.URLFetcher):  # type: ignore[misc,name-defined]
            def fetch(self, url: str, headers: Any = None) -> Any:
                data, mime = font(url)
                return urls.URLFetcherResponse(url, data, {"Content-Type": mime})

        return ShippedFonts()

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        data, mime = font(url)
        return {"string": data, "mime_type": mime, "redirected_url": url}

    return fetch


def _weasyprint() -> Any:
    try:
        return _import_weasyprint()
    except OSError as error:  # the Python package is there, the system libraries are not
        raise Conflict(
            "PDF reports need the pango library (Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0): {error}",
            where="--format pdf",
        ) from None


def _import_weasyprint() -> Any:
    if sys.platform == "linux" and "weasyprint" not in sys.modules:
        try:
            with _sonames_only():
                import weasyprint

            return weasyprint
        except OSError:  # a library that opens under a searched name only: search
            pass
    import weasyprint

    return weasyprint


@contextmanager
def _sonames_only() -> Iterator[None]:
    """While WeasyPrint is imported, ``ctypes.util.find_library`` finds nothing at once.

    WeasyPrint opens each system library (gobject, pango, harfbuzz, fontconfig) by trying its
    Windows and macOS names before the Linux soname, and for every name that does not open,
    cffi asks ``find_library``, which on Linux runs ``ldconfig -p``, then ``gcc`` and ``ld``:
    0.17 s of CPU in those processes and 0.4 s of wall on a busy machine, each time a process
    first makes a PDF. The sonames WeasyPrint tries next open without a search. This lasts
    for the one import per process; nothing else in the product searches for libraries."""
    import ctypes.util

    search = ctypes.util.find_library
    ctypes.util.find_library = _found_nowhere
    try:
        yield
    finally:
        ctypes.util.find_library = search


def _found_nowhere(name: str) -> None:
    return None


def warm_up() -> None:
    """Lay out a line of text once, with no font or URL of ours: what a process's first PDF
    would otherwise pay for on top of its own layout (fontconfig reading its configuration,
    pango's font map, HarfBuzz, WeasyPrint's first-use set-up), paid ahead by a process that
    is waiting for its HTML anyway (``reports.pdf_ahead``)."""
    _weasyprint().HTML(string="<p>가 a 1</p>").write_pdf()


def html_to_pdf(html: str, *, font_cache: Path | None = None) -> bytes:
    """The HTML laid out as PDF with the shipped fonts (kept as TrueType in ``font_cache``,
    when given)."""
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    files = _font_files(font_cache)
    fonts = FontConfiguration()
    fetcher = _fetcher(weasyprint, files)
    urls = {name: path.as_uri() for name, path in files.items()}
    shipped = weasyprint.CSS(string=font_face_css(urls), url_fetcher=fetcher, font_config=fonts)
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[shipped], font_config=fonts)
    return pdf


def render_pdf(
    pack: Pack,
    *,
    lang: Lang = Lang.EN,
    font_cache: Path | None = None,
    layout: Layout | None = None,
) -> bytes:
    """The pack as a PDF document (A4 landscape) in ``lang``, laid out by ``layout``
    (``html_to_pdf`` unless given: ``reports.pdf_ahead.layout_ahead`` prepares one)."""
    return (layout or html_to_pdf)(render_html(pack, lang=lang), font_cache=font_cache)
