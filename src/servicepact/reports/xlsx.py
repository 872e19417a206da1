"""Render a pack as an XLSX workbook: one sheet per section, numbers as numbers.

Amounts are numbers with their currency in the number format (KRW without decimals), ratios
are fractions of 1 formatted as percentages with two decimals, dates are dates. Text is
always written as text, never parsed: a cell that starts with ``= + - @`` (or a tab or a
carriage return) is also marked with Excel's quote prefix, so neither Excel nor a later CSV
export treats a contract name like ``=HYPERLINK(...)`` as a formula.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.workbook import Workbook
from xlsxwriter.worksheet import Worksheet

from servicepact.reports.messages import Lang, Messages
from servicepact.reports.model import (
    ContractPack,
    Money,
    Pack,
    PortfolioPack,
    RiskRow,
    ServiceLevelRow,
)

FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")  # OWASP "CSV injection" leading chars
SHEET_NAME_MAX = 31  # Excel's limit on a worksheet name
_SHEET_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def needs_escape(text: str) -> bool:
    return text.startswith(FORMULA_TRIGGERS)


@dataclass(frozen=True)
class Percent:
    """A fraction of 1 shown as a percentage with two decimals (0.6836 → 68.36 %)."""

    value: float | None


@dataclass(frozen=True)
class Measure:
    """A measured value or target in its KPI's unit: ratios as %, others with two decimals."""

    value: float | Decimal | None
    unit: str


class _Writer:
    """Writes typed cells with the workbook's formats; every string goes through ``text``."""

    def __init__(self, book: Workbook) -> None:
        self.book = book
        self.bold = book.add_format({"bold": True})
        self.header = book.add_format(
            {"bold": True, "bg_color": "#ECEFF1", "border": 1, "text_wrap": True}
        )
        self.escaped = book.add_format({"quote_prefix": True})
        self.percent = book.add_format({"num_format": "0.00%"})
        self.decimal = book.add_format({"num_format": "#,##0.00"})
        self.integer = book.add_format({"num_format": "#,##0"})
        self.date = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        self._money: dict[tuple[str, int], Format] = {}

    def money_format(self, currency: str, minor_unit: int) -> Format:
        key = (currency, minor_unit)
        if key not in self._money:
            digits = "." + "0" * minor_unit if minor_unit else ""
            self._money[key] = self.book.add_format(
                {"num_format": f'#,##0{digits} "{currency}";-#,##0{digits} "{currency}"'}
            )
        return self._money[key]

    def text(self, sheet: Worksheet, row: int, col: int, value: str) -> None:
        if needs_escape(value):
            sheet.write_string(row, col, value, self.escaped)
        else:
            sheet.write_string(row, col, value)

    def cell(self, sheet: Worksheet, row: int, col: int, value: Any) -> None:
        if value is None:
            sheet.write_blank(row, col, None)
        elif isinstance(value, Money):
            sheet.write_number(
                row, col, float(value.amount), self.money_format(value.currency, value.minor_unit)
            )
        elif isinstance(value, Percent):
            if value.value is None:
                sheet.write_blank(row, col, None)
            else:
                sheet.write_number(row, col, value.value, self.percent)
        elif isinstance(value, Measure):
            if value.value is None:
                sheet.write_blank(row, col, None)
            else:
                fmt = self.percent if value.unit == "ratio" else self.decimal
                sheet.write_number(row, col, float(value.value), fmt)
        elif isinstance(value, bool):
            sheet.write_boolean(row, col, value)
        elif isinstance(value, int):
            sheet.write_number(row, col, value, self.integer)
        elif isinstance(value, float | Decimal):
            sheet.write_number(row, col, float(value), self.decimal)
        elif isinstance(value, datetime):
            moment = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
            sheet.write_datetime(row, col, moment, self.date)
        else:
            self.text(sheet, row, col, str(value))

    def table(
        self,
        sheet: Worksheet,
        top: int,
        headers: Sequence[str],
        rows: Sequence[Sequence[Any]],
        widths: Sequence[int] | None = None,
    ) -> int:
        """Headers at row ``top`` and the rows below; returns the next free row."""
        for col, title in enumerate(headers):
            sheet.write_string(top, col, title, self.header)
        for offset, values in enumerate(rows, start=1):
            for col, value in enumerate(values):
                self.cell(sheet, top + offset, col, value)
        for col, width in enumerate(widths or ()):
            sheet.set_column(col, col, width)
        return top + len(rows) + 2

    def pairs(self, sheet: Worksheet, top: int, items: Sequence[tuple[str, Any]]) -> int:
        for offset, (key, value) in enumerate(items):
            sheet.write_string(top + offset, 0, key, self.bold)
            self.cell(sheet, top + offset, 1, value)
        sheet.set_column(0, 0, 24)
        sheet.set_column(1, 1, 40)
        return top + len(items) + 1


