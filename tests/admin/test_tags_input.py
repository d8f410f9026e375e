"""JSON lists of strings — every record's tags, roles, scopes, closed dates … — are typed in the
admin as `a, b`, never as raw JSON; what each item may be is still the service's to say."""
import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db.models import JSONField
from django.urls import reverse

from apps.core.admin_base import TenantAdmin
from apps.core.admin_forms import TagListField, TextListField
from apps.core.allowed import allowed_values
from apps.helpdesk.models import BusinessCalendar
from tests.admin.forms import form_as_posted
from tests.admin.seeding import USERS, seeded_module

ADMINS = [(model, model_admin) for model, model_admin in admin.site._registry.items()
          if isinstance(model_admin, TenantAdmin) and any(f.name == "tags" for f in model._meta.fields)]
LISTS = [(model, model_admin, field) for model, model_admin in admin.site._registry.items()
         if isinstance(model_admin, TenantAdmin) for field in model._meta.fields
         if isinstance(field, JSONField) and field.default is list and field.editable and field.name != "tags"
         and allowed_values(field) is None]  # a list of known values is a choice (tests/core/test_known_values.py)


def test_the_registry_has_models_with_tags_and_other_lists():
    assert len(ADMINS) >= 10
    assert {f"{m._meta.model_name}.{f.name}" for m, _, f in LISTS} >= {"businesscalendar.closed_dates"}


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
def test_each_models_tags_are_a_tag_input(model, model_admin):
    field = model_admin.formfield_for_dbfield(model._meta.get_field("tags"), request=None)
    assert isinstance(field, TagListField)
    assert field.prepare_value(["vpn", "laptop"]) == "vpn, laptop"


@pytest.mark.parametrize(("model", "model_admin", "db_field"), LISTS,
                         ids=[f"{m._meta.label}.{f.name}" for m, _, f in LISTS])
def test_each_list_of_strings_is_a_comma_separated_input(model, model_admin, db_field):
    field = model_admin.formfield_for_dbfield(db_field, request=None)
    assert isinstance(field, TextListField) and not isinstance(field.widget, forms.Textarea)
    assert field.prepare_value(["a", "b"]) == "a, b"
    assert field.required is not db_field.blank


def test_typed_tags_become_a_clean_list_and_bad_ones_an_error():
    field = TagListField(required=False)
    assert field.clean(" vpn, laptop ,, vpn ") == ["vpn", "laptop"]
    assert field.clean('["a", "b"]') == ["a", "b"]
    assert field.clean("") == []
    for bad in ('["a", 1', "[not json", "x" * 65):
        with pytest.raises(ValidationError):
            field.clean(bad)


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


def test_closed_dates_are_typed_as_dates_and_a_bad_one_changes_nothing(client, seeded, db):
    client.force_login(User.objects.get(username=USERS["admin"]))
    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    url = reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])
    page = client.get(url)
    assert page.status_code == 200 and 'name="closed_dates"' in page.content.decode()
    data = form_as_posted(page)
    saved = client.post(url, {**data, "closed_dates": "2026-12-24, 2026-12-31"})
    assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
    calendar.refresh_from_db()
    assert calendar.closed_dates == ["2026-12-24", "2026-12-31"]
    refused = client.post(url, {**data, "closed_dates": "2026-12-24, 2026-13-45"})
    assert refused.status_code == 200 and "closed_dates" in str(refused.context["adminform"].form.errors) + str(
        refused.context["adminform"].form.non_field_errors())
    calendar.refresh_from_db()
    assert calendar.closed_dates == ["2026-12-24", "2026-12-31"]
    assert "2026-12-24, 2026-12-31" in client.get(url).content.decode()
