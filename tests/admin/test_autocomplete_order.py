"""A record picker pages through its model admin's rows (Django's autocomplete, 20 a page): the rows
need an order, or "load more" repeats some and skips others, and DEBUG warns on every page."""
import warnings

import pytest
from django.contrib import admin
from django.core.paginator import UnorderedObjectListWarning
from django.test import RequestFactory

from apps.core.admin_base import TenantAdmin
from apps.integration.models import Application
from tests.factories import ApplicationFactory, StaffMembershipFactory

pytestmark = pytest.mark.django_db


def test_every_tenant_admin_lists_its_rows_in_a_stated_order(admin_user):
    request = RequestFactory().get("/admin/")
    request.user = admin_user
    unordered = [label for model, model_admin in admin.site._registry.items()
                 if isinstance(model_admin, TenantAdmin)
                 and not model_admin.get_queryset(request).ordered
                 for label in [model._meta.label]]
    assert unordered == []


def test_the_application_picker_pages_through_every_application_once(client):
    membership = StaffMembershipFactory(tenant__id="acme", tenant__name="acme", user__username="acme-admin",
                                        person_id="per_acme_admin", roles=["admin"])
    client.force_login(membership.user)
    apps = {ApplicationFactory(tenant_id="acme").pk for _ in range(25)}
    ApplicationFactory(tenant_id="globex")
    url = "/admin/autocomplete/"
    query = {"app_label": "integration", "model_name": "webhook", "field_name": "application", "term": ""}
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnorderedObjectListWarning)
        first = client.get(url, {**query, "page": 1})
        second = client.get(url, {**query, "page": 2})
    assert first.status_code == second.status_code == 200
    first_ids = [row["id"] for row in first.json()["results"]]
    second_ids = [row["id"] for row in second.json()["results"]]
    assert first.json()["pagination"]["more"] and not second.json()["pagination"]["more"]
    assert len(first_ids) == 20 and not set(first_ids) & set(second_ids)
    assert set(first_ids) | set(second_ids) == apps == set(Application.objects.filter(tenant_id="acme")
                                                           .values_list("pk", flat=True))
