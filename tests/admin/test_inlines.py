"""Read-only inlines show the parent's rows to whoever may see the parent, on every inline of the
admin (Django asks an inline's view permission without the parent when it reads the rows)."""
import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.admin_inlines import TenantInlineMixin
from tests.admin.seeding import USERS, seeded_module


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


def tenant_inlines():
    for model, model_admin in admin.site._registry.items():
        for inline in model_admin.inlines:
            if issubclass(inline, TenantInlineMixin):
                yield pytest.param(model, inline, id=f"{model.__name__}.{inline.__name__}")


@pytest.mark.parametrize("parent_model,inline", list(tenant_inlines()))
def test_an_inline_lists_the_parents_rows(client, seeded, db, parent_model, inline):
    link = next(f for f in inline.model._meta.get_fields()
                if f.many_to_one and f.related_model is parent_model)
    child = inline.model._default_manager.filter(**{f"{link.name}__tenant_id": "acme"}).first()
    assert child is not None, f"the seed has no {inline.model.__name__} to show"
    parent = getattr(child, link.name)
    client.force_login(User.objects.get(username=USERS["admin"]))
    meta = parent_model._meta

    page = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_change", args=[parent.pk]))

    assert page.status_code == 200
    formset = next(i.formset for i in page.context["inline_admin_formsets"] if isinstance(i.opts, inline))
    shown = {form.instance.pk for form in formset.forms}
    expected = set(inline.model._default_manager.filter(**{link.name: parent}).values_list("pk", flat=True))
    assert child.pk in shown and shown <= expected


def test_an_inline_stays_off_the_add_page(client, seeded, db):
    from apps.policies.models import Policy

    client.force_login(User.objects.get(username=USERS["admin"]))
    page = client.get(reverse("admin:policies_policy_add"))
    assert page.status_code == 200
    assert page.context["inline_admin_formsets"] == []