def sheet_name(title: str, taken: set[str]) -> str:
    """A valid, unique worksheet name for ``title``."""
    base = title.translate(_SHEET_FORBIDDEN).strip("' ")[:SHEET_NAME_MAX] or "Sheet"
    name, number = base, 2
    while name.lower() in taken:
        suffix = f" {number}"
        name = base[: SHEET_NAME_MAX - len(suffix)] + suffix
        number += 1
    taken.add(name.lower())
    return name


def _risk_rows(m: Messages, risks: Sequence[RiskRow]) -> tuple[list[str], list[list[Any]]]:
    headers = [
        "ID",
        m.t("Title"),
        m.t("Category"),
        m.t("Likelihood"),
        m.t("Impact"),
        m.t("Score"),
        m.t("Level"),
        m.t("Owner"),
        m.t("Mitigation"),
        m.t("Review date"),
        m.t("Status"),
        m.t("Contracts"),
    ]
    rows: list[list[Any]] = [
        [
            r.id,
            r.title,
            m.label(r.category),
            r.likelihood,
            r.impact,
            r.score,
            m.label(r.level, "level"),
            r.owner,
            r.mitigation,
            r.review_date,
            m.label(r.status),
            ", ".join(r.contracts),
        ]
        for r in risks
    ]
    return headers, rows


def _share(percent: Decimal | None) -> Percent | None:
    """A percent figure (40) as the fraction a spreadsheet formats as 40.00 %."""
    return None if percent is None else Percent(float(percent / 100))


def _numerator(row: ServiceLevelRow) -> Any:
    """An integral numerator as a number; a mean's exact fraction stays text."""
    if row.numerator is None:
        return None
    return int(row.numerator) if row.numerator.lstrip("-").isdigit() else row.numerator


def _audit_head(m: Messages, pack: ContractPack | PortfolioPack) -> str:
    return f"{m.t('row')} {pack.audit_head_seq}: {pack.audit_head_sha256}"


def _summary_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    h = pack.header
    w.pairs(
        sheet,
        0,
        [
            (m.t("Contract"), h.contract_id),
            (m.t("Name"), h.name),
            (m.t("Client"), h.client),
            (m.t("Vendor"), h.vendor),
            (m.t("Broker"), h.broker or m.t("none")),
            (m.t("Version"), h.version),
            (m.t("Currency"), h.currency),
            (m.t("Term"), f"{h.term_start} – {h.term_end}"),
            (m.t("Period"), pack.period),
            (m.t("Generated at"), pack.generated_at),
            (m.t("Generated by"), pack.generated_by),
            (m.t("Inputs hash"), pack.inputs_sha256),
            (m.t("Audit trail head"), _audit_head(m, pack)),
        ],
    )


def _levels_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.table(
        sheet,
        0,
        [
            m.t("Service level"),
            m.t("Name"),
            m.t("KPI"),
            m.t("Kind"),
            m.t("Allocation"),
            m.t("Value"),
            "numerator",
            "denominator",
            m.t("Expected"),
            m.t("Minimum"),
            m.t("Status"),
            m.t("Excluded"),
            m.t("Completeness"),
        ],
        [
            [
                sl.service_level_id,
                sl.name,
                sl.kpi,
                m.label(sl.kind),
                _share(sl.allocation_percent),
                Measure(sl.value, sl.unit),
                _numerator(sl),
                sl.denominator,
                Measure(sl.expected, sl.unit),
                Measure(sl.minimum, sl.unit),
                m.label(sl.status),
                sl.excluded,
                Percent(sl.completeness),
            ]
            for sl in pack.service_levels
        ],
        [12, 40, 20, 12, 11, 12, 12, 12, 12, 12, 18, 10, 13],
    )
    sheet.freeze_panes(1, 2)


