"""Report packs built from a seeded database (see conftest.py for the data and its arithmetic),
rendered as HTML, XLSX and PDF, on SQLite and PostgreSQL."""

from __future__ import annotations

import io
import re
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from reports_fixtures import BUSINESS_CASE

from servicepact.domain.errors import NotFound
from servicepact.reports.build import build_contract_pack, build_portfolio_pack
from servicepact.reports.html import render_html
from servicepact.reports.messages import Lang
from servicepact.reports.model import Rag
from servicepact.reports.xlsx import render_xlsx

CONTRACT, OTHER = "acme-cs-2026", "other-cs-2026"  # as seeded in conftest.py
FORMULA_NAME = "=SUM(1,2)"


@pytest.fixture
def contract_pack(seeded, client_manager):
    return build_contract_pack(seeded, actor=client_manager, contract_id=CONTRACT, period="2026-03")


@pytest.fixture
def portfolio_pack(seeded, client_manager, tmp_path):
    return build_portfolio_pack(
        seeded, actor=client_manager, period="2026-03", cases_dir=tmp_path / "cases"
    )


def test_the_contract_pack_holds_the_months_figures_as_the_services_state_them(contract_pack):
    sl01, sl02 = contract_pack.service_levels
    # March: 14 of 20 calls within 20 s = 70.00 %, below the 75 % minimum
    assert (sl01.service_level_id, sl01.value_text, sl01.numerator, sl01.denominator) == (
        "SL-01",
        "70.00 %",
        "14",
        20,
    )
    assert (sl01.status, sl01.rag, sl01.expected_text, sl01.minimum_text) == (
        "breached",
        Rag.RED,
        "80.00 %",
        "75.00 %",
    )
    assert sl02.kind == "key"
    # the trend starts at the term's first month: 20/20, 16/20, 14/20
    assert contract_pack.trend_months == ("2026-01", "2026-02", "2026-03")
    assert [p.value_text for p in sl01.trend] == ["100.00 %", "80.00 %", "70.00 %"]
    assert [p.rag for p in sl01.trend] == [Rag.GREEN, Rag.GREEN, Rag.RED]

    # credits, invoice check, risks, exclusions and provenance
    credits = contract_pack.credits
    assert credits is not None
    # 12 % × 100,000,000 = 12,000,000 at risk; SL-01 breached: × 40 % = 4,800,000
    assert credits.at_risk.amount == Decimal(12_000_000)
    assert credits.total.text == "4,800,000 KRW"
    assert "12 % × 100,000,000 = 12,000,000; × 40 % = 4,800,000" in credits.lines[0].arithmetic
    (check,) = contract_pack.invoice_checks
    # expected 100,000,000 − 4,800,000 = 95,200,000; invoiced 101,000,000; 5,800,000 too much
    assert (check.verdict, check.expected_total.text, check.difference.text) == (
        "dispute",
        "95,200,000 KRW",
        "5,800,000 KRW",
    )
    assert {d.reason for d in check.differences} == {"wrong_price", "missing_credit"}
    assert [r.id for r in contract_pack.risks] == ["R-001"]  # R-002 is on the other contract
    (waiver,) = contract_pack.exclusions
    assert (waiver.service_level_id, waiver.event_count, waiver.status) == ("SL-01", 1, "requested")
    assert contract_pack.header.version == 1
    assert len(contract_pack.batches) == 3  # one batch per month loaded
    assert re.fullmatch(r"[0-9a-f]{64}", contract_pack.inputs_sha256)
    assert all(f.status == "open" for f in contract_pack.findings)
    again = type(contract_pack).model_validate_json(contract_pack.model_dump_json())
    assert again == contract_pack


