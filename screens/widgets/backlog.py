"""Backlog: events not yet processed, the oldest one's age, and failures to retry.

The failed line counts one set twice over: every unprocessed event with an error, and of
those the retryable ones (below the retry limit); then how many of them arrived in the
last 24 h. (It read "Failed in 24 h 33 (190 retryable)": two windows in one phrase.)"""

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

    def shown_from(self, ctx: RenderContext) -> tuple[object, ...] | None:
        return (ctx.snapshot.backlog,) if ctx.snapshot is not None else None

    def render_body(self, ctx: RenderContext) -> None:
        body = self.query_one(".panel-text", Static)
        snap = ctx.snapshot
        if snap is None:
            body.update(no_data_text(ctx))
            return
        b = snap.backlog
        failed = b.unprocessed - b.unprocessed_without_error
        body.update(
            fit(
                [
                    f"Unprocessed {count(b.unprocessed)} "
                    f"({count(b.unprocessed_without_error)} without error)",
                    f"Oldest waiting {duration(b.oldest_unprocessed_age_seconds)}",
                    # both in the parentheses count the same rows: every failed one waiting
                    f"Failed {count(failed)} ({count(b.retryable_failed)} retryable), "
                    f"{count(b.failed_24h)} in 24 h",
                ],
                ctx,
            )
        )