def _year_to_date_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.text(sheet, 0, 0, f"{m.t('Year to date')} {pack.year_to_date_period}")
    w.table(
        sheet,
        1,
        [
            m.t("Service level"),
            m.t("Value over the period"),
            "numerator",
            "denominator",
            m.t("Met"),
            m.t("Below expected"),
            m.t("Breached"),
            m.t("Insufficient data"),
            m.t("% of months met"),
            m.t("Months"),
        ],
        [
            [
                y.service_level_id,
                Measure(y.value, y.unit)
                if y.not_aggregated is None
                else m.t("Not aggregated: a snapshot at each period's end"),
                y.numerator,
                y.denominator,
                y.met,
                y.below_expected,
                y.breached,
                y.insufficient_data,
                Percent(y.share_met),
                ", ".join(f"{p.period} {m.label(p.status)}" for p in y.months),
            ]
            for y in pack.year_to_date
        ],
        [14, 16, 12, 12, 8, 10, 10, 12, 12, 60],
    )


def _trend_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.table(
        sheet,
        0,
        [m.t("Service level"), *pack.trend_months],
        [
            [sl.service_level_id, *(Measure(p.value, sl.unit) for p in sl.trend)]
            for sl in pack.service_levels
        ],
        [14, *([10] * len(pack.trend_months))],
    )


def _credits_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    if pack.credits is None:
        note = pack.credits_note or "The contract has no service-credit regime."
        w.text(sheet, 0, 0, m.t(note))
    else:
        c = pack.credits
        top = w.pairs(
            sheet,
            0,
            [
                (m.t("Monthly fees"), c.monthly_fees),
                (m.t("At-risk amount"), c.at_risk),
                (m.t("Arithmetic"), c.at_risk_arithmetic),
                (m.t("Total credits"), c.total),
                (m.t("Earned back"), c.earn_back_total),
                (m.t("Net reduction"), c.net),
                (m.t("Cap applied"), c.cap_applied),
            ],
        )
        top = w.table(
            sheet,
            top,
            [
                m.t("Service level"),
                m.t("Name"),
                m.t("Outcome"),
                m.t("Value"),
                m.t("Allocation"),
                "×",
                m.t("Amount"),
                m.t("Charged"),
                m.t("Arithmetic"),
                m.t("Clause"),
            ],
            [
                [
                    line.service_level_id,
                    line.name,
                    m.label(line.outcome),
                    line.value,
                    _share(line.allocation_percent),
                    line.multiplier,
                    line.amount,
                    line.charged,
                    line.arithmetic,
                    line.clause,
                ]
                for line in c.lines
            ],
            [24, 40, 16, 14, 11, 8, 18, 18, 80, 50],
        )
        if c.earn_back:
            w.table(
                sheet,
                top,
                [
                    m.t("Service level"),
                    m.t("Credit month"),
                    m.t("Outcome"),
                    m.t("Returned"),
                    m.t("Arithmetic"),
                ],
                [
                    [
                        e.service_level_id,
                        e.credit_month,
                        m.label(e.outcome),
                        e.returned,
                        e.arithmetic,
                    ]
                    for e in c.earn_back
                ],
            )


def _invoice_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    top = 0
    if not pack.invoice_checks:
        w.text(sheet, 0, 0, m.t("No invoice was checked for this month."))
    for check in pack.invoice_checks:
        top = w.pairs(
            sheet,
            top,
            [
                (m.t("File"), check.file),
                (m.t("Verdict"), m.label(check.verdict)),
                (m.t("Expected total"), check.expected_total),
                (m.t("Invoiced total"), check.invoiced_total),
                (m.t("Difference"), check.difference),
            ],
        )
        top = w.table(
            sheet,
            top,
            [
                m.t("Reason"),
                m.t("Line"),
                "row",
                m.t("Message"),
                m.t("Expected"),
                m.t("Invoiced"),
                m.t("Difference"),
            ],
            [
                [m.label(d.reason), d.line_id, d.row, d.message, d.expected, d.invoiced, d.amount]
                for d in check.differences
            ],
            [24, 40, 8, 70, 16, 16, 18],
        )


