"""The columns of each built-in event type as Markdown, for docs/loading.md.

The documentation's tables are generated from ``domain/event_types.py`` so they
cannot drift: a test compares them with the page. Regenerate with

    .venv/bin/python -m servicepact.store.events.reference
"""

from __future__ import annotations

from servicepact.domain.event_types import BUILT_IN, Column, EventType

BEGIN = "<!-- event-type columns: generated, do not edit -->"
END = "<!-- end of generated columns -->"


def _limits(column: Column) -> str:
    parts = []
    if column.allowed:
        parts.append("one of " + ", ".join(f"`{v}`" for v in column.allowed))
    if column.minimum is not None:
        parts.append(f"≥ {column.minimum:g}")
    if column.maximum is not None:
        parts.append(f"≤ {column.maximum:g}")
    return "; ".join(parts)


def event_type_table(event_type: EventType) -> str:
    lines = [
        f"### `{event_type.name}`",
        "",
        event_type.description,
        "",
        "| column | type | required | limits | personal data | description |",
        "|---|---|---|---|---|---|",
    ]
    for c in event_type.columns:
        lines.append(
            f"| `{c.name}` | {c.type.value} | {'yes' if c.required else ''} | {_limits(c)} "
            f"| {c.personal_data.value if c.personal_data else ''} | {c.description} |"
        )
    return "\n".join(lines)


def columns_markdown() -> str:
    body = "\n\n".join(event_type_table(t) for t in BUILT_IN.values())
    return f"{BEGIN}\n\n{body}\n\n{END}"


if __name__ == "__main__":
    print(columns_markdown())
