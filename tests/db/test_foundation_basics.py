"""The foundation's contracts: packaging, the UI-free core, config and DB guards."""

from __future__ import annotations

import subprocess
import sys

import psycopg
import pytest

from console.core.config import ConfigError, Secret, load_settings, mask_dsn
from console.core.db import ReadOnlyError, connect_sync, read_only_sync, translate


def test_core_never_imports_textual() -> None:
    code = (
        "import sys, pkgutil, importlib, console\n"
        "for m in pkgutil.walk_packages(console.__path__, 'console.'):\n"
        "    if m.name.endswith('__main__') or m.name.endswith('watchdog'):\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m == 'textual' or m.startswith('textual.')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_secret_is_masked_everywhere() -> None:
    raw = "whsec_" + "a" * 40 + "1a2b"
    settings = load_settings(environ={"STRIPE_WEBHOOK_SECRET": raw}, config_file=None)
    assert settings.stripe_webhook_secret is not None
    assert settings.stripe_webhook_secret.reveal() == raw
    for text in (repr(settings), str(settings.describe()), f"{settings.stripe_webhook_secret}"):
        assert raw not in text
    assert "whsec_…1a2b" in repr(settings)
    assert repr(Secret("sk_live_abcdefghijklmnop")) == "Secret(sk_live_…mnop)"


def test_precedence_flags_over_env_over_file(tmp_path) -> None:
    toml = tmp_path / "c.toml"
    toml.write_text(
        'webhook_tolerance_seconds = 100\nrate_limit_max_events = 7\nlog_level = "debug"\n'
    )
    env = {"WEBHOOK_TOLERANCE_SECONDS": "200", "RATE_LIMIT_MAX_EVENTS": "9"}
    s = load_settings(config_file=toml, environ=env, overrides={"webhook_tolerance_seconds": 300})
    assert s.webhook_tolerance_seconds == 300  # flag wins
    assert s.rate_limit_max_events == 9  # env beats file
    assert s.log_level == "debug"  # file beats default
    assert s.max_event_age_seconds == 3600  # default


@pytest.mark.parametrize(
    ("env", "setting", "fragment"),
    [
        ({"WEBHOOK_TOLERANCE_SECONDS": "five"}, "webhook_tolerance_seconds", "whole number"),
        ({"RATE_LIMIT_MAX_EVENTS": "0"}, "rate_limit_max_events", "between"),
        ({"DATABASE_URL": "mysql://x@y/z"}, "database_url", "postgresql://"),
        ({"WEBHOOK_URL": "ftp://host/x"}, "webhook_url", "http"),
        ({"LOG_LEVEL": "chatty"}, "log_level", "one of"),
    ],
)
def test_bad_values_name_the_setting_and_source(env, setting, fragment) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(environ=env, config_file=None)
    assert info.value.setting == setting
    assert fragment in str(info.value)
    assert "$" in str(info.value)  # says it came from the environment


def test_bad_toml_file_is_named(tmp_path) -> None:
    broken = tmp_path / "broken.toml"
    broken.write_text("webhook_tolerance_seconds = = 3\n")
    with pytest.raises(ConfigError, match=r"broken\.toml"):
        load_settings(config_file=broken, environ={})
    unknown = tmp_path / "unknown.toml"
    unknown.write_text("no_such_thing = 1\n")
    with pytest.raises(ConfigError, match="no_such_thing"):
        load_settings(config_file=unknown, environ={})


def test_dsn_password_masked() -> None:
    assert "hunter2" not in mask_dsn("postgresql://u:hunter2@h:5432/db")
    assert "hunter2" not in mask_dsn("host=h password=hunter2 dbname=x")


def test_read_only_session_cannot_write_even_after_set(db) -> None:
    with connect_sync(db.dsn) as conn:
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction):
            conn.execute("INSERT INTO orders (state) VALUES ('pending')")
        # a step flipping the session default still cannot write inside read_only()
        conn.execute("SET default_transaction_read_only = off")
        with pytest.raises(psycopg.errors.ActiveSqlTransaction), read_only_sync(conn):
            conn.execute("SET transaction_read_only = off")
        with pytest.raises(psycopg.errors.ReadOnlySqlTransaction) as info, read_only_sync(conn):
            conn.execute("INSERT INTO orders (state) VALUES ('pending')")
        assert isinstance(translate(info.value), ReadOnlyError)
    with db.connect() as conn:
        assert conn.execute("SELECT count(*) FROM orders").fetchone()[0] == 0


def test_console_sessions_are_named_and_bounded(db) -> None:
    with connect_sync(db.dsn) as conn:
        row = conn.execute(
            "SELECT current_setting('application_name') AS app,"
            " current_setting('statement_timeout') AS st,"
            " current_setting('idle_in_transaction_session_timeout') AS idle"
        ).fetchone()
    assert row["app"].startswith("incident-console:")
    assert row["st"] == "5s"
    assert row["idle"] == "15s"


def test_wrong_dsn_gives_one_clear_line() -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "console", "doctor", "--dsn", "postgresql://nobody@127.0.0.1:1/x"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 1
    assert "Traceback" not in proc.stderr
    assert "cannot reach the database" in proc.stderr


def test_the_dsns_own_options_are_kept_and_guards_hold_per_transaction(db) -> None:
    """The console sends no startup options of its own, so a DSN's search_path is kept
    (it used to be replaced); the guards are the transaction's own, proven by a write."""
    from console.core.db import pooler_of, prove_read_only_sync

    with db.connect() as conn:
        conn.execute("CREATE SCHEMA app")
    with connect_sync(db.dsn + "?options=-csearch_path%3Dapp") as conn:
        with read_only_sync(conn):
            row = conn.execute("SELECT current_setting('search_path') AS path").fetchone()
        assert row["path"] == "app"
        pooler = pooler_of(conn)
        assert pooler is not None and not pooler.pooled
        proof = prove_read_only_sync(conn)
    assert proof.proven and "cannot execute CREATE SCHEMA in a read-only" in proof.detail
    assert proof.in_force["statement_timeout"] == "5s"
    with db.connect() as conn:  # the refused write left nothing behind
        probe = conn.execute("SELECT to_regnamespace('incident_console_read_only_probe')")
        assert probe.fetchone()[0] is None


async def test_the_dashboard_proves_read_only_once_and_says_so_when_it_cannot(db) -> None:
    from console.core.config import Settings
    from console.metrics.collector import Collector
    from screens.widgets.status_bar import StatusInfo, fit_status

    async with Collector(db.dsn, Settings()) as collector:
        snapshot = await collector.poll()
    assert snapshot.read_only_proven is True
    now = snapshot.taken_at
    proven = StatusInfo("prod", "db", False, None, now, read_only_proven=True)
    unproven = StatusInfo("prod", "db", False, None, now, read_only_proven=False)
    assert "READ-ONLY" in fit_status(proven, 120).plain
    assert "NOT PROVEN" not in fit_status(proven, 120).plain
    assert "READ-ONLY NOT PROVEN" in fit_status(unproven, 120).plain
    assert "RO UNPROVEN" in fit_status(unproven, 40).plain
