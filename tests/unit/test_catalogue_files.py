"""The catalogue's files: every guide statement has a named, parameterised, explained query;
every write has a preview twin that takes the same parameters; guide copies are verbatim."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.runbook_helpers import make_query

from console.core.paths import sql_dir
from console.queries import QueryFileError, parse_query_file
from console.queries import catalogue as all_queries
from console.queries import runner as catalogue
from console.queries.params import ParamsError, resolve_params
from console.recovery.specs import ACTIONS

GUIDE = Path(__file__).resolve().parents[3] / "shared" / "webhook-troubleshooting-guide.md"
GUIDE_FALLBACK = Path("/work/shared/webhook-troubleshooting-guide.md")


def _carried(write_name: str) -> set[str]:
    """The previewed columns the executor passes a write besides its keys (a spec's
    `carry`, e.g. a session's backend_start, so the write re-checks it too), and the values
    its spec fixes (`fixed`, the signal of a backend action)."""
    specs = [spec for spec in ACTIONS.values() if spec.apply == write_name]
    return {c for spec in specs for c in (*spec.carry, *spec.fixed)}


CATALOGUE_QUERIES = [
    q for q in all_queries().values() if q.name.split("/")[0] in ("diagnostics", "recovery")
]

EXPECTED_DIAGNOSTICS = {
    "recent_events",
    "error_patterns",
    "processing_performance",
    "event_age_distribution",
    "event_age_buckets",
    "duplicate_events",
    "race_conditions",
    "connections_by_state",
    "sessions",
    "long_running_queries",
    "idle_in_transaction",
    "blocking_chains",
    "locks_not_granted",
    "slow_queries",
    "order_state_transitions",
    "stuck_orders",
    "unknown_order_states",
    "inconsistent_orders",
    "paid_without_payment",
    "volume_per_minute",
    "suspicious_patterns",
    "failed_signatures",
    "processing_time_distribution",
    "failed_events",
    "dashboard_overview",
    "dashboard_error_analysis",
    "notification_failure_rate",
    # added for the runbooks' verdicts and the unique-index action's verification
    "error_rate",
    "stalled_events",
    "processing_p95_trend",
    "connection_usage",
    "server_settings",
    "event_id_unique_index",
}
EXPECTED_WRITES = {
    "reset_failed_events",
    "delete_duplicate_events",
    "reset_stuck_orders",
    "fix_paid_without_payment",
    "insert_missing_payments",
    "create_event_id_unique_index",
    "signal_backend",  # cancel_backend and terminate_backend, the signal bound by the spec
}


def _stem(name: str) -> str:
    return name.split("/", 1)[1]


def test_the_catalogue_covers_the_guide_and_what_it_implies() -> None:
    assert {_stem(q.name) for q in catalogue.diagnostics()} == EXPECTED_DIAGNOSTICS
    assert {_stem(p.write.name) for p in catalogue.recovery_pairs()} == EXPECTED_WRITES
    assert len(catalogue.previews()) == len(EXPECTED_WRITES)
    assert len(catalogue.guide_queries()) >= 19


@pytest.mark.parametrize("query", list(all_queries().values()), ids=lambda q: q.name)
def test_every_file_has_a_description(query) -> None:
    assert len(query.description) > 20


GUIDE_GROUPS = ("diagnostics", "recovery", "guide")


@pytest.mark.parametrize(
    "query",
    [q for q in all_queries().values() if q.name.split("/")[0] in GUIDE_GROUPS],
    ids=lambda q: q.name,
)
def test_every_guide_query_names_its_guide_section(query) -> None:
    assert query.meta.get("source"), f"{query.name} does not say which guide section it serves"


@pytest.mark.parametrize("query", CATALOGUE_QUERIES, ids=lambda q: q.name)
def test_declared_params_match_placeholders_and_defaults(query) -> None:
    declared = {p.strip() for p in query.meta.get("params", "").split(",") if p.strip()}
    assert declared == set(query.params)
    defaults = query.defaults
    assert set(defaults) <= set(query.params)
    # only the previewed keys (and carried columns) and a chosen backend have no typical value
    assert set(query.params) - set(defaults) <= {"ids", "pid", *_carried(query.name)}


@pytest.mark.parametrize("query", CATALOGUE_QUERIES, ids=lambda q: q.name)
def test_no_value_is_formatted_into_the_sql(query) -> None:
    text = query.text
    assert not re.search(r"interval\s*'", text, re.I), "windows must be %(window)s::interval"
    assert not re.search(r"\blimit\s+\d", text, re.I), "limits must be parameters"
    assert not re.search(r"retry_count\s*[<>=]+\s*\d", text), "the retry limit is a parameter"
    assert not re.search(r"\bNOT\s+IN\s*\(", text, re.I), "NOT IN breaks on NULLs"
    assert not re.search(r"\{\w+\}", text), "no str.format placeholders"
    assert "'aud'" not in text


@pytest.mark.parametrize("pair", catalogue.recovery_pairs(), ids=lambda p: p.write.name)
def test_each_write_takes_its_previews_parameters_plus_the_previewed_keys(pair) -> None:
    write, preview = pair
    key = catalogue.key_column(write)
    assert key == catalogue.key_column(preview)
    if key is None:  # CREATE INDEX CONCURRENTLY: the preview lists what would block it
        assert not catalogue.runs_in_transaction(write)
        assert set(write.params) == set(preview.params)
        return
    assert set(write.params) == set(preview.params) | {"ids", *_carried(write.name)}
    assert "= ANY(%(ids)s)" in write.text
    assert re.search(r"\bRETURNING\b|^SELECT pid\b", write.text, re.M)
    assert catalogue.runs_in_transaction(write)


def test_corrections_are_explained_where_operators_read_them() -> None:
    desc = {q.name: q.description for q in all_queries().values()}
    assert "mean_exec_time" in desc["diagnostics/slow_queries"]
    assert "13" in desc["diagnostics/slow_queries"]
    assert catalogue.get_query("diagnostics/slow_queries").requires == ("pg_stat_statements",)
    assert "current_database()" in desc["diagnostics/connections_by_state"]
    assert "NOT IN" in desc["recovery/fix_paid_without_payment"]
    assert "aud" in desc["recovery/insert_missing_payments"]
    assert "retry limit" in desc["recovery/reset_failed_events"]
    assert "processed copy" in desc["recovery/delete_duplicate_events"]
    assert "updated_at" in desc["recovery/reset_stuck_orders"]
    assert catalogue.get_query("diagnostics/notification_failure_rate").requires == (
        "notifications",
    )


def _guide_text() -> str:
    for path in (GUIDE, GUIDE_FALLBACK):
        if path.is_file():
            return path.read_text(encoding="utf-8")
    pytest.skip("the troubleshooting guide is not beside this checkout")


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@pytest.mark.parametrize("query", catalogue.guide_queries(), ids=lambda q: q.name)
def test_guide_queries_are_verbatim_and_marked_for_bench_only(query) -> None:
    assert query.description.endswith("(as written in the guide, for bench comparison only)")
    assert query.params == ()
    assert _squash(query.text) in _squash(_guide_text())
    assert catalogue.guide_counterpart(query) is not None


def test_run_query_refuses_writes_unknown_names_and_wrong_parameters() -> None:
    with pytest.raises(catalogue.CatalogueError, match="recovery write"):
        catalogue.run_query_sync(None, "recovery/reset_failed_events", {})  # type: ignore[arg-type]
    with pytest.raises(catalogue.CatalogueError, match="no query named"):
        catalogue.run_query_sync(None, "diagnostics/nope", {})  # type: ignore[arg-type]
    with pytest.raises(catalogue.CatalogueError, match="needs parameters: window"):
        catalogue.run_query_sync(None, "diagnostics/error_patterns", {})  # type: ignore[arg-type]
    with pytest.raises(catalogue.CatalogueError, match="does not take: days"):
        catalogue.run_query_sync(
            None,  # type: ignore[arg-type]
            "diagnostics/error_patterns",
            {"window": "1 hour", "days": 3},
        )


# --- the `-- defaults:` header: one parser, and it raises ---------------------------------

SQL_FILES = sorted(p for p in sql_dir().glob("*/*.sql") if p.parent.name != "schema")


@pytest.mark.parametrize(
    "path",
    [p for p in SQL_FILES if "-- defaults" in p.read_text(encoding="utf-8")],
    ids=lambda p: f"{p.parent.name}/{p.stem}",
)
def test_every_defaults_header_in_sql_is_well_formed(path: Path) -> None:
    name = f"{path.parent.name}/{path.stem}"
    query = parse_query_file(name, path)  # raises QueryFileError on a malformed header
    assert "defaults" in query.meta, "a '-- defaults:' line below the SQL is never read"
    assert set(query.defaults) <= set(query.params)


@pytest.mark.parametrize(
    ("header", "problem"),
    [
        ('-- defaults: {"window": "1 hour"', "is not JSON"),
        ('-- defaults: ["1 hour"]', "must be a JSON object"),
        ('-- defaults: {"windw": "1 hour"}', "names windw, which the query does not use"),
    ],
)
def test_a_malformed_defaults_header_fails_when_the_file_loads(
    tmp_path: Path, header: str, problem: str
) -> None:
    path = tmp_path / "bad.sql"
    path.write_text(
        f"-- description: a query with a broken header\n{header}\n"
        "SELECT 1 WHERE now() - %(window)s::interval < now()\n"
    )
    with pytest.raises(QueryFileError, match=re.escape(problem)) as caught:
        parse_query_file("diagnostics/bad", path)
    assert str(path) in str(caught.value)
    assert "'-- defaults:'" in str(caught.value)


def test_every_caller_reads_defaults_through_the_one_parser() -> None:
    broken = make_query("diagnostics/t_broken", "SELECT %(window)s::interval", defaults="{oops")
    with pytest.raises(QueryFileError, match="is not JSON"):
        broken.defaults  # noqa: B018 - the property is the parser
    with pytest.raises(QueryFileError, match="is not JSON"):
        resolve_params([broken], {})


# --- the one parameter resolver ----------------------------------------------------------


def test_given_values_win_over_caller_defaults_over_the_header() -> None:
    preview = make_query(
        "recovery/t_preview",
        "SELECT %(window)s::interval, %(limit)s, %(retries)s",
        defaults='{"window": "1 hour", "limit": 10, "retries": 3}',
    )
    write = make_query(
        "recovery/t_write",
        "SELECT %(ids)s, %(window)s::interval, %(limit)s, %(retries)s",
        defaults='{"limit": 20}',
    )
    resolved = resolve_params(
        [preview, write], {"window": "5 minutes"}, defaults={"retries": 5}, supplied={"ids"}
    )
    assert resolved == {"window": "5 minutes", "limit": 20, "retries": 5}


def test_unknown_names_are_refused_before_missing_ones_are_listed() -> None:
    query = make_query("diagnostics/t_two", "SELECT %(window)s::interval, %(pid)s")
    with pytest.raises(ParamsError) as unknown:
        resolve_params([query], {"days": 3, "colour": "red"}, label="t_two")
    assert unknown.value.message == "t_two does not take colour, days"
    assert unknown.value.hint == "parameters: window, pid"
    with pytest.raises(ParamsError) as missing:
        resolve_params([query], {"pid": None})
    assert missing.value.message == "diagnostics/t_two needs window, pid"
    assert missing.value.missing == ("window", "pid")


def test_the_backend_signals_share_one_write_and_bind_their_own_signal() -> None:
    from console.recovery.errors import InvalidParams
    from console.recovery.params import declared_params
    from console.recovery.params import resolve_params as resolve_action
    from console.recovery.specs import get_spec

    cancel, terminate = get_spec("cancel_backend"), get_spec("terminate_backend")
    assert cancel.apply == terminate.apply == "recovery/signal_backend"
    assert (dict(cancel.fixed), dict(terminate.fixed)) == (
        {"signal": "cancel"},
        {"signal": "terminate"},
    )
    assert declared_params(terminate) == ("pid",)  # the signal is never the operator's
    assert resolve_action(cancel, {"pid": 7}) == {"pid": 7}
    with pytest.raises(InvalidParams):
        resolve_action(cancel, {"pid": 7, "signal": "terminate"})


def test_an_included_condition_is_the_same_text_in_the_preview_the_write_and_the_diagnostic() -> (
    None
):
    shared = "AND (n.created_at, n.id) > (w.created_at, w.id)"
    for name in (
        "diagnostics/failed_events",
        "recovery/reset_failed_events_preview",
        "recovery/reset_failed_events",
    ):
        text = catalogue.get_query(name).text
        assert shared in text and "\\ir" not in text, name


def test_an_include_is_relative_indented_and_never_nested(tmp_path: Path) -> None:
    (tmp_path / "part.sql").write_text("-- a header of its own\nx = %(x)s\nAND y\n")
    (tmp_path / "nested.sql").write_text("\\ir part.sql\n")
    path = tmp_path / "q.sql"
    path.write_text(
        "-- description: a query with a shared condition\nSELECT 1\nWHERE (\n    \\ir part.sql\n)\n"
    )
    query = parse_query_file("diagnostics/q", path)
    assert query.text == "SELECT 1\nWHERE (\n    x = %(x)s\n    AND y\n)"
    assert query.params == ("x",)
    path.write_text("-- description: a query with a missing part\nSELECT 1 WHERE\n\\ir gone.sql\n")
    with pytest.raises(QueryFileError, match="no such file"):
        parse_query_file("diagnostics/q", path)
    path.write_text("-- description: a query with a nested part\nSELECT 1 WHERE\n\\ir nested.sql\n")
    with pytest.raises(QueryFileError, match="includes another file"):
        parse_query_file("diagnostics/q", path)
