"""The admin matrix, generated from the admin registry (as the per-resource checks of tests/resource_tests.py are from the router).

Every registered ModelAdmin × every kind of staff user × every page, filter, search, transition
button and bulk action (tests/admin/matrix.py says what is checked). A ModelAdmin added later is
in the matrix without anyone listing it; one that crashes or leaks fails here.
"""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User

from tests.admin.matrix import check_model_admin, registered_admins
from tests.admin.seeding import USERS, foreign_ids, seeded_module

ADMINS = registered_admins(admin.site)
WHO = [*USERS, "anonymous"]


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


@pytest.fixture(scope="module")
def globex_ids(seeded, django_db_blocker):
    with django_db_blocker.unblock():
        return foreign_ids("globex")


def test_the_registry_has_every_domain():
    labels = {a.model._meta.app_label for a in ADMINS}
    assert {"core", "helpdesk", "operations", "approvals", "policies", "integration"} <= labels
    assert len(ADMINS) >= 18


@pytest.mark.parametrize("who", WHO)
@pytest.mark.parametrize("model_admin", ADMINS, ids=[a.model._meta.label for a in ADMINS])
def test_admin_pages(model_admin, who, seeded, globex_ids, client, db):
    user = None if who == "anonymous" else User.objects.get(username=USERS[who])
    if user is not None:
        client.force_login(user)
    client.raise_request_exception = False  # a crash is a 500 to report, like a browser would see
    report = check_model_admin(client, admin.site, model_admin, user, globex_ids)
    assert report.pages >= 2
    assert not report.problems, f"{report.label}:\n  " + "\n  ".join(report.problems)


@pytest.mark.urls("tests.admin.broken_site")
def test_the_matrix_fails_a_crashing_model_admin(seeded, globex_ids, client, db):
    from tests.admin import broken_site

    user = User.objects.get(username="acme-admin")
    client.force_login(user)
    client.raise_request_exception = False
    healthy, crashing = (broken_site.site._registry[m] for m in (broken_site.SLAPolicy, broken_site.Ticket))
    assert not check_model_admin(client, broken_site.site, healthy, user, globex_ids).problems
    problems = check_model_admin(client, broken_site.site, crashing, user, globex_ids).problems
    assert any(p.startswith("changelist: 500") for p in problems), problems


@pytest.mark.parametrize("label, who", [("helpdesk.Ticket", "agent"), ("policies.AcknowledgementCampaign", "hr"),
                                        ("policies.AcknowledgementCampaign", "admin")])
def test_the_matrix_meets_records_the_field_policy_keeps(label, who, seeded, globex_ids, client, db):
    """The seeded demo has records the policy keeps from these users (a ticket past "new" from an agent,
    a launched campaign from HR and admins): the matrix checks them, it does not only pass vacuously."""
    model_admin = next(a for a in ADMINS if a.model._meta.label == label)
    user = User.objects.get(username=USERS[who])
    client.force_login(user)
    client.raise_request_exception = False
    report = check_model_admin(client, admin.site, model_admin, user, globex_ids)
    assert report.kept == 1 and not report.problems, report.problems
