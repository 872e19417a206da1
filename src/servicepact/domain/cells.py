"""Text written to a CSV file is never run as a formula by the spreadsheet that opens it.

A spreadsheet treats a cell beginning with ``=``, ``+``, ``-`` or ``@`` as a formula, and some
also after leading tabs, carriage returns, line feeds or spaces (``"\\t=cmd|' /C calc'!A0"``).
Such a cell is written with a leading apostrophe, which the spreadsheet shows as text. One rule
for every CSV the product writes (error lists, clock output, exports).
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@")
_LEADING = " \t\r\n"
# The same rule as a regular expression (RE2 and Python), for column-wise writers.
FORMULA_LIKE = r"^([\t\r]|[ \t\r\n]*[=+\-@])"


def is_formula_like(text: str) -> bool:
    return text.startswith(("\t", "\r")) or text.lstrip(_LEADING).startswith(FORMULA_STARTS)


def neutralise(value: object) -> str:
    """The cell's text, prefixed with an apostrophe when a spreadsheet would run it."""
    text = "" if value is None else str(value)
    return "'" + text if is_formula_like(text) else text
