"""Writing the postmortem draft with its charts: `w` on the timeline and
`incident-console incident postmortem ID` both come here.

The incident's recording (the one the console made while it was open, or one given) is
read over the incident window: from a few minutes before the first of {opened, first
finding fired} to its close (or the recording's end). It gives the impact's numbers, the
metrics before and after, the detection and mitigation times and the four charts; without
a recording, the draft says so and is written anyway. The Markdown and the charts are
private files (0600) side by side.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from console.core.private_files import private_dir, write_private
from console.incidents.markdown import duration
from console.incidents.model import Incident, TimelineEntry
from console.incidents.postmortem import Evidence, postmortem_markdown
from console.incidents.postmortem_charts import ChartsUnavailable, chart_links, write_charts
from console.recording import format as fmt
from console.recording.files import incident_recordings
from console.recording.recording import Recording
from console.recording.series import Series, markers, series
from console.recording.summary import Episode, episodes

LEAD_IN = timedelta(minutes=10)


@dataclass(frozen=True)
class WrittenPostmortem:
    path: Path
    charts: tuple[Path, ...]
    recording: Path | None
    note: str = ""  # why something is missing (no recording, no matplotlib, damage)


def draft_name(incident: Incident, now: datetime) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", incident.title.lower()).strip("-")[:40]
    return f"postmortem-{now:%Y%m%d-%H%M}-{slug or 'incident'}"


def pick_recording(incident: Incident, folder: Path | None = None) -> Path | None:
    """The incident's automatic recording holding the most snapshots."""
    best: tuple[int, Path] | None = None
    for path in incident_recordings(incident.id, folder):
        try:
            count = len(Recording.open(path))
        except (fmt.RecordingError, OSError):
            continue
        if best is None or count > best[0]:
            best = (count, path)
    return best[1] if best else None


def window(incident: Incident, recording: Recording) -> tuple[datetime, datetime]:
    fired = episodes(recording)
    first = min([incident.opened_at, *(e.fired_at for e in fired[:1])])
    start = max(first - LEAD_IN, recording.start or first)
    end = incident.closed_at or recording.end or incident.opened_at
    return start, max(start, min(end + timedelta(minutes=2), recording.end or end))


def _impact(data: Series, start: datetime, end: datetime, ids: list[str]) -> dict[str, str]:
    def fmt_number(value: float | None, unit: str = "", digits: int = 1) -> str:
        return "—" if value is None else f"{value:,.{digits}f}{unit}"

    received = data.totals.get("received")
    failed = data.totals.get("failed")
    impact = {"Window": f"{start:%H:%M} → {end:%H:%M} UTC ({duration(end - start)})"}
    if received is not None:
        share = f" ({100 * (failed or 0) / received:.1f} %)" if received else ""
        impact["Webhook events received"] = f"{received:,}"
        impact["Webhook events failed"] = f"{failed or 0:,}{share}"
    impact["Peak backlog"] = fmt_number(data.peaks.get("backlog"), " events waiting", 0)
    wait = data.peaks.get("waiting")
    if wait is None:
        impact["Longest wait for processing"] = "—"
    else:
        longest = duration(timedelta(seconds=wait)) if wait >= 60 else f"{wait:.0f} s"
        impact["Longest wait for processing"] = longest
    impact["Lowest processing rate"] = fmt_number(data.lows.get("processed"), " events/min")
    impact["Peak error rate (5 min)"] = fmt_number(data.peaks.get("error_rate"), " %")
    impact["Peak p95 latency (15 min)"] = fmt_number(data.peaks.get("p95"), " s", 2)
    impact["Findings fired"] = ", ".join(f"`{i}`" for i in ids) or "none"
    return impact


def _finding_lines(fired: Sequence[Episode]) -> list[str]:
    lines = []
    for e in fired:
        lines.append(f"{e.fired_at:%H:%M:%S} {e.severity} `{e.id}` fired: {e.title}")
        if e.cleared_at:
            lines.append(f"{e.cleared_at:%H:%M:%S} `{e.id}` cleared")
    return sorted(lines)


def write_postmortem(
    incident: Incident,
    timeline: Sequence[TimelineEntry],
    folder: Path,
    *,
    now: datetime,
    recording_path: Path | None = None,
    recordings_dir: Path | None = None,
) -> WrittenPostmortem:
    """Write `<folder>/postmortem-….md` and its charts; returns what was written."""
    folder = private_dir(Path(folder))
    stem = draft_name(incident, now)
    path = folder / f"{stem}.md"
    source = recording_path or pick_recording(incident, recordings_dir)
    evidence, before, after, charts, note = Evidence(), None, None, (), ""
    if source is None:
        note = "No recording of this incident (start the dashboard with --record FILE)."
        evidence = Evidence(note=note)
    else:
        recording = Recording.open(source)
        start, end = window(incident, recording)
        data = series(recording, start, end)
        fired = [e for e in episodes(recording) if e.cleared_at is None or e.cleared_at >= start]
        first_fired = (fired[0].fired_at, fired[0].id, fired[0].title) if fired else None
        cleared = [e.cleared_at for e in fired]
        mitigated = max(c for c in cleared if c) if fired and all(cleared) else None
        if recording.damage is not None:
            note = recording.damage.message
        images: list[str] = []
        try:
            drawn = write_charts(data, markers(recording, timeline), folder, stem)
            charts = tuple(c.path for c in drawn)
            images = chart_links(drawn, path)
        except ChartsUnavailable as exc:
            note = str(exc)
        first_at = recording.index_at(start)
        last_at = recording.index_at(end)
        if last_at >= 0:
            before = recording.snapshot(max(0, first_at))[0]
            after = recording.snapshot(last_at)[0]
        evidence = Evidence(
            recording=Path(source).name,
            impact=_impact(data, start, end, list(dict.fromkeys(e.id for e in fired))),
            charts=tuple(images),
            first_fired=first_fired,
            mitigated_at=mitigated,
            findings=tuple(_finding_lines(fired)),
            note=note or "No chart could be drawn.",
        )
    text = postmortem_markdown(incident, timeline, before, after, evidence)
    write_private(path, text.encode("utf-8"))
    return WrittenPostmortem(path, charts, Path(source) if source else None, note)
