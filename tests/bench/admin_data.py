"""Fill a PostgreSQL database with N rows of every tenant model the admin shows, generically.

    python -m tests.bench.admin_data --rows 1000000
    python -m tests.bench.admin_data --rows 1000000 --only integration.Entitlement,lifecycle   # and what they point at

For each model (the admin registry's tenant models and their inlines) one template row is built with
its factory (tests/factories FACTORIES), then copied N times in SQL (INSERT … SELECT over
generate_series). Copy g gets: the id `<prefix>_<g, 26 digits>`; a tenant (8 in 10 in the bench
tenant, the rest over four more); `created_at`/`updated_at` spread over the past year in order of g;
a state from the state machine's choices in turn; every unique value varied (`<value>-<g>`); and each
foreign key to another generated model pointing at that model's copy g (same tenant by construction,
so a child model has as many rows as its parent, one per parent). Models that hold one row per tenant
(a unique constraint on the tenant alone) keep their template rows only. Tops up: a rerun adds only
the copies missing (progress is kept in the table `bench_admin_data`). Prints one JSON line.
"""
import argparse
import json
import resource
import sys
import time

from .common import BENCH_TENANT, TENANTS, database_url

TENANT_SHARE = TENANTS[:5]  # the bench tenant holds 8 rows in 10, four more tenants the rest
ID_DIGITS = 26


def tenant_sql(g: str = "g") -> str:
    others = ", ".join(f"'{t}'" for t in TENANT_SHARE[1:])
    return f"(CASE WHEN mod({g}, 10) < 8 THEN '{BENCH_TENANT}' ELSE (ARRAY[{others}])[1 + mod({g}, {len(TENANT_SHARE) - 1})] END)"


def tenant_of(g: int) -> str:
    return BENCH_TENANT if g % 10 < 8 else TENANT_SHARE[1:][g % (len(TENANT_SHARE) - 1)]


def generated_id(prefix: str, g: int) -> str:
    return f"{prefix}_{g:0{ID_DIGITS}d}"


def benched_models(site) -> list:
    """Tenant models of the registered ModelAdmins, with their inlines' models."""
    out = []
    for model, model_admin in site._registry.items():
        for m in [model, *(i.model for i in model_admin.inlines)]:
            if has_tenant(m) and m not in out:
                out.append(m)
    return sorted(out, key=lambda m: m._meta.label)


def has_tenant(model) -> bool:
    return any(f.name == "tenant_id" for f in model._meta.concrete_fields)


def is_per_tenant(model) -> bool:
    from django.db.models import UniqueConstraint

    return any(isinstance(c, UniqueConstraint) and tuple(c.fields) == ("tenant_id",) for c in model._meta.constraints)


def unique_fields(model) -> set[str]:
    """Names of fields in a unique rule (field-level, unique_together or UniqueConstraint)."""
    from django.db.models import UniqueConstraint

    opts = model._meta
    names = {f.name for f in opts.concrete_fields if f.unique and not f.primary_key}
    for group in opts.unique_together:
        names |= set(group)
    for c in opts.constraints:
        if isinstance(c, UniqueConstraint):
            names |= set(c.fields)
    names.discard("tenant_id")
    return {opts.get_field(n).name for n in names}


def with_dependencies(models: list, only: list[str]) -> list:
    """The models whose label contains one of `only`, and the models of `models` they point at (so that a
    copy's foreign keys name generated rows, as in a full run)."""
    out = []

    def visit(m):
        if m in out:
            return
        out.append(m)
        for f in m._meta.concrete_fields:
            if f.is_relation and f.related_model in models and f.related_model is not m:
                visit(f.related_model)

    for m in models:
        if any(o in m._meta.label for o in only):
            visit(m)
    return out


def dependency_order(models: list) -> list:
    done, out = set(), []

    def visit(m, stack=()):
        if m in done or m in stack:
            return
        for f in m._meta.concrete_fields:
            if f.is_relation and f.related_model in models and f.related_model is not m:
                visit(f.related_model, (*stack, m))
        done.add(m)
        out.append(m)

    for m in models:
        visit(m)
    return out


def ensure_progress_table(cur) -> None:
    cur.execute("CREATE TABLE IF NOT EXISTS bench_admin_data (label text PRIMARY KEY, template_pk text NOT NULL,"
                " prefix text NOT NULL, generated bigint NOT NULL DEFAULT 0, rows_goal bigint NOT NULL)")


def template_for(model) -> object:
    """A template row of `model` in the bench tenant, built by its factory (related rows included)."""
    from tests.factories import FACTORIES

    factory = FACTORIES[model]
    if is_per_tenant(model):
        found = model._base_manager.filter(tenant_id=BENCH_TENANT).first()
        if found is not None:
            return found
    return factory(tenant_id=BENCH_TENANT)


