"""The formats a pack can be written in (a module of its own, so the CLI can name them without
importing what builds a pack)."""

from __future__ import annotations

from enum import StrEnum


class ReportFormat(StrEnum):
    HTML = "html"
    PDF = "pdf"
    XLSX = "xlsx"
    JSON = "json"  # the pack's data, for scripts and other tools
