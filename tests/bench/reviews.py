"""Benchmark: an access review's progress page (the admin campaign page, its progress panel) at 1,000
and at 100,000 items. Goal: at 100,000 the page takes at most 1.5x its time at 1,000 (the page reads
the tallies, never the items).

    python -m tests.bench.reviews                      # BENCH_DATABASE_URL or the bench database
    python -m tests.bench.reviews --large 20000 --samples 5

Builds both campaigns in one database (its own tenants, removed first), then alternates the two pages
with the Django test Client as an IT user; prints the medians, the ratio and the load average and
appends them to docs/benchmarks.md.
"""
import argparse
import os
import statistics
import sys
import time
from datetime import datetime
from pathlib import Path

from .common import ROOT, database_url

GOAL = 1.5


def build(tenant: str, items: int) -> str:
    from apps.directory.models import Person
    from apps.core.models import StaffMembership, Tenant
    from apps.core.principal import Principal
    from apps.reviews.actions import review_campaign_launch
    from tests.reviews import world

    Tenant.objects.get_or_create(id=tenant, defaults={"name": tenant})
    Person.objects.create(tenant_id=tenant, id=f"per_{tenant}_owner", user_name=f"owner@{tenant}.invalid",
                          display_name="Bench Owner")
    staff = world.people(tenant, items // 4, managers=40)
    world.grants(tenant, staff, world.catalog(tenant, systems=2, per_system=2, owner_id=f"per_{tenant}_owner"))
    owner = Principal(person_id=f"per_{tenant}_owner", tenant_id=tenant, roles=frozenset({"it"}))
    campaign = review_campaign_launch(actor=owner, review_campaign=world.campaign(tenant, owner_id=owner.person_id))
    from django.contrib.auth.models import User

    user = User.objects.create_user(f"bench-{tenant}", password="x" * 12, is_staff=True)
    StaffMembership.objects.create(user=user, tenant_id=tenant, person_id=owner.person_id, roles=["it"])
    return campaign.pk


def clear(tenant: str) -> None:
    from django.apps import apps
    from django.contrib.auth.models import User
    from django.db import connection

    order = ("reviews", "operations", "integration", "directory", "core")  # referencing tables first
    models = sorted((m for m in apps.get_models() if m._meta.app_label in order), key=lambda m: (order.index(m._meta.app_label), m._meta.model_name in ("reviewcampaign", "accesssystem")))
    for model in models:
        if any(f.name == "tenant_id" for f in model._meta.concrete_fields):
            with connection.cursor() as cursor:
                cursor.execute(f'DELETE FROM "{model._meta.db_table}" WHERE tenant_id = %s', [tenant])
    User.objects.filter(username=f"bench-{tenant}").delete()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", type=int, default=1_000)
    parser.add_argument("--large", type=int, default=100_000)
    parser.add_argument("--samples", type=int, default=9)
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", database_url())
    os.environ.setdefault("DEBUG", "true")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.models import User
    from django.core.management import call_command
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    call_command("migrate", verbosity=0)
    pages = {}
    for size, tenant in ((args.small, "bench-rv-small"), (args.large, "bench-rv-large")):
        clear(tenant)
        started = time.perf_counter()
        campaign = build(tenant, size)
        print(f"built {size} items in {time.perf_counter() - started:.1f}s", file=sys.stderr)
        client = Client()
        client.force_login(User.objects.get(username=f"bench-{tenant}"))
        pages[size] = (client, f"/admin/reviews/reviewcampaign/{campaign}/change/")
    times = {size: [] for size in pages}
    for _ in range(args.samples):
        for size, (client, url) in pages.items():
            started = time.perf_counter()
            response = client.get(url)
            times[size].append(time.perf_counter() - started)
            assert response.status_code == 200 and b"By reviewer" in response.content, response.status_code
    small, large = (statistics.median(times[s]) * 1000 for s in (args.small, args.large))
    ratio = large / small
    load = " ".join(f"{x:.2f}" for x in os.getloadavg())
    line = (f"| {datetime.now():%Y-%m-%d %H:%M} | reviews progress page | {args.small}: {small:.1f} ms | "
            f"{args.large}: {large:.1f} ms | ratio {ratio:.2f} (goal ≤ {GOAL}) | load {load} |")
    print(line)
    with open(Path(ROOT) / "docs" / "benchmarks.md", "a") as fh:
        fh.write(line + "\n")
    for tenant in ("bench-rv-small", "bench-rv-large"):
        clear(tenant)
    return 0 if ratio <= GOAL else 1


if __name__ == "__main__":
    sys.exit(main())