def _risks_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    headers, rows = _risk_rows(m, pack.risks)
    w.table(sheet, 0, headers, rows, [14, 40, 16, 10, 10, 8, 10, 20, 40, 12, 12, 30])


def _exclusions_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.table(
        sheet,
        0,
        [
            "ID",
            m.t("Service level"),
            m.t("Source"),
            m.t("Period"),
            m.t("Events"),
            m.t("Reason"),
            m.t("Note"),
            m.t("Requested at"),
            m.t("Status"),
        ],
        [
            [
                x.id,
                x.service_level_id,
                x.source,
                x.period,
                x.event_count,
                m.label(x.reason),
                x.note,
                x.requested_at,
                m.label(x.status),
            ]
            for x in pack.exclusions
        ],
        [36, 12, 12, 10, 8, 16, 50, 18, 12],
    )


def _findings_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.table(
        sheet,
        0,
        [m.t("Source"), m.t("Check"), m.t("Period"), m.t("Detail"), m.t("Status")],
        [[f.source, f.check, f.period, f.detail, m.label(f.status)] for f in pack.findings],
        [12, 20, 10, 80, 10],
    )


def _batches_sheet(w: _Writer, sheet: Worksheet, pack: ContractPack, m: Messages) -> None:
    w.table(
        sheet,
        0,
        [
            m.t("Source"),
            m.t("Batch"),
            m.t("File"),
            m.t("Rows"),
            m.t("Loaded at"),
            m.t("Contents hash"),
        ],
        [
            [b.source, b.seq, b.file_name, b.rows_accepted, b.loaded_at, b.content_sha256]
            for b in pack.batches
        ],
        [14, 8, 40, 10, 18, 66],
    )


_SheetWriter = Callable[["_Writer", Worksheet, ContractPack, Messages], None]

# The contract pack's sheets, in order: title (translated) and what writes it.
_CONTRACT_SHEETS: tuple[tuple[str, _SheetWriter], ...] = (
    ("Monthly service review", _summary_sheet),
    ("Service levels", _levels_sheet),
    ("Year to date", _year_to_date_sheet),
    ("Trend", _trend_sheet),
    ("Service credits", _credits_sheet),
    ("Invoice check", _invoice_sheet),
    ("Risks", _risks_sheet),
    ("Open exclusions", _exclusions_sheet),
    ("Control findings", _findings_sheet),
    ("Data batches", _batches_sheet),
)


def _contract_book(w: _Writer, pack: ContractPack, m: Messages) -> None:
    taken: set[str] = set()
    for title, write in _CONTRACT_SHEETS:
        write(w, w.book.add_worksheet(sheet_name(m.t(title), taken)), pack, m)


def _portfolio_summary_sheet(
    w: _Writer, sheet: Worksheet, pack: PortfolioPack, m: Messages
) -> None:
    top = w.pairs(
        sheet,
        0,
        [
            (m.t("Period"), pack.period),
            (m.t("Generated at"), pack.generated_at),
            (m.t("Generated by"), pack.generated_by),
            (m.t("Inputs hash"), pack.inputs_sha256),
            (m.t("Audit trail head"), _audit_head(m, pack)),
            (m.t("Contracts"), len(pack.contracts)),
        ],
    )
    w.table(
        sheet,
        top,
        [
            m.t("Currency"),
            m.t("Credits to date"),
            m.t("Planned to date"),
            m.t("Realised to date"),
        ],
        [
            [t.currency, t.credits_to_date, t.saving_planned_to_date, t.saving_realised_to_date]
            for t in pack.currency_totals
        ],
    )


