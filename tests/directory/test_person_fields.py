"""Each model's declaration of its person/group fields (`directory_fields`, `not_directory_fields` on the
model) covers every `*_id` field."""
from django.apps import apps

from apps.core.models import TenantModel

SKIP = {"tenant_id", "app_id"}


def tenant_models():
    return [m for m in apps.get_models() if issubclass(m, TenantModel) and m._meta.app_label != "core"]


def test_every_id_field_is_declared_either_way():
    undeclared = []
    for model in tenant_models():
        declared = set(model.directory_fields) | set(model.not_directory_fields)
        for field in model._meta.concrete_fields:
            if field.name.endswith(("_id", "_ids")) and field.name not in SKIP and field.name not in declared:
                undeclared.append(f"{model._meta.label}.{field.name}")
    assert not undeclared, f"declare these in the model's directory_fields or not_directory_fields: {undeclared}"


def test_declared_fields_exist():
    for model in tenant_models():
        names = {f.name for f in model._meta.concrete_fields} | {"approver_ids"}  # a write-only API field
        assert set(model.directory_fields) | set(model.not_directory_fields) <= names, model._meta.label