def test_the_contract_pack_reports_the_year_to_date_of_its_month(contract_pack):
    # January 20/20 and February 16/20 met (expected 80 %), March 14/20 breached (minimum 75 %)
    assert contract_pack.year_to_date_period == "2026-01 – 2026-03"
    sl01 = contract_pack.year_to_date[0]
    assert sl01.service_level_id == "SL-01"
    # pooled over the quarter's 60 calls: 50 in time = 83.33 %, up to the month's end
    assert (sl01.numerator, sl01.denominator, sl01.value_text) == ("50", 60, "83.33 %")
    assert not sl01.running
    assert (sl01.met, sl01.below_expected, sl01.breached, sl01.insufficient_data) == (2, 0, 1, 0)
    assert sl01.share_met_text == "66.67 %"
    assert [p.period for p in sl01.months] == ["2026-01", "2026-02", "2026-03"]
    html = render_html(contract_pack, lang=Lang.EN)
    assert 'id="ytd-SL-01"' in html
    assert "66.67 %" in html
    korean = render_html(contract_pack, lang=Lang.KO)
    assert "충족 월 비율" in korean


def test_the_portfolio_pack_counts_statuses_adds_up_stated_credits_and_is_scoped_by_party(
    portfolio_pack, seeded, vendor_a, tmp_path
):
    acme, other = portfolio_pack.contracts
    assert (acme.contract_id, other.contract_id) == (CONTRACT, OTHER)
    assert (acme.counts.breached, acme.counts.met, acme.rag) == (2, 0, Rag.RED)
    assert (other.counts.met, other.rag) == (2, Rag.GREEN)
    # credits stated for January (0), February (0) and March (4,800,000)
    assert (acme.credits_to_date.text, acme.months_stated) == ("4,800,000 KRW", 3)
    # plan: in-house 25 FTE × 5,000,000 = 125,000,000 a month against 100,000,000 fees:
    # 25,000,000 a month, 75,000,000 by March; realised in March: 125,000,000 − 95,200,000
    (saving,) = portfolio_pack.savings
    assert saving.planned_to_date.amount == Decimal(75_000_000)
    assert saving.realised_to_date is not None
    assert saving.realised_to_date.amount == Decimal(29_800_000)
    (krw,) = portfolio_pack.currency_totals
    assert krw.credits_to_date.amount == Decimal(4_800_000)
    assert [v.vendor_id for v in portfolio_pack.vendors] == ["otherco", "helpco"]
    assert [r.id for r in portfolio_pack.top_risks] == ["R-002", "R-001"]  # 16 before 10

    # a vendor user gets only its own contracts and the risks linked to them
    pack = build_portfolio_pack(seeded, actor=vendor_a, period="2026-03", cases_dir=tmp_path)
    assert [c.contract_id for c in pack.contracts] == [CONTRACT]
    assert [r.id for r in pack.top_risks] == ["R-001"]
    with pytest.raises(NotFound):
        build_contract_pack(seeded, actor=vendor_a, contract_id=OTHER, period="2026-03")


def test_the_html_pack_shows_the_figures_in_both_languages_and_fetches_nothing(
    contract_pack, portfolio_pack
):
    page = render_html(contract_pack, lang=Lang.EN)
    for figure in ("70.00 %", "14 / 20", "4,800,000 KRW", "95,200,000 KRW", "R-001", "Breached"):
        assert figure in page
    assert page.count("<svg") == 2  # one trend chart per service level
    assert "<script" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", page)
    assert "@import" not in page
    assert "url(" not in page
    hostile = contract_pack.model_copy(
        update={"header": contract_pack.header.model_copy(update={"name": "<b>x</b>&"})}
    )
    assert "&lt;b&gt;x&lt;/b&gt;&amp;" in render_html(hostile, lang=Lang.EN)  # text, not markup
    page = render_html(contract_pack, lang=Lang.KO)
    assert "월간 서비스 검토 보고서" in page
    assert "위반" in page
    assert "서비스 크레딧" in page
    assert "포트폴리오 검토 보고서" in render_html(portfolio_pack, lang=Lang.KO)


def _book(content: bytes) -> openpyxl.Workbook:
    return openpyxl.load_workbook(io.BytesIO(content))


