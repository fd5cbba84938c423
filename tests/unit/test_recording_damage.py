"""A recording survives the console being killed, and a damaged one is read up to the
damage with one line saying where (RELIABILITY 30): never a traceback, never garbage."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import zlib
from datetime import datetime
from pathlib import Path

import pytest
from support.recording_samples import FakeTime, SyntheticSystem, outage_findings

from console.cli import main
from console.recording import format as fmt
from console.recording.reader import scan
from console.recording.recording import Recording
from console.recording.writer import Recorder

ROOT = Path(__file__).resolve().parents[2]


def _recording(path: Path, polls: int = 300, member_seconds: float = 120) -> Path:
    system = SyntheticSystem(outage=(2, 5))
    time = FakeTime()
    with Recorder(
        path, clock=time.clock, monotonic=time.monotonic, member_seconds=member_seconds
    ) as recorder:
        for _ in range(polls):
            recorder.snapshot(system.poll(time.now), outage_findings(system, time.now))
            time.advance(2.0)
    return path


def _replay(path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict, str]:
    code = main(["replay", str(path), "--headless", "--json"])
    out, err = capsys.readouterr()
    return code, json.loads(out), err


def test_a_file_cut_inside_a_record_reads_up_to_the_cut(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recording(tmp_path / "r.icrec.gz")
    members = scan(path).members
    cut = members[2].offset + members[2].length // 2
    path.write_bytes(path.read_bytes()[:cut])
    recording = Recording.open(path)
    assert recording.damage is not None and recording.damage.kind == "truncated"
    assert f"truncated at byte {cut}" in recording.damage.message
    readable = members[0].snapshots + members[1].snapshots
    assert readable <= len(recording) < readable + members[2].snapshots
    recording.snapshot(len(recording) - 1)  # the last readable one decodes
    code, document, err = _replay(path, capsys)
    assert code == 1
    assert err.count("\n") == 1 and "Traceback" not in err and f"byte {cut}" in err
    assert document["damage"]["kind"] == "truncated"
    assert [f["id"] for f in document["findings"]] == ["processing_down"]


def test_a_flipped_byte_is_corrupt_and_the_members_before_it_replay(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _recording(tmp_path / "r.icrec.gz")
    members = scan(path).members
    data = bytearray(path.read_bytes())
    data[members[1].offset + members[1].length // 2] ^= 0x55
    path.write_bytes(bytes(data))
    recording = Recording.open(path)
    assert recording.damage is not None and recording.damage.kind == "corrupt"
    assert recording.damage.offset == members[1].offset
    assert f"byte {members[1].offset}" in recording.damage.message
    assert len(recording) == members[0].snapshots  # the damaged member is dropped whole
    code, document, err = _replay(path, capsys)
    assert code == 1 and "corrupt" in err and "Traceback" not in err
    assert document["snapshots"] == members[0].snapshots


def test_a_line_that_is_not_a_record_is_named(tmp_path: Path) -> None:
    path = _recording(tmp_path / "r.icrec.gz", polls=10)
    records = scan(path).records
    garbage = zlib.compressobj(6, zlib.DEFLATED, 31)
    with path.open("ab") as handle:
        handle.write(garbage.compress(b"{not json\n") + garbage.flush())
    recording = Recording.open(path)
    assert recording.damage is not None and recording.damage.kind == "corrupt"
    assert f"record {records + 1}" in recording.damage.message
    assert len(recording) == 10


@pytest.mark.parametrize(
    ("content", "says"),
    [
        (b"", "is empty"),
        (b"hello, not a recording", "not gzip data at byte 0"),
        (zlib.compress(b"x", wbits=31), "not an incident-console recording"),
    ],
)
def test_what_is_not_a_recording_says_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, says: str
) -> None:
    path = tmp_path / "x.icrec.gz"
    path.write_bytes(content)
    with pytest.raises(fmt.NotARecording, match=says):
        Recording.open(path)
    code = main(["replay", str(path), "--headless"])
    _, err = capsys.readouterr()
    assert code == 1 and says in err and err.count("\n") == 1


CHILD = textwrap.dedent(
    """
    import sys
    from datetime import UTC, datetime
    from pathlib import Path
    from support.recording_samples import SyntheticSystem
    from console.recording.writer import Recorder
    import time

    system = SyntheticSystem()
    recorder = Recorder(Path(sys.argv[1]), flush_seconds=0.5).open()
    index = 0
    while True:
        now = datetime.now(UTC)
        recorder.snapshot(system.poll(now))
        print(index, now.isoformat(), flush=True)
        index += 1
        time.sleep(0.05)
    """
)


def test_a_recording_killed_mid_way_reads_up_to_its_last_flush(tmp_path: Path) -> None:
    path = tmp_path / "killed.icrec.gz"
    env = {**os.environ, "PYTHONPATH": f"{ROOT}{os.pathsep}{ROOT / 'tests'}"}
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path)], stdout=subprocess.PIPE, text=True, env=env
    )
    assert child.stdout is not None
    printed: list[str] = []
    while len(printed) < 60:  # wait for the condition: 60 snapshots recorded
        line = child.stdout.readline()
        assert line, "the recording child exited early"
        printed.append(line)
    child.send_signal(signal.SIGKILL)
    printed += child.stdout.read().splitlines()
    child.wait(10)
    last_recorded = datetime.fromisoformat(printed[-1].split()[1])
    recording = Recording.open(path)
    assert recording.damage is not None and recording.damage.kind == "unterminated"
    assert not recording.damage.fatal
    assert len(recording) >= 50
    lost = (last_recorded - recording.times[-1]).total_seconds()
    assert lost <= 0.5 + 0.5  # at most the flush interval (and one poll) is lost
    recording.snapshot(len(recording) - 1)


def test_a_cut_inside_a_character_is_still_a_cut(tmp_path: Path) -> None:
    path = tmp_path / "r.icrec.gz"
    time = FakeTime()
    compressor = zlib.compressobj(6, zlib.DEFLATED, 31)
    with Recorder(path, clock=time.clock, monotonic=time.monotonic) as recorder:
        recorder.snapshot(SyntheticSystem().poll(time.now))
    text = zlib.decompressobj(31).decompress(path.read_bytes())
    unfinished = text.replace(b'{"t":"end"', b'{"t":"entry","entry":{"text":"caf\xc3')[:-8]
    path.write_bytes(compressor.compress(unfinished) + compressor.flush(zlib.Z_SYNC_FLUSH))
    recording = Recording.open(path)
    assert recording.damage is not None and recording.damage.kind == "truncated"
    assert len(recording) == 1