def _portfolio_contracts_sheet(
    w: _Writer, sheet: Worksheet, pack: PortfolioPack, m: Messages
) -> None:
    w.table(
        sheet,
        0,
        [
            m.t("Contract"),
            m.t("Name"),
            m.t("Vendor"),
            m.t("Broker"),
            m.t("Version"),
            m.t("Status"),
            m.t("Met"),
            m.t("Below expected"),
            m.t("Breached"),
            m.t("Insufficient data"),
            m.t("Not evaluated"),
            m.t("Credits this month"),
            m.t("Credits to date"),
            m.t("Months stated"),
            m.t("Planned to date"),
            m.t("Realised to date"),
        ],
        [
            [
                c.contract_id,
                c.name,
                c.vendor,
                c.broker,
                c.version,
                m.label(c.rag),
                c.counts.met,
                c.counts.below_expected,
                c.counts.breached,
                c.counts.insufficient_data,
                c.counts.not_evaluated,
                c.credits_month,
                c.credits_to_date,
                c.months_stated,
                c.saving_planned_to_date,
                c.saving_realised_to_date,
            ]
            for c in pack.contracts
        ],
        [22, 40, 14, 14, 8, 10, 8, 10, 10, 10, 10, 18, 18, 10, 18, 18],
    )
    sheet.freeze_panes(1, 1)


def _portfolio_vendors_sheet(
    w: _Writer, sheet: Worksheet, pack: PortfolioPack, m: Messages
) -> None:
    w.table(
        sheet,
        0,
        [
            m.t("Rank"),
            m.t("Vendor"),
            m.t("Composite"),
            m.t("Standing"),
            *(m.label(name) for name in _COMPONENTS),
            m.t("Gaps"),
        ],
        [
            [
                v.rank,
                v.vendor_id,
                v.composite,
                None if v.standing is None else m.label(v.standing),
                *(_component(v.components, name) for name in _COMPONENTS),
                "; ".join(v.gaps) or v.gap_reason,
            ]
            for v in pack.vendors
        ],
        [8, 16, 11, 10, 12, 12, 12, 12, 12, 12, 80],
    )


def _portfolio_risks_sheet(w: _Writer, sheet: Worksheet, pack: PortfolioPack, m: Messages) -> None:
    headers, rows = _risk_rows(m, pack.top_risks)
    w.table(sheet, 0, headers, rows, [14, 40, 16, 10, 10, 8, 10, 20, 40, 12, 12, 30])


def _portfolio_savings_sheet(
    w: _Writer, sheet: Worksheet, pack: PortfolioPack, m: Messages
) -> None:
    w.table(
        sheet,
        0,
        [
            m.t("Contract"),
            m.t("Planned to date"),
            m.t("Realised to date"),
            m.t("Months with actuals"),
            m.t("Saving over the term"),
            m.t("ROI"),
            m.t("Payback month"),
        ],
        [
            [
                s.contract_id,
                s.planned_to_date,
                s.realised_to_date,
                s.months_with_actuals,
                s.saving_total,
                _share(s.roi_percent),
                s.payback_month,
            ]
            for s in pack.savings
        ],
        [22, 18, 18, 12, 20, 10, 10],
    )


_COMPONENTS = (
    "service_levels",
    "credits",
    "invoice_accuracy",
    "control_findings",
    "open_risks",
    "survey",
)


_PortfolioSheetWriter = Callable[["_Writer", Worksheet, PortfolioPack, Messages], None]

# The portfolio pack's sheets, in order: title (translated) and what writes it.
_PORTFOLIO_SHEETS: tuple[tuple[str, _PortfolioSheetWriter], ...] = (
    ("Portfolio review", _portfolio_summary_sheet),
    ("Contracts", _portfolio_contracts_sheet),
    ("Vendor ranking", _portfolio_vendors_sheet),
    ("Top risks", _portfolio_risks_sheet),
    ("Savings to date", _portfolio_savings_sheet),
)


def _portfolio_book(w: _Writer, pack: PortfolioPack, m: Messages) -> None:
    taken: set[str] = set()
    for title, write in _PORTFOLIO_SHEETS:
        write(w, w.book.add_worksheet(sheet_name(m.t(title), taken)), pack, m)


def _component(components: Sequence[Any], name: str) -> float | None:
    for component in components:
        if component.component == name:
            score: float | None = component.score
            return score
    return None


def render_xlsx(pack: Pack, *, lang: Lang = Lang.EN) -> bytes:
    """The pack as an XLSX workbook in ``lang``."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,
            # Text stays text: never turned into a formula, a number or a link.
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    writer = _Writer(book)
    messages = Messages(lang)
    if isinstance(pack, ContractPack):
        _contract_book(writer, pack, messages)
    else:
        _portfolio_book(writer, pack, messages)
    book.close()
    return buffer.getvalue()
