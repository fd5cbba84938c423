"""Settings: the guide's Appendix B variables plus the console's own, from four layers.

Precedence, strongest first: command-line flags, environment variables, the TOML file,
built-in defaults. The TOML file is `--config FILE`, else `$INCIDENT_CONSOLE_CONFIG`, else
`~/.config/incident-console/config.toml` when it exists. Every bad value raises
`ConfigError` naming the setting and where the value came from, so the operator can fix
the right layer. Secrets are `Secret` objects whose repr and str are masked, so a stray
log line or traceback never prints one.

This module is the settings model and its loading; how one raw value is parsed is
config_values.py, how secrets and DSNs are masked is masking.py (both re-exported here,
so `from console.core.config import Secret, mask_dsn` stays the one place to look).
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from console.core.config_values import (
    parse_choice,
    parse_commands,
    parse_dsn,
    parse_escalation,
    parse_float,
    parse_int,
    parse_numbers,
    parse_secret,
    parse_secret_list,
    parse_str,
    parse_table_of_str,
    parse_url,
)
from console.core.masking import Secret, dsn_host, mask_dsn, mask_secret

__all__ = [
    "DEFAULT_CONFIG_PATH",
    "GUIDE_ESCALATION",
    "SPECS",
    "ConfigError",
    "Secret",
    "Settings",
    "Spec",
    "dsn_host",
    "load_settings",
    "mask_dsn",
    "mask_secret",
    "settings_help",
]

DEFAULT_CONFIG_PATH = Path("~/.config/incident-console/config.toml")


class ConfigError(ValueError):
    """A setting has a value the console cannot use; names the setting and its source."""

    def __init__(self, setting: str, problem: str, source: str = "") -> None:
        self.setting = setting
        self.problem = problem
        self.source = source
        where = f" (from {source})" if source else ""
        super().__init__(f"setting {setting}{where}: {problem}")


def _parse_bool(raw: Any) -> bool:
    if isinstance(raw, bool):
        return raw
    value = parse_choice("true", "false", "1", "0", "yes", "no", "on", "off")(raw)
    return value in ("true", "1", "yes", "on")


# --- the settings --------------------------------------------------------------------


@dataclass(frozen=True)
class Spec:
    """How one setting is named in each layer, parsed, and explained."""

    env: str | None
    parse: Callable[[Any], Any]
    help: str


GUIDE_ESCALATION: dict[str, tuple[str, ...]] = {
    "code": ("Development Team", "Technical Lead", "Engineering Manager"),
    "security": ("Security Auditor", "Security Lead", "CTO"),
    "infrastructure": ("DevOps Team", "Infrastructure Lead", "CTO"),
    "business": ("Product Manager", "Engineering Manager", "CEO"),
}


@dataclass(frozen=True)
class Settings:
    """Everything the console is configured with. Frozen: pass a new one to change it."""

    database_url: str | None = None
    state_database_url: str | None = None
    environment: str = "production"
    stripe_secret_key: Secret | None = None
    stripe_api_base: str | None = None
    stripe_live: bool = False
    stripe_webhook_secret: Secret | None = None
    stripe_webhook_secrets: tuple[Secret, ...] = ()
    supabase_url: str | None = None
    supabase_service_role_key: Secret | None = None
    webhook_tolerance_seconds: int = 300
    max_event_age_seconds: int = 3600
    rate_limit_window_ms: int = 60_000
    rate_limit_max_events: int = 100
    log_level: str = "info"
    webhook_url: str | None = None
    health_webhook_url: str | None = None
    health_database_url: str | None = None
    refresh_seconds: float = 2.0
    statement_timeout_ms: int = 5_000
    lock_timeout_ms: int = 2_000
    idle_in_transaction_timeout_ms: int = 15_000
    connect_timeout_seconds: int = 5
    pooler: str = "auto"
    write_window_minutes: float = 30.0
    log_sources: dict[str, str] = field(default_factory=dict)
    service_commands: dict[str, tuple[str, ...]] = field(default_factory=dict)
    thresholds: dict[str, float] = field(default_factory=dict)
    error_patterns: dict[str, str] = field(default_factory=dict)
    escalation: dict[str, tuple[str, ...]] = field(default_factory=lambda: dict(GUIDE_ESCALATION))
    config_file: str | None = None

    def webhook_secrets(self) -> tuple[Secret, ...]:
        """All configured signing secrets (the current one first), for rotation checks."""
        found: list[Secret] = []
        if self.stripe_webhook_secret:
            found.append(self.stripe_webhook_secret)
        found.extend(s for s in self.stripe_webhook_secrets if s not in found)
        return tuple(found)

    def describe(self) -> dict[str, Any]:
        """Every setting as JSON-safe values, secrets and DSN passwords masked."""
        out: dict[str, Any] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if isinstance(value, Secret):
                value = value.masked
            elif isinstance(value, tuple) and value and isinstance(value[0], Secret):
                value = [s.masked for s in value]
            elif f.name.endswith("database_url"):
                value = mask_dsn(value) if value else None
            elif isinstance(value, tuple):
                value = list(value)
            elif isinstance(value, dict):
                value = {k: list(v) if isinstance(v, tuple) else v for k, v in value.items()}
            out[f.name] = value
        return out

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.describe().items())
        return f"Settings({inner})"


SPECS: dict[str, Spec] = {
    "database_url": Spec("DATABASE_URL", parse_dsn, "the monitored database"),
    "state_database_url": Spec(
        "INCIDENT_CONSOLE_STATE_DSN", parse_dsn, "where incidents/audit live (default: same)"
    ),
    "environment": Spec("NODE_ENV", parse_str, "environment name shown in the status bar"),
    "stripe_secret_key": Spec(
        "STRIPE_SECRET_KEY",
        parse_secret,
        "Stripe API key: a restricted rk_… key with Events: Read is enough",
    ),
    "stripe_api_base": Spec(
        "STRIPE_API_BASE", parse_url, "Stripe API address (default https://api.stripe.com)"
    ),
    "stripe_live": Spec(
        "STRIPE_LIVE",
        _parse_bool,
        "let the dashboard's Stripe detector use a live-mode key (commands take --live)",
    ),
    "stripe_webhook_secret": Spec(
        "STRIPE_WEBHOOK_SECRET", parse_secret, "endpoint signing secret (whsec_…)"
    ),
    "stripe_webhook_secrets": Spec(
        "STRIPE_WEBHOOK_SECRETS", parse_secret_list, "extra signing secrets during rotation"
    ),
    "supabase_url": Spec("SUPABASE_URL", parse_url, "Supabase project URL"),
    "supabase_service_role_key": Spec(
        "SUPABASE_SERVICE_ROLE_KEY", parse_secret, "Supabase service role key"
    ),
    "webhook_tolerance_seconds": Spec(
        "WEBHOOK_TOLERANCE_SECONDS", parse_int(1, 86_400), "signature timestamp tolerance"
    ),
    "max_event_age_seconds": Spec(
        "MAX_EVENT_AGE_SECONDS", parse_int(1, 7 * 86_400), "oldest event accepted"
    ),
    "rate_limit_window_ms": Spec(
        "RATE_LIMIT_WINDOW_MS", parse_int(100, 3_600_000), "rate-limit window"
    ),
    "rate_limit_max_events": Spec(
        "RATE_LIMIT_MAX_EVENTS", parse_int(1, 10_000_000), "events allowed per window"
    ),
    "log_level": Spec(
        "LOG_LEVEL", parse_choice("debug", "info", "warn", "warning", "error"), "log level"
    ),
    "webhook_url": Spec("WEBHOOK_URL", parse_url, "the Stripe webhook endpoint"),
    "health_webhook_url": Spec("HEALTH_WEBHOOK_URL", parse_url, "GET endpoint for webhook health"),
    "health_database_url": Spec(
        "HEALTH_DATABASE_URL", parse_url, "GET endpoint for database health"
    ),
    "refresh_seconds": Spec(
        "INCIDENT_CONSOLE_REFRESH", parse_float(0.2, 600), "dashboard poll interval"
    ),
    "statement_timeout_ms": Spec(
        "INCIDENT_CONSOLE_STATEMENT_TIMEOUT_MS", parse_int(100, 3_600_000), "per statement"
    ),
    "lock_timeout_ms": Spec(
        "INCIDENT_CONSOLE_LOCK_TIMEOUT_MS", parse_int(10, 600_000), "per lock wait"
    ),
    "idle_in_transaction_timeout_ms": Spec(
        "INCIDENT_CONSOLE_IDLE_TX_TIMEOUT_MS", parse_int(1_000, 3_600_000), "server-side guard"
    ),
    "connect_timeout_seconds": Spec(
        "INCIDENT_CONSOLE_CONNECT_TIMEOUT", parse_int(1, 120), "connection attempt limit"
    ),
    "pooler": Spec(
        "INCIDENT_CONSOLE_POOLER",
        parse_choice("auto", "none", "transaction", "session"),
        "connection pooler in front of PostgreSQL (PgBouncer, Supavisor); auto-detected",
    ),
    "write_window_minutes": Spec(
        "INCIDENT_CONSOLE_WRITE_MINUTES",
        parse_float(1, 480),
        "how long a write window lasts (--allow-write, W): then read-only again",
    ),
    "log_sources": Spec("LOG_SOURCES", parse_table_of_str, "name=path of logs to tail"),
    "service_commands": Spec(None, parse_commands, "name = argv of host commands"),
    "thresholds": Spec(None, parse_numbers, "detector thresholds overriding defaults"),
    "error_patterns": Spec(None, parse_table_of_str, "error-message patterns (SQL LIKE)"),
    "escalation": Spec(None, parse_escalation, "escalation matrix"),
}

TOML_TABLES = {"log_sources", "service_commands", "thresholds", "error_patterns", "escalation"}


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError("config", f"file not found: {path}", "--config") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError("config", f"{path} is not valid TOML: {exc}", str(path)) from None
    except OSError as exc:
        raise ConfigError("config", f"cannot read {path}: {exc.strerror}", str(path)) from None


def _flatten_toml(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    """Accept both top-level keys and a `[console]` table; reject unknown names."""
    flat: dict[str, Any] = {}
    for key, value in data.items():
        if key == "console" and isinstance(value, Mapping):
            flat.update(_flatten_toml(value, source))
            continue
        name = key.lower().replace("-", "_")
        if name not in SPECS:
            env_match = [n for n, s in SPECS.items() if s.env == key]
            if env_match:
                name = env_match[0]
            else:
                raise ConfigError(key, "unknown setting", source)
        flat[name] = value
    return flat


def load_settings(
    *,
    config_file: str | os.PathLike[str] | None = None,
    environ: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Settings:
    """Build Settings from defaults < TOML < environment < flags (`overrides`)."""
    env = os.environ if environ is None else environ
    raw: dict[str, tuple[Any, str]] = {}

    path: Path | None = None
    if config_file:
        path = Path(config_file).expanduser()
    elif env.get("INCIDENT_CONSOLE_CONFIG"):
        path = Path(env["INCIDENT_CONSOLE_CONFIG"]).expanduser()
    elif DEFAULT_CONFIG_PATH.expanduser().is_file():
        path = DEFAULT_CONFIG_PATH.expanduser()
    if path is not None:
        for name, value in _flatten_toml(_read_toml(path), str(path)).items():
            raw[name] = (value, str(path))

    for name, spec in SPECS.items():
        if spec.env and env.get(spec.env, "").strip():
            raw[name] = (env[spec.env], f"${spec.env}")

    for name, value in (overrides or {}).items():
        if value is None:
            continue
        if name not in SPECS:
            raise ConfigError(name, "unknown setting", "command line")
        raw[name] = (value, "command line")

    parsed: dict[str, Any] = {}
    for name, (value, source) in raw.items():
        try:
            parsed[name] = SPECS[name].parse(value)
        except ValueError as exc:
            raise ConfigError(name, str(exc), source) from None
    settings = Settings(**parsed)
    return replace(settings, config_file=str(path) if path else None)


def settings_help() -> list[tuple[str, str, str]]:
    """(setting, environment variable, meaning) rows for README and `--help` text."""
    return [(name, spec.env or "(TOML only)", spec.help) for name, spec in SPECS.items()]