def test_workbooks_hold_numbers_with_formats_and_formula_like_names_as_text(
    contract_pack, portfolio_pack, seeded, client_manager
):
    book = _book(render_xlsx(contract_pack, lang=Lang.EN))
    assert book.sheetnames == [
        "Monthly service review",
        "Service levels",
        "Year to date",
        "Trend",
        "Service credits",
        "Invoice check",
        "Risks",
        "Open exclusions",
        "Control findings",
        "Data batches",
    ]
    levels = book["Service levels"]
    assert [c.value for c in levels[2]][:8] == [
        "SL-01",
        "Calls answered within 20 s",
        "answered_within",
        "Critical",
        0.4,
        0.7,
        14,
        20,
    ]
    assert levels["F2"].number_format == "0.00%"
    assert (levels["I2"].value, levels["J2"].value, levels["K2"].value) == (0.8, 0.75, "Breached")
    trend = book["Trend"]
    assert [c.value for c in trend[2]] == ["SL-01", 1.0, 0.8, 0.7]
    credits = book["Service credits"]
    assert (credits["A1"].value, credits["B1"].value) == ("Monthly fees", 100_000_000)
    assert credits["B1"].number_format.startswith('#,##0 "KRW"')  # KRW has no minor unit
    assert credits["B4"].value == 4_800_000  # total credits
    invoice = book["Invoice check"]
    assert (invoice["B3"].value, invoice["B5"].value) == (95_200_000, 5_800_000)

    # a name that looks like a formula stays text
    contracts = _book(render_xlsx(portfolio_pack, lang=Lang.EN))["Contracts"]
    cell = contracts["B3"]  # the second contract's name
    assert (cell.value, cell.data_type, cell.quotePrefix) == (FORMULA_NAME, "s", True)
    other = build_contract_pack(seeded, actor=client_manager, contract_id=OTHER, period="2026-03")
    summary = _book(render_xlsx(other, lang=Lang.EN))["Monthly service review"]
    assert (summary["B2"].value, summary["B2"].data_type) == (FORMULA_NAME, "s")
    assert summary["B2"].quotePrefix
    assert not summary["B1"].quotePrefix  # an ordinary id is not marked


@pytest.mark.slow
def test_the_pdf_pack_renders_korean_text_on_landscape_pages(contract_pack):
    import pypdfium2 as pdfium
    from pdf_pages import font_names, page_text, require_pango

    from servicepact.reports.pdf import render_pdf

    require_pango()
    data = render_pdf(contract_pack, lang=Lang.KO)
    assert data.startswith(b"%PDF-")
    document = pdfium.PdfDocument(data)
    first = document[0]
    text = page_text(first)
    # Korean comes back out as text: the glyphs are in the PDF with their Unicode mapping
    assert "월간 서비스 검토 보고서" in text
    assert "4,800,000 KRW" in "".join(page_text(page) for page in document)
    # the Korean font shipped in the package is embedded (no system CJK font is needed)
    assert "Noto-Sans-KR" in font_names(first)
    width, height = first.get_size()
    assert width > height  # A4 landscape
    image = first.render(scale=40 / 72).to_pil()
    assert image.convert("L").getextrema()[0] < 100  # something dark is drawn


def test_the_report_command_writes_each_format_and_prints_its_path(
    seeded, cli_env, run_servicepact, tmp_path
):
    def invoke(*args: str) -> tuple[int, str, str]:
        result = run_servicepact(*args)
        return result.code, result.out, result.err

    code, out, err = invoke(
        "report", "--contract", CONTRACT, "--period", "2026-03", "--format", "xlsx", "--lang", "en"
    )
    assert code == 0, err
    written = Path(out.strip())
    assert written == cli_env.data_dir / "reports" / f"{CONTRACT}-2026-03-en.xlsx"
    assert _book(written.read_bytes())["Service levels"]["A2"].value == "SL-01"
    target = tmp_path / "out" / "portfolio.html"
    code, out, err = invoke(
        "report", "--portfolio", "--period", "2026-03", "--cases", str(tmp_path / "cases"),
        "--output", str(target),
    )  # fmt: skip
    assert code == 0, err
    assert out.strip() == str(target)
    assert "75,000,000 KRW" in target.read_text(encoding="utf-8")
    code, _, err = invoke("report", "--contract", CONTRACT, "--portfolio", "--period", "2026-03")
    assert code == 2
    assert "either --contract ID or --portfolio" in err
    code, _, err = invoke("report", "--contract", CONTRACT, "--period", "2031-01")
    assert code == 2
    assert "outside the term" in err
    assert "Traceback" not in err


