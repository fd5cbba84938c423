"""Backlog: events not yet processed, the oldest one's age, and failures to retry."""

from __future__ import annotations

from textual.widgets import Static

from screens.formatting import count, duration
from screens.widgets.panel import Panel, RenderContext, fit, no_data_text


class BacklogPanel(Panel):
    key = "backlog"
    title = "Backlog"
    number = 5
    measured_by = ("unprocessed",)
    sources = ("unprocessed", "lookup")

    def render_body(self, ctx: RenderContext) -> None:
        body = self.query_one(".panel-text", Static)
        snap = ctx.snapshot
        if snap is None:
            body.update(no_data_text(ctx))
            return
        b = snap.backlog
        body.update(
            fit(
                [
                    f"Unprocessed {count(b.unprocessed)} "
                    f"({count(b.unprocessed_without_error)} without error)",
                    f"Oldest waiting {duration(b.oldest_unprocessed_age_seconds)}",
                    f"Failed in 24 h {count(b.failed_24h)} ({count(b.retryable_failed)} retryable)",
                ],
                ctx,
            )
        )
