"""The shape ARCHITECTURE.md promises, checked on every run: no import cycles, no module
over 400 lines, no SQL statement written in Python (it belongs in sql/<group>/<name>.sql).

The layers themselves are import-linter contracts in pyproject.toml (`lint-imports`)."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path

import grimp

import console
import screens

PACKAGES = {"console": Path(console.__file__).parent, "screens": Path(screens.__file__).parent}
MAX_LINES = 400

# A statement keyword opening a string (a whole statement), or a clause keyword opening one
# (a fragment glued onto a statement). Upper case only: that is how this code writes SQL,
# and it keeps prose such as "Reset stuck pending orders" out.
STATEMENT = (
    "SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|LOCK|SET|SHOW|RESET|TRUNCATE|"
    "BEGIN|COMMIT|ROLLBACK|SAVEPOINT|RELEASE|START TRANSACTION|ABORT|GRANT|REVOKE|"
    "EXPLAIN|ANALYZE|VACUUM|REINDEX|CLUSTER|REFRESH|COPY|DO|CALL|LISTEN|NOTIFY|DISCARD|"
    "PREPARE|EXECUTE|DEALLOCATE|DECLARE|FETCH|MERGE|VALUES|TABLE|COMMENT ON|CHECKPOINT"
)
CLAUSE = "WHERE|FROM|JOIN|LEFT JOIN|ORDER BY|GROUP BY|HAVING|RETURNING|ON CONFLICT|LIMIT|UNION"
SQL_START = re.compile(rf"^\s*\(?\s*(?:{STATEMENT}|{CLAUSE})(?=[\s;(]|$)")

# (file relative to its package's parent, first 40 characters of the string) -> why it has
# to stay in Python. Keep it tiny and reviewed; an entry nothing matches any more fails.
SQL_ALLOWED: Mapping[tuple[str, str], str] = {}


def python_files() -> Iterator[tuple[str, Path]]:
    for name, root in PACKAGES.items():
        for path in sorted(root.rglob("*.py")):
            yield f"{name}/{path.relative_to(root).as_posix()}", path


def import_graph() -> dict[str, set[str]]:
    """Every import between our modules: module level, inside functions and under
    TYPE_CHECKING alike (grimp reads them all from the source)."""
    graph = grimp.build_graph(*PACKAGES, cache_dir=None)  # no cache files in the checkout
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def cycles(edges: Mapping[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in sorted(edges):
        if root in index:
            continue
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        work = [(root, iter(sorted(edges[root])))]
        while work:
            node, targets = work[-1]
            for target in targets:
                if target not in index:
                    index[target] = low[target] = len(index)
                    stack.append(target)
                    on_stack.add(target)
                    work.append((target, iter(sorted(edges.get(target, ())))))
                    break
                if target in on_stack:
                    low[node] = min(low[node], index[target])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component: list[str] = []
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.append(member)
                        if member == node:
                            break
                    if len(component) > 1 or node in edges[node]:
                        found.append(sorted(component))
    return found


def cycle_report(component: Sequence[str], edges: Mapping[str, set[str]]) -> str:
    inside = set(component)
    arrows = [f"    {a} -> {b}" for a in component for b in sorted(edges[a] & inside)]
    return f"{len(component)} modules:\n" + "\n".join(arrows)


def sql_literals(path: Path) -> Iterator[tuple[int, str]]:
    """String constants (f-string pieces included) that open with SQL; docstrings and
    other bare string statements are prose and are skipped."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    prose = {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
    }
    found = [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in prose
        and SQL_START.match(node.value)
    ]
    yield from sorted(found)


def test_the_cycle_finder_sees_a_cycle_through_three_modules() -> None:
    edges = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}, "e": {"e"}}
    assert cycles(edges) == [["a", "b", "c"], ["e"]]


def test_no_import_cycles_in_console_or_screens() -> None:
    edges = import_graph()
    found = cycles(edges)
    assert not found, "import cycles (lazy and TYPE_CHECKING imports count):\n" + "\n".join(
        cycle_report(c, edges) for c in found
    )


def test_no_module_over_400_lines() -> None:
    too_long = {
        name: n
        for name, path in python_files()
        if (n := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    }
    assert not too_long, f"modules over {MAX_LINES} lines: " + ", ".join(
        f"{name} ({n})" for name, n in sorted(too_long.items(), key=lambda kv: -kv[1])
    )


def test_the_sql_scan_tells_statements_from_prose(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text(
        '"""SELECT in a docstring is prose."""\n'
        'A = "SELECT 1"\n'
        'B = f" WHERE {A}"\n'
        'C = "Reset stuck pending orders"\n'
        'D = "ROLLBACK"\n'
        'E = "SETTINGS page"\n'
        'F = "  UPDATE orders SET state = %s"\n',
        encoding="utf-8",
    )
    assert [line for line, _ in sql_literals(sample)] == [2, 3, 5, 7]


def test_no_sql_literal_in_python() -> None:
    found: dict[tuple[str, str], int] = {}
    for name, path in python_files():
        for line, text in sql_literals(path):
            found.setdefault((name, text.strip()[:40]), line)
    unexpected = [
        f"{name}:{line}: {start!r}"
        for (name, start), line in sorted(found.items(), key=lambda kv: (kv[0][0], kv[1]))
        if (name, start) not in SQL_ALLOWED
    ]
    assert not unexpected, (
        f"{len(unexpected)} SQL strings in Python; move each to sql/<group>/<name>.sql "
        "(with a `-- description:` header) and run it through console.queries:\n"
        + "\n".join(unexpected)
    )


def test_the_sql_allow_list_is_reasoned_and_current() -> None:
    for (name, start), why in SQL_ALLOWED.items():
        assert why.strip(), f"{name} {start!r}: say why it must stay in Python"
        package, relative = name.split("/", 1)
        path = PACKAGES[package] / relative
        present = {text.strip()[:40] for _, text in sql_literals(path)} if path.is_file() else set()
        assert start in present, f"stale allow-list entry {name} {start!r}: remove it"
