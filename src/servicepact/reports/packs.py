"""One call to build a pack and write it to a file: for the CLI, the demo and scheduled jobs.

    path = write_pack(app, actor=actor, period="2026-03", contract_id="hanbit-cc-2026",
                      fmt=ReportFormat.PDF, lang=Lang.KO)

The file is written whole or not at all (a temporary file renamed into place), by default
under ``DATA_DIR/reports/``.
"""

from __future__ import annotations

from pathlib import Path

from servicepact.domain.access import Actor
from servicepact.files import write_atomically
from servicepact.reports.build import build_contract_pack, build_portfolio_pack
from servicepact.reports.formats import ReportFormat
from servicepact.reports.messages import Lang
from servicepact.reports.model import ContractPack, Pack
from servicepact.reports.pdf_ahead import Layout
from servicepact.services.ports import Ports

REPORTS_DIR = "reports"  # under the data directory
FONT_CACHE = Path("cache") / "fonts"  # under the data directory: the PDFs' fonts as TrueType


def font_cache(app: Ports) -> Path:
    """Where PDFs keep the shipped fonts as TrueType files (``reports/pdf.py``)."""
    return app.settings.data_dir / FONT_CACHE


def render(
    pack: Pack,
    *,
    fmt: ReportFormat,
    lang: Lang,
    font_cache: Path | None = None,
    layout: Layout | None = None,
) -> bytes:
    """The pack in ``fmt``; PDF and XLSX renderers are imported only when asked for. A PDF
    keeps its fonts in ``font_cache`` (see ``font_cache(app)``) and is laid out by ``layout``
    (``html_to_pdf``'s signature; ``reports.pdf_ahead.layout_ahead`` gives a prepared one)."""
    if fmt is ReportFormat.HTML:
        from servicepact.reports.html import render_html

        return render_html(pack, lang=lang).encode("utf-8")
    if fmt is ReportFormat.PDF:
        from servicepact.reports.pdf import render_pdf

        return render_pdf(pack, lang=lang, font_cache=font_cache, layout=layout)
    if fmt is ReportFormat.XLSX:
        from servicepact.reports.xlsx import render_xlsx

        return render_xlsx(pack, lang=lang)
    return pack.model_dump_json(indent=2).encode("utf-8")


def default_path(app: Ports, pack: Pack, *, fmt: ReportFormat, lang: Lang) -> Path:
    """``DATA_DIR/reports/<contract or portfolio>-<month>-<lang>.<ext>``."""
    subject = pack.header.contract_id if isinstance(pack, ContractPack) else "portfolio"
    return app.settings.data_dir / REPORTS_DIR / f"{subject}-{pack.period}-{lang.value}.{fmt.value}"


def build_pack(
    app: Ports,
    *,
    actor: Actor,
    period: str,
    contract_id: str | None = None,
    cases_dir: Path | None = None,
) -> Pack:
    """A contract's review pack (with ``contract_id``) or the portfolio pack (without)."""
    if contract_id is not None:
        return build_contract_pack(app, actor=actor, contract_id=contract_id, period=period)
    return build_portfolio_pack(app, actor=actor, period=period, cases_dir=cases_dir)


def write_pack(
    app: Ports,
    *,
    actor: Actor,
    period: str,
    contract_id: str | None = None,
    fmt: ReportFormat = ReportFormat.HTML,
    lang: Lang = Lang.KO,
    output: Path | None = None,
    cases_dir: Path | None = None,
) -> Path:
    """Build the pack, render it and write it; returns the file written."""
    pack = build_pack(app, actor=actor, period=period, contract_id=contract_id, cases_dir=cases_dir)
    content = render(pack, fmt=fmt, lang=lang, font_cache=font_cache(app))
    path = output if output is not None else default_path(app, pack, fmt=fmt, lang=lang)
    write_atomically(path, content)
    return path


def write_review_packs(
    app: Ports,
    *,
    actor: Actor,
    period: str,
    contract_id: str,
    lang: Lang = Lang.KO,
    cases_dir: Path | None = None,
) -> list[Path]:
    """One pack of each format under ``DATA_DIR/reports/``, each pack built once: the
    contract's review pack as HTML, PDF and XLSX, and the portfolio pack as HTML (the demo's
    closing step)."""
    written: list[Path] = []
    contract_pack = build_pack(app, actor=actor, period=period, contract_id=contract_id)
    portfolio_pack = build_pack(app, actor=actor, period=period, cases_dir=cases_dir)
    for pack, formats in (
        (contract_pack, (ReportFormat.HTML, ReportFormat.PDF, ReportFormat.XLSX)),
        (portfolio_pack, (ReportFormat.HTML,)),
    ):
        html: str | None = None  # rendered once: the PDF lays out the HTML pack's page
        for fmt in formats:
            path = default_path(app, pack, fmt=fmt, lang=lang)
            if fmt is ReportFormat.HTML:
                from servicepact.reports.html import render_html

                html = render_html(pack, lang=lang)
                content = html.encode("utf-8")
            elif fmt is ReportFormat.PDF and html is not None:
                from servicepact.reports.pdf import html_to_pdf

                content = html_to_pdf(html, font_cache=font_cache(app))
            else:
                content = render(pack, fmt=fmt, lang=lang, font_cache=font_cache(app))
            write_atomically(path, content)
            written.append(path)
    return written
