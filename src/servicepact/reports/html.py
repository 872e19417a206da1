"""Render a pack as one self-contained HTML page (inline CSS, inline SVG charts).

The templates (``reports/templates/``) only lay out what the pack holds; the words come
from ``reports/messages.py`` in the pack's language. The page fetches nothing: it can be
mailed, archived, or printed to PDF (``reports/pdf.py`` renders this same HTML).
"""

from __future__ import annotations

from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from servicepact.reports.charts import trend_svg
from servicepact.reports.messages import Lang, Messages
from servicepact.reports.model import ContractPack, Pack, ServiceLevelRow


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("servicepact.reports", "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,  # a misspelt field fails the tests instead of printing ""
        trim_blocks=True,
        lstrip_blocks=True,
    )


def css_string(text: str) -> str:
    """Text as the inside of a CSS string in a ``<style>`` block: quotes, backslashes and
    ``<`` escaped (so neither the string nor the style element can be closed early)."""
    out = []
    for char in text:
        if char in '"\\<>' or ord(char) < 0x20:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return "".join(out)


def _footer(pack: Pack, messages: Messages) -> str:
    if isinstance(pack, ContractPack):
        title = f"{messages.t('Monthly service review')} · {pack.header.contract_id}"
    else:
        title = messages.t("Portfolio review")
    return css_string(f"ServicePact · {title} · {pack.period}")


def render_html(pack: Pack, *, lang: Lang = Lang.EN) -> str:
    """The pack as a complete HTML document in ``lang``."""
    messages = Messages(lang)

    def chart(row: ServiceLevelRow) -> Markup:
        svg = trend_svg(
            row.trend,
            expected=float(row.expected),
            minimum=float(row.minimum),
            unit=row.unit,
            title=f"{row.service_level_id} {messages.t('Trend')}",
        )
        return Markup(svg)  # noqa: S704 - every text inside was escaped by trend_svg

    template = "contract.html" if isinstance(pack, ContractPack) else "portfolio.html"
    return (
        _environment()
        .get_template(template)
        .render(
            pack=pack,
            lang=lang.value,
            t=messages.t,
            label=messages.label,
            chart=chart,
            footer=Markup(_footer(pack, messages)),  # noqa: S704 - escaped for CSS above
        )
    )
