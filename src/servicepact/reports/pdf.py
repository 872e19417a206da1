"""Render a pack as PDF: WeasyPrint lays out the same HTML the HTML renderer produces.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``). Korean text uses
the Noto Sans KR subset shipped in the package (``servicepact/fonts``), added as ``@font-face``
rules, so no system CJK font is needed. WeasyPrint is imported on first use so the rest of the
product (and the HTML and XLSX packs) works on a machine without pango. No URL is ever
fetched: the fetcher hands out the shipped font files and refuses every other request.
"""

from __future__ import annotations

from typing import Any

from servicepact.domain.errors import Conflict
from servicepact.fonts import FONT_FILES, font_face_css
from servicepact.reports.html import render_html
from servicepact.reports.messages import Lang
from servicepact.reports.model import Pack

_FONT_URLS = {font.name: font.path.as_uri() for font in FONT_FILES}
_FONT_PATHS = {font.path.as_uri(): font.path for font in FONT_FILES}


def _font_bytes(url: str) -> bytes:
    """A shipped font file by its URL; anything else that asks for a URL is a bug, never a
    download."""
    path = _FONT_PATHS.get(url)
    if path is None:
        raise ValueError(f"reports fetch nothing at run time (asked for {url[:80]!r})")
    return path.read_bytes()


def _fetcher(weasyprint: Any) -> Any:
    """WeasyPrint's URL fetcher that hands out the shipped fonts only. WeasyPrint 68 and later
    take a ``URLFetcher`` object; earlier versions a function returning a dict."""
    urls = weasyprint.urls
    if hasattr(urls, "URLFetcher"):

        class ShippedFonts(urls.URLFetcher):  # type: ignore[misc,name-defined]
            def fetch(self, url: str, headers: Any = None) -> Any:
                return urls.URLFetcherResponse(url, _font_bytes(url), {"Content-Type": MIME})

        return ShippedFonts()

    def fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return {"string": _font_bytes(url), "mime_type": MIME, "redirected_url": url}

    return fetch


MIME = "font/woff"


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # the Python package is there, the system libraries are not
        raise Conflict(
            "PDF reports need the pango library (Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0): {error}",
            where="--format pdf",
        ) from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    fetcher = _fetcher(weasyprint)
    shipped = weasyprint.CSS(
        string=font_face_css(_FONT_URLS), url_fetcher=fetcher, font_config=fonts
    )
    document = weasyprint.HTML(string=html, url_fetcher=fetcher)
    pdf: bytes = document.write_pdf(stylesheets=[shipped], font_config=fonts)
    return pdf


def render_pdf(pack: Pack, *, lang: Lang = Lang.EN) -> bytes:
    """The pack as a PDF document (A4 landscape) in ``lang``."""
    return html_to_pdf(render_html(pack, lang=lang))
