"""The console tells the recording of its incident from several worker threads at once
(opening it, resuming it, a refresh): one recording file comes of it, and it is readable.
Two recorders on one file once left it unreadable ("not gzip data at byte 0") and the
postmortem without its charts."""

from __future__ import annotations

import threading
from pathlib import Path

from support.recording_samples import START, SyntheticSystem, sample_incident

from console.recording.background import LiveRecording
from console.recording.recording import Recording


def test_many_threads_telling_of_one_incident_make_one_readable_recording(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "recordings"
    incident = sample_incident("checkout errors")
    for attempt in range(5):
        recording = LiveRecording(None, folder=folder / str(attempt), clock=lambda: START)
        recording.polled(SyntheticSystem().poll(START), [], START)
        start = threading.Barrier(8)

        def tell(recording: LiveRecording = recording, start: threading.Barrier = start) -> None:
            start.wait()
            recording.incident_changed(incident)

        threads = [threading.Thread(target=tell) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(30)
        assert recording.flush() is not None
        recording.close()
        [path] = list((folder / str(attempt)).iterdir())
        recorded = Recording.open(path)
        assert recorded.damage is None and len(recorded) >= 1
