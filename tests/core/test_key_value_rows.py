"""Structured maps as key/value rows (apps/core/admin_maps.py): what the rows post becomes the JSON
object, typed where asked; a refused form shows the rows as typed; every box has an accessible name."""
import pytest
from django import forms
from django.core.exceptions import ValidationError
from django.http import QueryDict

from apps.core.admin_maps import KeyValueField


def posted(**lists) -> QueryDict:
    data = QueryDict(mutable=True)
    for name, values in lists.items():
        data.setlist(name, values)
    return data


class MapForm(forms.Form):
    headers = KeyValueField(required=False, label="Headers", key_label="Header")
    config = KeyValueField(required=False, typed=True, label="Config")
    roles = KeyValueField(required=False, list_values=True, values={"it": "it", "hr": "hr"}, label="Role mapping",
                          key_label="Group", value_label="Role")
    policy = KeyValueField(required=False, typed=True, keys={"maxAttempts": "Attempts"}, label="Retry policy")


def test_rows_become_the_object_typed_where_asked():
    form = MapForm(posted(headers__key=["X-Team", " ", ""], headers__value=["platform", "", ""],
                          config__key=["timeout", "start_tls", "base_dn"], config__value=["5", "true", "dc=acme"],
                          roles__key=["it-staff", "it-staff", "people"], roles__value=["it", "hr", "hr"],
                          policy__key=["maxAttempts"], policy__value=["7"]))
    assert form.is_valid(), form.errors
    assert form.cleaned_data == {"headers": {"X-Team": "platform"},
                                 "config": {"timeout": 5, "start_tls": True, "base_dn": "dc=acme"},
                                 "roles": {"it-staff": ["it", "hr"], "people": ["hr"]},
                                 "policy": {"maxAttempts": 7}}


def test_a_json_object_is_read_as_the_api_takes_it_and_nothing_posted_is_empty():
    form = MapForm(posted(headers=['{"X-A": "b"}']))
    assert form.is_valid(), form.errors
    assert form.cleaned_data["headers"] == {"X-A": "b"} and form.cleaned_data["config"] == {}


@pytest.mark.parametrize("keys,values,message", [
    (["", "X"], ["orphan", "y"], "Row 1: give the header of “orphan”."),
    (["X", "X"], ["a", "b"], "Row 2: “X” is given twice."),
])
def test_a_value_without_a_name_or_a_name_twice_is_refused_and_the_rows_stay(keys, values, message):
    form = MapForm(posted(headers__key=keys, headers__value=values))
    assert not form.is_valid() and form.errors["headers"] == [message]
    assert form["headers"].value() == list(zip(keys, values, strict=True))
    html = str(form["headers"])
    assert 'value="y"' in html or 'value="b"' in html


def test_the_rows_show_the_stored_object_with_a_blank_row_and_named_boxes():
    form = MapForm(initial={"config": {"timeout": 5, "url": "ldap://dir.invalid"},
                            "roles": {"it-staff": ["it", "hr"]}, "policy": {"maxAttempts": 3}})
    config = str(form["config"])
    assert config.count('name="config__key"') == 4  # two entries, the blank row and the script's copy of it
    assert 'value="5"' in config and 'value="ldap://dir.invalid"' in config
    assert 'aria-label="Config: name, row 1"' in config and 'aria-label="Config: value, row 3"' in config
    assert 'aria-label="Remove row 2 of config"' in config
    roles = str(form["roles"])
    assert roles.count('<option value="it" selected>') == 1 and roles.count('<option value="hr" selected>') == 1
    policy = str(form["policy"])
    assert '<option value="maxAttempts" selected>Attempts</option>' in policy  # a known setting is chosen


def test_an_unchanged_map_is_not_a_change():
    field = KeyValueField(typed=True)
    assert not field.has_changed({"timeout": 5}, [("timeout", "5"), ("", "")])
    assert field.has_changed({"timeout": 5}, [("timeout", "6")])
    with pytest.raises(ValidationError):
        field.clean("[1, 2]")
