"""An upgrade from the previous release: its code, from git, migrates and seeds a database of its
own and puts a row into every table the seed left empty (fill_every_table.py); this code's migrations
then run on it, and every row of every table is still there."""
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from django.conf import settings

from tests.faults.conftest import app_env

# main on 2026-12-02, before the directory's saved filters, Slack settings, campaigns and the breaker
PREVIOUS_RELEASE = "06820f4097d2d0c2d9289024b2404ce873e72a4e"
FILL = Path(__file__).with_name("fill_every_table.py")


def previous_release_tree() -> Path | None:
    if shutil.which("git") is None:
        return None
    found = subprocess.run(["git", "cat-file", "-e", f"{PREVIOUS_RELEASE}^{{commit}}"], cwd=settings.BASE_DIR,
                           capture_output=True)
    if found.returncode != 0:
        return None
    tree = Path(tempfile.mkdtemp(prefix="backoffice-previous-"))
    archive = subprocess.run(["git", "archive", PREVIOUS_RELEASE], cwd=settings.BASE_DIR, capture_output=True, check=True)
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive.stdout, check=True)
    return tree


def run(code: Path, env: dict, *args: str) -> str:
    done = subprocess.run([sys.executable, "manage.py", *args], cwd=code, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, f"{code}: {' '.join(args)}\n{done.stderr[-3000:]}"
    return done.stdout


def row_counts(pg, db: str) -> dict[str, int]:
    tables = pg.sql("SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY 1", db=db).split()
    union = " UNION ALL ".join(f"SELECT '{t}', count(*) FROM \"{t}\"" for t in tables)
    return {name: int(n) for name, n in (line.split("|") for line in pg.sql(union, db=db).splitlines())}


def directory_content_types(pg, db: str) -> list[str]:
    """The content types of the directory's models (core's before the directory had an app of its own)."""
    return pg.sql("SELECT model || ' ' || id || ' ' || app_label FROM django_content_type WHERE app_label IN "
                  "('core', 'directory') AND model IN ('person', 'group', 'directorysettings', 'scimtoken', "
                  "'historicalperson', 'historicalgroup') ORDER BY 1", db=db).splitlines()


def test_an_upgrade_from_the_previous_release_keeps_every_row(own_postgres):
    tree = previous_release_tree()
    if tree is None:
        pytest.skip(f"the previous release ({PREVIOUS_RELEASE[:8]}) is not in this clone's git history")
    pg, db = own_postgres, "faults_upgrade"
    pg.sql(f"DROP DATABASE IF EXISTS {db}")
    pg.sql(f"CREATE DATABASE {db}")
    env = {**app_env(pg=pg), "DATABASE_URL": pg.url(db), "DEBUG": "true"}
    try:
        run(tree, env, "migrate", "--noinput")
        run(tree, env, "seed_demo")
        unfilled = run(tree, env, "shell", "-c", FILL.read_text()).split("\n")
        before = row_counts(pg, db)
        types_before = directory_content_types(pg, db)
        run(settings.BASE_DIR, env, "migrate", "--noinput")
        after = row_counts(pg, db)
        types_after = directory_content_types(pg, db)
    finally:
        shutil.rmtree(tree, ignore_errors=True)
    grows = {"auth_permission", "django_content_type", "django_migrations"}  # new models and migrations add rows
    assert not [line for line in unfilled if line.startswith("unfilled:")], unfilled
    assert {t for t, n in before.items() if not n} == set()  # data in every table
    # Tables this release retires, and the table their rows move to (the migration copies them).
    retired = {"notifications_fannedoutevent": "core_consumedevent"}
    filled = set(before) - grows - set(retired)
    assert {t: after[t] for t in filled} == {t: before[t] for t in filled}  # nothing lost or duplicated
    assert all(after[t] >= before[t] for t in grows)
    assert not set(retired) & set(after)
    assert all(after[successor] >= before[old] > 0 for old, successor in retired.items())
    assert set(after) > filled  # and the new tables exist
    # the directory's models moved apps: their content types (and what points at them) kept their ids
    assert len(types_before) == 6 and all(t.endswith(" core") for t in types_before)
    assert types_after == [t.removesuffix(" core") + " directory" for t in types_before]
