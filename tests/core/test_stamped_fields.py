"""The stamps are declared once, as `editable=False` on TenantModel's own fields (STAMPED_FIELDS in
apps/core/models.py): every resource's serializer renders them read-only, even on an update (StampTests
in the resource's test module, tests/resource_tests.py), its request schema accepts and ignores them,
and every admin shows them read-only."""
from django.contrib import admin
from drf_spectacular.generators import SchemaGenerator

from apps.core.admin_base import TenantAdmin
from apps.core.models import STAMPED_FIELDS, TenantModel


def test_the_stamps_are_the_base_fields_no_client_edits():
    declared = [f for f in TenantModel._meta.local_fields if f.name in STAMPED_FIELDS]
    assert len(declared) == len(STAMPED_FIELDS) >= 10
    assert all(not f.editable for f in declared)
    assert {"id", "tenant_id", "created_at", "updated_by", "is_deleted"} <= set(STAMPED_FIELDS)
    assert "tags" not in STAMPED_FIELDS and "source" not in STAMPED_FIELDS  # editable: clients set them


def test_request_schemas_accept_and_ignore_every_stamp():
    schema = SchemaGenerator().get_schema(request=None, public=True)
    ticket = schema["components"]["schemas"]["TicketRequest"]["properties"]
    for name in STAMPED_FIELDS:
        assert ticket[name]["description"] == "Server-stamped: ignored if sent (a value of another type is a 400).", name


def test_every_admin_shows_the_stamps_read_only():
    admins = [a for a in admin.site._registry.values() if isinstance(a, TenantAdmin)]
    assert admins
    for model_admin in admins:
        assert set(STAMPED_FIELDS) <= set(model_admin.audit_fields), type(model_admin).__name__
