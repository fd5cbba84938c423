"""What every screen host the app composes holds: the app, the presenter, the console's mode.

A controller holds the app only to push screens, notify and run workers; the presenter
knows the screen on top and the last poll's findings, which the screens it hosts read.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from textual.app import App

from screens.controllers.presenter import DashboardPresenter
from screens.findings import FindingLike
from screens.options import DashboardOptions


@dataclass(eq=False)
class AppPart:
    """The fields and the findings a screen host shares with the others."""

    app: App[Any]
    presenter: DashboardPresenter
    options: DashboardOptions

    def current_findings(self) -> list[FindingLike]:
        return self.presenter.current_findings()
