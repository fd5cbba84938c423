"""`incident-console check`: the JSON contract, exit codes and one-line errors, via the CLI."""

from __future__ import annotations

import http.server
import json
import subprocess
import threading
from typing import Any

from support.cli import run_console
from support.metrics_testkit import add_event, add_events, add_order

CONTRACT_METRICS = {
    "events_per_minute",
    "error_rate_5m",
    "avg_processing_seconds_1h",
    "p95_processing_seconds_1h",
    "unprocessed",
    "stuck_orders",
    "connections",
}
FINDING_KEYS = {"id", "severity", "title", "value", "threshold", "runbook"}


def run_check(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return run_console("check", *args, env=env)  # never the user's own config


def _json(proc: subprocess.CompletedProcess[str]) -> dict[str, Any]:
    return json.loads(proc.stdout)  # exactly one document, nothing else on stdout


def test_check_json_with_findings_matches_the_contract(any_db) -> None:
    with any_db.connect() as conn:
        add_events(conn, 10, oldest=170, newest=20)
        add_events(conn, 12, oldest=160, newest=10, latency=None, error="Invalid signature")
        add_order(conn, state="pending", updated_age=3 * 3600)
    proc = run_check("--dsn", any_db.dsn, "--json")
    assert proc.returncode == 2, proc.stderr
    doc = _json(proc)
    assert doc["severity"] == "P1"
    ids = {f["id"] for f in doc["findings"]}
    assert {"signature_failures", "stuck_orders", "high_error_rate"} <= ids
    for finding in doc["findings"]:
        assert set(finding) >= FINDING_KEYS
        assert finding["severity"] in ("P0", "P1", "P2")
        assert isinstance(finding["value"], int | float)
    metrics = doc["metrics"]
    assert set(metrics) >= CONTRACT_METRICS
    assert set(metrics["connections"]) >= {"total", "max", "by_state"}
    assert metrics["connections"]["max"] == 100
    assert metrics["unprocessed"] == 12
    assert metrics["stuck_orders"] == 1
    assert metrics["error_rate_5m"] == round(100 * 12 / 22, 3)


def test_check_healthy_database_exits_zero(db) -> None:
    with db.connect() as conn:
        add_events(conn, 50, oldest=3600, newest=10, latency=0.3)
        add_order(conn, state="paid", updated_age=600, payment_status="completed")
    proc = run_check("--json", env={"DATABASE_URL": db.dsn})  # DATABASE_URL without --dsn
    assert proc.returncode == 0, proc.stderr
    doc = _json(proc)
    assert doc["severity"] is None and doc["findings"] == []
    assert doc["metrics"]["p95_processing_seconds_1h"] is not None


def test_check_human_output_names_findings_and_disabled_detectors(db) -> None:
    with db.connect() as conn:
        conn.execute("DROP TABLE notifications")
        add_event(conn, age=100, latency=None, error="Rate limit exceeded")
    proc = run_check("--dsn", db.dsn)
    assert proc.returncode == 2, proc.stderr
    assert "P2 rate_limiting" in proc.stdout
    assert "disabled: notification_failures" in proc.stdout
    assert "notifications" in proc.stdout and "does not exist" in proc.stdout
    json_proc = run_check("--dsn", db.dsn, "--json")
    assert "notification_failures" in _json(json_proc)["disabled"]


def test_dead_dsn_is_exit_one_with_one_clear_line() -> None:
    proc = run_check("--dsn", "postgresql://nobody@127.0.0.1:1/x")
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
    assert "cannot reach the database" in proc.stderr
    json_proc = run_check("--dsn", "postgresql://nobody@127.0.0.1:1/x", "--json")
    assert json_proc.returncode == 1
    assert "cannot reach" in _json(json_proc)["error"]


def test_wrong_dsn_and_missing_dsn_are_one_line_each(pg_server) -> None:
    for args, fragment in (
        (("--dsn", "mysql://x@y/z"), "database_url"),
        ((), "no database configured"),
        (("--dsn", pg_server.dsn("no_such_db")), '"no_such_db" does not exist'),
    ):
        proc = run_check(*args)
        assert proc.returncode == 1, (args, proc.stdout)
        assert "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1, proc.stderr
        assert fragment in proc.stderr


def test_database_without_the_contract_tables_is_a_clear_error(empty_db) -> None:
    proc = run_check("--dsn", empty_db.dsn)
    assert proc.returncode == 1
    assert "webhook_events" in proc.stderr and "doctor" in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1


def test_unknown_threshold_in_config_is_a_config_error(db, tmp_path) -> None:
    config = tmp_path / "console.toml"
    config.write_text("[thresholds]\nhigh_error_rate = 3\n")
    proc = run_check("--dsn", db.dsn, "--config", str(config))
    assert proc.returncode == 1
    assert "high_error_rate" in proc.stderr and "unknown threshold" in proc.stderr
    config.write_text("[thresholds]\nhigh_error_rate_percent = 3\nrate_limiting = 5\n")
    with db.connect() as conn:
        add_events(conn, 24, oldest=200, newest=10)
        add_event(conn, age=30, latency=None, error="Rate limit exceeded")  # 4 %
    doc = _json(run_check("--dsn", db.dsn, "--config", str(config), "--json"))
    assert [f["id"] for f in doc["findings"]] == ["high_error_rate"]
    assert doc["findings"][0]["threshold"] == 3


class _Health(http.server.BaseHTTPRequestHandler):
    status = 503

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.end_headers()
        self.wfile.write(b"down")

    def log_message(self, *args: Any) -> None:
        return


def test_health_endpoint_down_is_processing_down(db) -> None:
    with db.connect() as conn:
        add_events(conn, 20, oldest=600, newest=10)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_address[1]}/api/health/webhook"
    try:
        doc = _json(run_check("--dsn", db.dsn, "--json", env={"HEALTH_WEBHOOK_URL": url}))
        _Health.status = 200
        healthy = run_check("--dsn", db.dsn, "--json", env={"HEALTH_WEBHOOK_URL": url})
    finally:
        server.shutdown()
        server.server_close()
    assert doc["severity"] == "P0"
    assert [f["id"] for f in doc["findings"]] == ["processing_down"]
    assert doc["findings"][0]["evidence"]["health"] == "down: HTTP 503"
    assert healthy.returncode == 0, healthy.stdout
