"""Findings, most severe first, each with its value, threshold and runbook."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from rich.text import Text
from textual.widgets import Static

from console.core.db_errors import SCHEMA_MISSING
from screens.formatting import count, severity_word, shorten
from screens.widgets.panel import PanelTable, RenderContext, flex_width
from screens.widgets.table_panel import TablePanel

SEVERITY_STYLE = {"P0": "bold reverse red", "P1": "bold red", "P2": "bold yellow"}
# Optional tables (the guide's schema may lack them): missing, their detector is off.
OPTIONAL = {"notifications": "notification failures"}


def show_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:,.2f}".rstrip("0").rstrip(".")
    if isinstance(value, int):
        return count(value)
    return str(value) if value is not None else "—"


class FindingsPanel(TablePanel):
    key = "findings"
    title = "Findings"
    number = 1
    sources = ("duplicates", "paid_without_payment", "notifications")
    drill_kind = "finding"
    fixed_columns = ("Sev", "Finding", "Value", "Limit", "Runbook")

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        return tuple(ctx.findings), ctx.findings_error

    def error_text(self, ctx: RenderContext) -> str | None:
        problems = []
        errors = ctx.snapshot.panel_errors if ctx.snapshot is not None else {}
        absent = [
            name for name in OPTIONAL if name in errors and errors[name].startswith(SCHEMA_MISSING)
        ]
        for name in absent:  # not a failure: said once, the same line every poll
            problems.append(f"{OPTIONAL[name]} detector off: no {name} table (optional)")
        if absent and ctx.snapshot is not None:
            left = {k: v for k, v in errors.items() if k not in absent}
            ctx = replace(ctx, snapshot=replace(ctx.snapshot, panel_errors=left))
        queries = super().error_text(ctx)
        if queries:
            problems.append(f"some detectors cannot judge: {queries}")
        if ctx.db_error:
            problems.append(f"poll failed: {ctx.db_error}")
        if ctx.findings_error:
            problems.append(f"triage: {ctx.findings_error}")
        return "; ".join(problems) or None

    def render_body(self, ctx: RenderContext) -> None:
        summary = self.query_one(".panel-summary", Static)
        if ctx.findings:
            worst = severity_word(ctx.findings[0].severity)
            summary.update(Text(f"{len(ctx.findings)} firing, worst {worst}", style="bold"))
        elif ctx.snapshot is None and not ctx.db_error:
            summary.update("waiting for the first poll…")
        else:
            summary.update("No findings: every detector is quiet.")
        runbook_width = min(24, max((len(f.runbook) for f in ctx.findings), default=7))
        title_width = flex_width(ctx, (3, 10, 8, runbook_width), hi=60)
        rows = []
        for finding in ctx.findings:
            sev = Text(finding.severity, style=SEVERITY_STYLE.get(finding.severity, "bold"))
            rows.append(
                (
                    finding.id,
                    [
                        sev,
                        shorten(finding.title, title_width),
                        shorten(show_value(finding.value), 10),
                        shorten(show_value(finding.threshold), 8),
                        shorten(finding.runbook, runbook_width),
                    ],
                )
            )
        self.query_one(PanelTable).replace_rows(rows)
