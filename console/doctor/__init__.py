"""`incident-console doctor`: can the console work against this database, and what to fix.

Doctor is what an operator runs before trusting the dashboard: configuration, whether the
server answers, the schema contract (tables, columns, id types), the indexes the console's
queries rely on, the guide's Appendix B server settings, what the role may do, and the
webhook secret's shape. Each check says ok / warn / fail (or info), one line why, and a
fix when there is one (a `CREATE INDEX CONCURRENTLY …`, a setting, a grant).

It only reads: on the console's read-only connection, privileges are asked of
`has_table_privilege`, never tried. The one write it sends is the proof of read-only (a
`CREATE SCHEMA` the server must refuse, rolled back if it does not). Secrets are masked.

Exit codes: 0 when nothing failed (warnings and info included), 2 when a check failed,
1 when doctor cannot run at all (broken configuration, no database configured, database
unreachable) -- then one clear line on stderr, never a traceback.

Modules: `report` (Check, DoctorReport, render), `secrets`, `schema` (tables, ids,
indexes), `server` (version, settings, privileges), `guards` (read_only, timeouts, pooler,
startup_options), `role` (can / cannot, GRANTs, row-level security), `wild` (ENUM state,
naive timestamps), `fixes` (the statements printed as fixes), `command` (run_doctor).
"""

from __future__ import annotations

from console.doctor.command import config_failure, doctor_command, run_doctor
from console.doctor.report import (
    EXIT_CANNOT_RUN,
    EXIT_FAILED,
    EXIT_OK,
    Check,
    DoctorReport,
    Status,
    render,
    statuses,
)
from console.doctor.secrets import check_webhook_secrets

__all__ = [
    "EXIT_CANNOT_RUN",
    "EXIT_FAILED",
    "EXIT_OK",
    "Check",
    "DoctorReport",
    "Status",
    "check_webhook_secrets",
    "config_failure",
    "doctor_command",
    "render",
    "run_doctor",
    "statuses",
]