def test_a_changed_business_case_changes_the_portfolio_packs_inputs_hash(
    seeded, client_manager, tmp_path
):
    """The pack's savings rest on the applied business case: a new version of the case is a
    new input (the hash moves), and building again over the same case changes nothing."""
    from servicepact.services.commercials import apply_business_case, parse_business_case

    def apply_case(text: str) -> int:
        inputs = parse_business_case(text, source="case.yaml")
        return apply_business_case(
            seeded, actor=client_manager, inputs=inputs, source_name="case.yaml"
        ).version

    def pack_hash() -> str:
        return build_portfolio_pack(seeded, actor=client_manager, period="2026-03").inputs_sha256

    assert apply_case(BUSINESS_CASE) == 1
    first = pack_hash()
    assert pack_hash() == first
    # a longer case: the same savings to March, a different case
    assert apply_case(BUSINESS_CASE.replace("months: 12", "months: 24")) == 2
    second = pack_hash()
    assert second != first
    # a folder of cases given instead: its file's content counts, not the stored version
    cases = tmp_path / "cases"
    from_folder = build_portfolio_pack(
        seeded, actor=client_manager, period="2026-03", cases_dir=cases
    ).inputs_sha256
    (cases / f"{CONTRACT}.yaml").write_text(
        BUSINESS_CASE.replace("fte: 25", "fte: 26"), encoding="utf-8"
    )
    assert (
        build_portfolio_pack(
            seeded, actor=client_manager, period="2026-03", cases_dir=cases
        ).inputs_sha256
        != from_folder
    )


def test_the_pdf_pack_embeds_the_shipped_font_alone_for_its_text_and_charts(contract_pack):
    """Each embedded font is subset when the PDF is written (the costliest step of a pack): the
    charts' labels use the pack's font and no note is set in a synthetic oblique, so the
    shipped regular and bold faces (and a monospace one for hashes) are all there is."""
    import pypdfium2 as pdfium
    from pdf_pages import font_names, require_pango

    from servicepact.reports.pdf import render_pdf

    require_pango()
    html = render_html(contract_pack, lang=Lang.KO)
    assert "<svg" in html  # the trend charts
    document = pdfium.PdfDocument(render_pdf(contract_pack, lang=Lang.KO))
    fonts = set().union(*(font_names(page) for page in document))
    # before: a system sans-serif as well, for the charts' labels
    assert {"Noto-Sans-KR", "Noto-Sans-KR-Bold"} <= fonts
    assert fonts - {"Noto-Sans-KR", "Noto-Sans-KR-Bold"} <= {"DejaVu-Sans-Mono"}


def test_the_demo_packs_render_the_html_once_and_the_pdf_from_it(seeded, client_manager, tmp_path):
    import pypdfium2 as pdfium
    from pdf_pages import page_text, require_pango

    from servicepact.reports.formats import ReportFormat
    from servicepact.reports.packs import render, write_review_packs

    require_pango()
    paths = write_review_packs(
        seeded, actor=client_manager, period="2026-03", contract_id=CONTRACT,
        cases_dir=tmp_path / "cases",
    )  # fmt: skip
    assert [p.name for p in paths] == [
        f"{CONTRACT}-2026-03-ko.html",
        f"{CONTRACT}-2026-03-ko.pdf",
        f"{CONTRACT}-2026-03-ko.xlsx",
        "portfolio-2026-03-ko.html",
    ]
    pack = build_contract_pack(seeded, actor=client_manager, contract_id=CONTRACT, period="2026-03")
    assert paths[0].read_bytes() == render(pack, fmt=ReportFormat.HTML, lang=Lang.KO)
    alone = pdfium.PdfDocument(render(pack, fmt=ReportFormat.PDF, lang=Lang.KO))
    written = pdfium.PdfDocument(paths[1].read_bytes())
    assert [page_text(p) for p in written] == [page_text(p) for p in alone]
