"""Render a pack as PDF: WeasyPrint lays out the same HTML the HTML renderer produces.

WeasyPrint needs Debian's pango (``libpango-1.0-0``, ``libpangoft2-1.0-0``) and, for Korean,
the Noto CJK fonts (``fonts-noto-cjk``); ``.ci/run`` installs them. It is imported on first
use so the rest of the product (and the HTML and XLSX packs) works on a machine without them.
No URL is ever fetched: the page is self-contained and the fetcher refuses every request.
"""

from __future__ import annotations

from typing import Any

from servicepact.domain.errors import Conflict
from servicepact.reports.html import render_html
from servicepact.reports.messages import Lang
from servicepact.reports.model import Pack


def _refuse_fetch(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The pack is self-contained: anything that asks for a URL is a bug, never a download."""
    raise ValueError(f"reports fetch nothing at run time (asked for {url[:80]!r})")


def _weasyprint() -> Any:
    try:
        import weasyprint
    except OSError as error:  # the Python package is there, the system libraries are not
        raise Conflict(
            "PDF reports need the pango library (Debian: apt-get install libpango-1.0-0 "
            f"libpangoft2-1.0-0 fonts-noto-cjk): {error}",
            where="--format pdf",
        ) from None
    return weasyprint


def html_to_pdf(html: str) -> bytes:
    weasyprint = _weasyprint()
    document = weasyprint.HTML(string=html, url_fetcher=_refuse_fetch)
    pdf: bytes = document.write_pdf()
    return pdf


def render_pdf(pack: Pack, *, lang: Lang = Lang.EN) -> bytes:
    """The pack as a PDF document (A4 landscape) in ``lang``."""
    return html_to_pdf(render_html(pack, lang=lang))
