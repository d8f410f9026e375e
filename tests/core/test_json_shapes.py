"""Each JSON field's shape is declared once, on the model that owns it (`json_shapes`,
apps/core/json_shapes.py): the OpenAPI schema publishes exactly that shape, the API refuses a value that
does not fit it (a 400 naming the field, nothing changed) and the admin shows it as a form error."""
import pytest
from django.apps import apps
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from drf_spectacular.generators import SchemaGenerator
from rest_framework.serializers import ModelSerializer

from apps.core.api.serializers import ShapedJSONField
from apps.core.json_shapes import ShapedModel, declared_shapes
from apps.core.models import TenantModel
from apps.helpdesk.models import BusinessCalendar, SLAPolicy
from apps.integration.models import Application, Webhook
from apps.notifications.models import Notification, Preference
from apps.signin.models import IdentityProvider
from tests.admin.forms import form_as_posted
from tests.admin.seeding import USERS, seeded_module
from tests.shapes import misfits

TENANT_MODELS = [m for m in apps.get_models() if issubclass(m, TenantModel)]
# simple-history's copies are checked through the model they track (`instance_type`).
OUR_MODELS = [m for m in apps.get_models() if m.__module__.startswith("apps.") and not hasattr(m, "instance_type")]
HISTORICAL = [m for m in apps.get_models() if m.__module__.startswith("apps.") and hasattr(m, "instance_type")]
META = ("readOnly", "writeOnly", "description")  # what drf-spectacular adds from the field itself


def json_fields(model):
    return [f for f in model._meta.concrete_fields if isinstance(f, models.JSONField)]


def test_every_json_field_of_every_model_declares_its_shape():
    assert len(OUR_MODELS) > len(TENANT_MODELS) and {IdentityProvider, Notification} <= set(OUR_MODELS)
    undeclared = [f"{m._meta.label}.{f.name}" for m in OUR_MODELS for f in json_fields(m)
                  if f.name not in declared_shapes(m)]
    assert undeclared == []
    not_json = [f"{m._meta.label}.{name}" for m in OUR_MODELS for name in declared_shapes(m)
                if name not in {f.name for f in json_fields(m)}]
    assert not_json == []
    unchecked = [m._meta.label for m in OUR_MODELS if json_fields(m) and not issubclass(m, ShapedModel)]
    assert unchecked == []  # clean_fields reads the shapes


def test_a_historical_models_json_fields_are_its_tracked_models():
    assert HISTORICAL
    strays = [f"{m._meta.label}.{f.name}" for m in HISTORICAL for f in json_fields(m)
              if f.name not in declared_shapes(m.instance_type)]
    assert strays == []


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


@pytest.fixture(scope="module")
def components(django_db_setup, django_db_blocker):
    with django_db_blocker.unblock():
        return SchemaGenerator().get_schema(request=None, public=True)["components"]["schemas"]


def assert_published(prop: dict, shape: dict, where: str):
    assert {k: v for k, v in prop.items() if k not in META} == {k: v for k, v in shape.items() if k != "description"}, where


def test_the_schema_of_each_json_field_is_its_declared_shape(components):
    checked = set()
    for cls in subclasses(ModelSerializer):
        model = getattr(getattr(cls, "Meta", None), "model", None)
        name = cls.__name__.removesuffix("Serializer")
        if not cls.__module__.startswith("apps.") or model is None or name not in components:
            continue
        for field in cls().fields.values():
            if not isinstance(field, ShapedJSONField):
                continue
            shape = declared_shapes(model)[field.source]
            assert field.shape is shape
            for component in (name, f"{name}Request"):
                if field.field_name in components.get(component, {}).get("properties", {}):
                    assert_published(components[component]["properties"][field.field_name], shape, f"{component}.{field.field_name}")
                    checked.add(f"{model.__name__}.{field.source}")
    for model in TENANT_MODELS:  # the events' payloads carry the same columns
        payload = components.get(f"{model.__name__}EventPayload", {}).get("properties", {})
        for name, shape in declared_shapes(model).items():
            if name in payload:
                assert_published(payload[name], shape, f"{model.__name__}EventPayload.{name}")
                checked.add(f"{model.__name__}.{name}")
    assert {"Webhook.retry_policy", "Webhook.event_types", "Webhook.headers", "SLAPolicy.applies_to", "Policy.applies_to",
            "Connector.config", "IntegrationApiKey.scopes", "Entitlement.auto_approve_group_ids", "Ticket.tags",
            "BusinessCalendar.working_hours"} <= checked


def test_every_model_serializer_gives_a_json_column_its_shape():
    loose = []
    for cls in subclasses(ModelSerializer):
        model = getattr(getattr(cls, "Meta", None), "model", None)
        if not cls.__module__.startswith("apps.") or model is None:
            continue
        shaped = declared_shapes(model)
        loose += [f"{cls.__qualname__}.{name}" for name, field in cls().fields.items()
                  if field.source in shaped and not isinstance(field, ShapedJSONField) and not field.read_only]
    assert loose == []


