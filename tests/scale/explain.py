"""Read a query's plan (EXPLAIN ANALYZE, JSON) and name what makes it grow with the table:
a sequential scan of a big table, or a node whose filter threw away more than `max_removed` rows."""
import json
import re
from contextlib import contextmanager

from django.db import connection
from django.test.utils import CaptureQueriesContext


def plan_of(sql: str, params=None) -> dict:
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE, FORMAT JSON) {sql}", params)
        (raw,) = cur.fetchone()
    return (raw if isinstance(raw, list) else json.loads(raw))[0]["Plan"]


def text_plan(sql: str, params=None) -> str:
    with connection.cursor() as cur:
        cur.execute(f"EXPLAIN (ANALYZE) {sql}", params)
        return "\n".join(row[0] for row in cur.fetchall())


def nodes(plan: dict):
    yield plan
    for child in plan.get("Plans", ()):
        yield from nodes(child)


def growth(plan: dict, tables, *, max_removed: int) -> list[str]:
    """What in the plan reads rows in proportion to the table rather than to the answer."""
    problems = []
    for node in nodes(plan):
        relation = node.get("Relation Name")
        if node["Node Type"] == "Seq Scan" and relation in tables:
            problems.append(f"Seq Scan on {relation} ({node.get('Actual Rows')} rows kept)")
        removed = (node.get("Rows Removed by Filter", 0) + node.get("Rows Removed by Index Recheck", 0)
                   + node.get("Rows Removed by Join Filter", 0)) * max(1, node.get("Actual Loops", 1))
        if removed > max_removed and (relation is None or relation in tables):
            problems.append(f"{node['Node Type']} on {relation or '-'}: {removed} rows removed by a filter")
    return problems


def assert_scale_free(sql: str, tables, *, max_removed: int = 500, params=None) -> dict:
    plan = plan_of(sql, params)
    problems = growth(plan, tables, max_removed=max_removed)
    assert not problems, f"{problems}\n{sql}\n{text_plan(sql, params)}"
    return plan


@contextmanager
def captured_selects(tables):
    """The SELECTs a block ran that read one of `tables` (the SQL with its values, as logged)."""
    found: list[str] = []
    with CaptureQueriesContext(connection) as ctx:
        yield found
    for q in ctx.captured_queries:
        sql = q["sql"]
        if sql.lstrip().upper().startswith("SELECT") and any(re.search(rf'\b"?{t}"?\b', sql) for t in tables):
            found.append(sql)


def rows_read(plan: dict, tables) -> int:
    """Rows the executed plan read from `tables`: what each scan of them returned or filtered away, times
    its loops (a node never executed reads nothing)."""
    total = 0
    for node in nodes(plan):
        if node.get("Relation Name") in tables:
            per_loop = (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)
                        + node.get("Rows Removed by Index Recheck", 0))
            total += per_loop * node.get("Actual Loops", 0)
    return total
