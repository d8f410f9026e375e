"""The declaration of person/group fields (apps/core/directory.py) covers every `*_id` field."""
from django.apps import apps

from apps.core.directory import DIRECTORY_FIELDS, NOT_DIRECTORY_FIELDS
from apps.core.models import TenantModel

SKIP = {"tenant_id", "app_id"}


def test_every_id_field_is_declared_either_way():
    undeclared = []
    for model in apps.get_models():
        if not issubclass(model, TenantModel) or model._meta.app_label == "core":
            continue
        label = model._meta.label
        declared = set(DIRECTORY_FIELDS.get(label, {})) | set(NOT_DIRECTORY_FIELDS.get(label, ()))
        for field in model._meta.concrete_fields:
            if field.name.endswith(("_id", "_ids")) and field.name not in SKIP and field.name not in declared:
                undeclared.append(f"{label}.{field.name}")
    assert not undeclared, f"declare these in DIRECTORY_FIELDS or NOT_DIRECTORY_FIELDS: {undeclared}"


def test_declared_fields_exist():
    for label, fields in {**DIRECTORY_FIELDS, **NOT_DIRECTORY_FIELDS}.items():
        model = apps.get_model(label)
        names = {f.name for f in model._meta.concrete_fields} | {"approver_ids"}  # a write-only API field
        assert set(fields) <= names, label