@pytest.mark.django_db
def test_a_value_of_the_wrong_shape_is_a_400_naming_the_field_and_changes_nothing(admin_a, settings):
    settings.WEBHOOK_ALLOW_PRIVATE_TARGETS = True
    refused = admin_a.post("/api/v1/integration/webhooks", {"name": "h", "url": "http://127.0.0.1:9/h",
                                                             "retry_policy": {"maxAttempts": 25, "extra": 1}}, format="json")
    assert refused.status_code == 400 and refused["Content-Type"].startswith("application/problem+json")
    messages = [e["message"] for e in refused.json()["errors"] if e["field"] == "retry_policy"]
    assert any("maximum of 20" in m for m in messages) and any("'extra' was unexpected" in m for m in messages), messages
    assert not Webhook.all_objects.exists()

    policy = admin_a.post("/api/v1/helpdesk/sla-policies", {"name": "p", "priority": "low", "first_response_minutes": 1,
                                                            "resolution_minutes": 2, "applies_to": ["incident"]},
                          format="json").json()
    for body, field, words in (({"applies_to": "incident"}, "applies_to", "Must be a list"),
                               ({"applies_to": ["x"] * 101}, "applies_to", "At most 100 items"),
                               ({"tags": ["ok", 5]}, "tags", "[1]: must be a string")):
        response = admin_a.patch(f"/api/v1/helpdesk/sla-policies/{policy['id']}", body, format="json")
        assert response.status_code == 400, response.content
        assert [e["message"] for e in response.json()["errors"] if e["field"] == field] == [f"{words}."], response.json()
    row = SLAPolicy.objects.get(pk=policy["id"])
    assert row.applies_to == ["incident"] and row.tags == []


def test_the_model_checks_the_shape_before_the_fields_other_validators():
    hook = Webhook(event_types={"helpdesk.*": True}, retry_policy={"timeoutMs": 50})
    with pytest.raises(ValidationError) as refused:
        hook.clean_fields(exclude=["tenant_id", "name", "url"])
    assert refused.value.message_dict["event_types"] == ["Must be a list."]  # not also "unknown value"
    assert refused.value.message_dict["retry_policy"] == ["timeoutMs: 50 is less than the minimum of 100"]


def test_a_model_that_is_not_a_tenants_record_checks_its_shapes_when_cleaned():
    provider = IdentityProvider(role_mapping={"it": "it", "hr": ["root"]})
    with pytest.raises(ValidationError) as refused:
        provider.clean_fields(exclude=["tenant", "name", "issuer", "client_id"])
    assert refused.value.message_dict == {"role_mapping": ["it: must be a list."]}  # the roles are checked after
    with pytest.raises(ValidationError) as refused:
        Preference(tenant_id="acme", person_id="per_ada", disabled_kinds="digest").clean_fields()
    assert refused.value.message_dict == {"disabled_kinds": ["Must be a list."]}


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker):
    with seeded_module(django_db_blocker):
        yield


def test_what_the_demo_stored_fits_the_shapes(seeded, db):
    stored = {m._meta.label: m._default_manager.count() for m in OUR_MODELS if json_fields(m)}
    assert stored["core.StaffMembership"] and stored["core.Event"]
    assert {m._meta.label: found for m in OUR_MODELS if json_fields(m) and (found := misfits(m))} == {}


def form_errors(response) -> dict:
    form = response.context["adminform"].form
    return {name: list(errors) for name, errors in form.errors.items()}


def test_the_admin_shows_a_value_of_the_wrong_shape_as_a_form_error(client, seeded, db):
    client.force_login(User.objects.get(username=USERS["admin"]))
    app = Application.objects.get(tenant_id="acme", slug="hr-portal")
    url = reverse("admin:integration_application_change", args=[app.pk])
    refused = client.post(url, {**form_as_posted(client.get(url)), "canonical_owner_of": ", ".join(f"r{i}" for i in range(101))})
    assert refused.status_code == 200 and form_errors(refused)["canonical_owner_of"] == ["At most 100 items."]
    assert Application.objects.get(pk=app.pk).canonical_owner_of == app.canonical_owner_of

    calendar = BusinessCalendar.objects.get(tenant_id="acme")
    url = reverse("admin:helpdesk_businesscalendar_change", args=[calendar.pk])
    refused = client.post(url, {**form_as_posted(client.get(url)), "closed_dates": "2026-12-24, 2026-13-45"})
    assert refused.status_code == 200 and "[1]: '2026-13-45' is not a 'date'" in form_errors(refused)["closed_dates"]
    assert BusinessCalendar.objects.get(pk=calendar.pk).closed_dates == calendar.closed_dates