def column_sql(model, field, *, prefixes: dict, rows: int, status_choices) -> str | None:
    """The SQL for `field` in copy g (None: omit the column; `t.<col>`: the template's value)."""
    from django.db import models as m

    from apps.core.fsm import state_field

    col = f't."{field.column}"'
    if field.primary_key:
        if isinstance(field, m.AutoField):
            return None
        return f"'{prefixes[model]}_' || lpad(g::text, {ID_DIGITS}, '0')"
    if field.name == "tenant_id":
        return tenant_sql()
    if field.name in ("created_at", "updated_at") and isinstance(field, m.DateTimeField):
        return f"(now() - interval '1 hour' - interval '365 days' * (1 - g::float8 / {rows}))"
    if field.is_relation and field.related_model is not model and field.related_model in prefixes:
        return f"'{prefixes[field.related_model]}_' || lpad(g::text, {ID_DIGITS}, '0')"
    if field.is_relation and field.related_model is model:
        return "NULL" if field.null else col
    state = state_field(model)
    if state is not None and field.name == state.name and status_choices:
        values = ", ".join(f"'{v}'" for v in status_choices)
        return f"(ARRAY[{values}])[1 + mod(g, {len(status_choices)})]"
    if field.name in unique_fields(model):
        if field.is_relation:
            return "NULL" if field.null else col
        if isinstance(field, (m.CharField, m.TextField)):
            if field.null and not field.choices:
                keep = (field.max_length or 200) - 12
                return f"CASE WHEN {col} IS NULL THEN NULL ELSE left({col}, {keep}) || '-' || g END"
            keep = (field.max_length or 200) - 12
            return f"left({col}, {keep}) || '-' || g"
        if isinstance(field, m.IntegerField):
            return "g"
        if field.null:
            return "NULL"
    return col


def copy_model(conn, model, *, prefixes: dict, rows: int, batch: int) -> dict:
    from apps.core.fsm import state_field

    table = model._meta.db_table
    state = state_field(model)
    choices = [v for v, _ in state.choices] if state is not None and state.choices else []
    columns, exprs = [], []
    for field in model._meta.concrete_fields:
        sql = column_sql(model, field, prefixes=prefixes, rows=rows, status_choices=choices)
        if sql is not None:
            columns.append(f'"{field.column}"')
            exprs.append(sql)
    with conn.cursor() as cur:
        cur.execute("SELECT template_pk, generated FROM bench_admin_data WHERE label = %s", [model._meta.label])
        template_pk, have = cur.fetchone()
    t0 = time.perf_counter()
    pk_col = model._meta.pk.column
    start = have + 1
    while start <= rows:
        end = min(rows, start + batch - 1)
        with conn.cursor() as cur:
            cur.execute(f'INSERT INTO "{table}" ({", ".join(columns)}) SELECT {", ".join(exprs)}'
                        f' FROM "{table}" t CROSS JOIN generate_series(%s::bigint, %s::bigint) g WHERE t."{pk_col}" = %s',
                        [start, end, template_pk])
            cur.execute("UPDATE bench_admin_data SET generated = %s WHERE label = %s", [end, model._meta.label])
        start = end + 1
    return {"added": max(0, rows - have), "seconds": round(time.perf_counter() - t0, 2)}


def generate(rows: int, batch: int = 250_000, only: list[str] = ()) -> dict:
    from django.contrib import admin
    from django.db import connection, transaction

    models = benched_models(admin.site)
    models = dependency_order(with_dependencies(models, only) if only else models)
    scaled = [m for m in models if not is_per_tenant(m)]
    stats = {"rows": rows, "models": {}}
    t0 = time.perf_counter()
    with connection.cursor() as cur:
        ensure_progress_table(cur)
        for t in TENANTS:
            cur.execute("INSERT INTO core_tenant (id, name, created_at) VALUES (%s, %s, now()) ON CONFLICT (id) DO NOTHING",
                        [t, f"Bench {t}"])
    prefixes = {}
    for model in models:
        with connection.cursor() as cur:
            cur.execute("SELECT template_pk, prefix FROM bench_admin_data WHERE label = %s", [model._meta.label])
            found = cur.fetchone()
        if found is None:
            with transaction.atomic():
                template = template_for(model)
                pk = str(template.pk)
                prefix = pk.rsplit("_", 1)[0] if "_" in pk else model._meta.model_name
                with connection.cursor() as cur:
                    cur.execute("INSERT INTO bench_admin_data (label, template_pk, prefix, rows_goal) VALUES (%s,%s,%s,%s)",
                                [model._meta.label, pk, prefix, rows])
            found = (pk, prefix)
        if model in scaled:
            prefixes[model] = found[1]
    connection.ensure_connection()
    conn = connection.connection  # autocommit: every batch is its own transaction
    with conn.cursor() as cur:
        cur.execute("SET synchronous_commit = off")
    for model in scaled:
        stats["models"][model._meta.label] = copy_model(conn, model, prefixes=prefixes, rows=rows, batch=batch)
        print(f"  {model._meta.label}: {stats['models'][model._meta.label]}", file=sys.stderr, flush=True)
    t1 = time.perf_counter()
    with conn.cursor() as cur:
        for model in models:
            cur.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')
    stats["analyze_seconds"] = round(time.perf_counter() - t1, 2)
    stats["total_seconds"] = round(time.perf_counter() - t0, 2)
    stats["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    return stats


def bench_rows() -> dict:
    """{label: (template pk, prefix, generated)} of a filled database."""
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute("SELECT label, template_pk, prefix, generated FROM bench_admin_data")
        return {label: (pk, prefix, n) for label, pk, prefix, n in cur.fetchall()}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows per model table")
    parser.add_argument("--batch", type=int, default=250_000)
    parser.add_argument("--only", default="", help="comma-separated parts of model labels (their dependencies too)")
    args = parser.parse_args(argv)
    from .run import setup_django

    setup_django(database_url())
    only = [s.strip() for s in args.only.split(",") if s.strip()]
    print(json.dumps(generate(args.rows, args.batch, only)))


if __name__ == "__main__":
    main()
