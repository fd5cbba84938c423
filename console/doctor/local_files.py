"""The console's local files on this host: private to their owner, and free of secrets.

On a shared bastion (RELIABILITY 31) the state folder holds the audit log, the incident
fallback, the training history, recordings and postmortems. The console creates them 0600
in 0700 folders; a copy, a restore from backup or an older version can leave one readable
by others, and only a look at the folder tells. The text files are also searched for the
configured secrets and the DSN password, which no local file may hold.
"""

from __future__ import annotations

import contextlib
import shlex
from collections.abc import Iterable
from pathlib import Path

from psycopg.conninfo import conninfo_to_dict

from console.core.config import Settings
from console.core.private_files import exposed
from console.core.state import default_state_dir
from console.doctor.report import Check

TEXT_SUFFIXES = (".jsonl", ".json", ".md", ".tmp")
MAX_SCANNED_BYTES = 20_000_000  # the audit log of a busy year; bigger files are not read


def check_local_files(settings: Settings, folder: Path | None = None) -> Check:
    """Warn on files or folders that group or others may read, fail on a secret in one."""
    root = folder or default_state_dir()
    if not root.exists():
        return Check("local_files", "ok", f"{root} does not exist yet (created 0700 on first use)")
    leaked = _holding_secrets(root, _secret_values(settings))
    if leaked:
        names = ", ".join(str(p) for p in leaked[:3])
        return Check(
            "local_files",
            "fail",
            f"{len(leaked)} local file(s) hold a configured secret or the DSN password: {names}",
            "delete or redact them, then rotate that secret: anyone who read the file has it",
        )
    open_to_others = exposed(root)
    if open_to_others:
        shown = ", ".join(f"{p} ({p.lstat().st_mode & 0o777:04o})" for p in open_to_others[:3])
        more = f" and {len(open_to_others) - 3} more" if len(open_to_others) > 3 else ""
        return Check(
            "local_files",
            "warn",
            f"{len(open_to_others)} local path(s) readable by others on this host: {shown}{more}",
            f"chmod -R go-rwx {shlex.quote(str(root))}",
        )
    return Check("local_files", "ok", f"{root}: private to its owner (0600 files, 0700 folders)")


def _secret_values(settings: Settings) -> list[str]:
    values = [s.reveal() for s in settings.webhook_secrets()]
    for secret in (settings.stripe_secret_key, settings.supabase_service_role_key):
        if secret:
            values.append(secret.reveal())
    for dsn in (settings.database_url, settings.state_database_url):
        with contextlib.suppress(Exception):  # a DSN doctor cannot parse is reported elsewhere
            password = conninfo_to_dict(dsn or "").get("password")
            if password:
                values.append(str(password))
    return [v for v in values if len(v) >= 6]  # a 3-letter password would match everywhere


def _holding_secrets(root: Path, secrets: Iterable[str]) -> list[Path]:
    wanted = [s.encode("utf-8") for s in secrets]
    if not wanted:
        return []
    found: list[Path] = []
    for path in sorted(root.rglob("*")):
        if path.suffix not in TEXT_SUFFIXES or not path.is_file() or path.is_symlink():
            continue
        with contextlib.suppress(OSError):
            if path.stat().st_size > MAX_SCANNED_BYTES:
                continue
            data = path.read_bytes()
            if any(secret in data for secret in wanted):
                found.append(path)
    return found
