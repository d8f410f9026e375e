"""Every record's tags are typed in the admin as `vpn, laptop`, never as raw JSON."""
import pytest
from django.contrib import admin
from django.core.exceptions import ValidationError

from apps.core.admin_base import TenantAdmin
from apps.core.admin_forms import TagListField

ADMINS = [(model, model_admin) for model, model_admin in admin.site._registry.items()
          if isinstance(model_admin, TenantAdmin) and any(f.name == "tags" for f in model._meta.fields)]


def test_the_registry_has_models_with_tags():
    assert len(ADMINS) >= 10


@pytest.mark.parametrize(("model", "model_admin"), ADMINS, ids=[m._meta.label for m, _ in ADMINS])
def test_each_models_tags_are_a_tag_input(model, model_admin):
    field = model_admin.formfield_for_dbfield(model._meta.get_field("tags"), request=None)
    assert isinstance(field, TagListField)
    assert field.prepare_value(["vpn", "laptop"]) == "vpn, laptop"


def test_typed_tags_become_a_clean_list_and_bad_ones_an_error():
    field = TagListField(required=False)
    assert field.clean(" vpn, laptop ,, vpn ") == ["vpn", "laptop"]
    assert field.clean('["a", "b"]') == ["a", "b"]
    assert field.clean("") == []
    for bad in ('["a", 1', "[not json", "x" * 65):
        with pytest.raises(ValidationError):
            field.clean(bad)
