"""Query-count baselines per endpoint (as NetBox keeps them), generated from the router.

A list page costs the same number of queries whatever its size, and every list and detail
read costs what `query_counts.json` says. After an intended change, regenerate with
`UPDATE_QUERY_COUNTS=1 make test PYTEST_ARGS=tests/quality/test_query_counts.py` and review the diff."""
import json
import os
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.quality.routes import api_routes, build_record

pytestmark = pytest.mark.django_db
BASELINE_FILE = Path(__file__).with_name("query_counts.json")
BASELINES = json.loads(BASELINE_FILE.read_text()) if BASELINE_FILE.exists() else {}
UPDATE = os.environ.get("UPDATE_QUERY_COUNTS") == "1"
ROUTES = api_routes()
LISTS = [r for r in ROUTES if not r.detail and "GET" in r.methods]
DETAILS = [r for r in ROUTES if r.template.endswith("{pk}") and "GET" in r.methods]
MAX_LIST_QUERIES = 3


def count_queries(client, url: str, **params) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, response.content[:300]
    return sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


def check(key: str, measured: int) -> None:
    if UPDATE:
        BASELINES[key] = measured
        BASELINE_FILE.write_text(json.dumps(dict(sorted(BASELINES.items())), indent=2) + "\n")
        return
    assert key in BASELINES, f"no baseline for {key}; run with UPDATE_QUERY_COUNTS=1 and commit query_counts.json"
    assert measured == BASELINES[key], f"{key}: {measured} queries, baseline {BASELINES[key]}"


@pytest.mark.parametrize("route", LISTS, ids=lambda r: r.template)
def test_list_query_count_is_flat_and_matches_baseline(route, caller):
    admin = caller("acme", "per_counter", ("admin",))
    build_record(route.model, tenant="acme")
    small = count_queries(admin, route.url(), page_size=50)
    for _ in range(25):
        build_record(route.model, tenant="acme")
    large = count_queries(admin, route.url(), page_size=50)
    assert small == large, f"{route.template}: {small} queries for 1 row, {large} for 26"
    assert large <= MAX_LIST_QUERIES, f"{route.template}: {large} queries per page"
    check(f"GET {route.template}", large)


@pytest.mark.parametrize("route", DETAILS, ids=lambda r: r.template)
def test_detail_query_count_matches_baseline(route, caller):
    admin = caller("acme", "per_counter", ("admin",))
    record = build_record(route.model, tenant="acme")
    check(f"GET {route.template}", count_queries(admin, route.url(record.pk)))
