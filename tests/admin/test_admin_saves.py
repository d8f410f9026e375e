"""Every admin change page saves, generated from the admin registry.

A GET matrix cannot see a page that fails only on POST. For every registered ModelAdmin and every
staff user who may change a record they see: the change form is posted back as rendered (nothing
edited), then with one typical edit (the tags, else the first free-text field), and each answer is a
redirect (or a form error naming the field, never a 5xx); the edit is in the database afterwards.
Add pages are posted back with an existing record's values as the typical new record.
"""
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import reverse

from apps.core.admin_maps import KeyValueRowsWidget
from apps.core.admin_scope import is_unbound_superuser, tenant_has_its_one
from apps.core.models import Tenant
from apps.signin.models import IdentityProvider
from tests.admin.forms import page_as_posted
from tests.admin.matrix import _records, admin_request, registered_admins
from tests.admin.seeding import USERS, seeded_module

ADMINS = registered_admins(admin.site)
STAFF = [who for who in USERS if who not in ("member", "no_membership")]
EDIT_TAG = "saved-by-matrix"


DISCOVERY = "/.well-known/openid-configuration"


class _KeySet(BaseHTTPRequestHandler):
    """A provider on loopback: its discovery document and key set (a save checks the endpoints against them)."""

    def do_GET(self):  # noqa: N802 (http.server's name)
        base = f"http://127.0.0.1:{self.server.server_port}"
        if self.path.endswith(DISCOVERY):
            issuer = base + self.path.removesuffix(DISCOVERY)
            body = json.dumps({"issuer": issuer, "authorization_endpoint": f"{issuer}/authorize",
                               "token_endpoint": f"{issuer}/token", "userinfo_endpoint": f"{issuer}/userinfo",
                               "jwks_uri": f"{issuer}/jwks"})
        else:
            body = json.dumps({"keys": [{"kty": "RSA", "kid": "k1", "use": "sig", "alg": "RS256", "n": "sXch",
                                         "e": "AQAB"}]})
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def key_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _KeySet)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="module")
def seeded(django_db_setup, django_db_blocker, key_server):
    """The demo, plus one row of each tenant setting the demo leaves out (so its page is posted too)."""
    from tests.factories import ScimTokenFactory, SlackSettingsFactory
    from tests.factories.signin import IdentityProviderFactory, ProviderLinkFactory

    with seeded_module(django_db_blocker):
        with django_db_blocker.unblock():
            tenant = Tenant.objects.get(pk="acme")
            Tenant.objects.create(pk=FRESH_TENANT, name="Initech")
            ScimTokenFactory(tenant_id="acme")
            SlackSettingsFactory(tenant_id="acme")
            issuer = f"{key_server}/acme"  # endpoints entered, so a save fetches no discovery document
            provider = IdentityProviderFactory(
                tenant=tenant, issuer=issuer, authorization_endpoint=f"{issuer}/authorize",
                token_endpoint=f"{issuer}/token", userinfo_endpoint=f"{issuer}/userinfo", jwks_uri=f"{issuer}/jwks")
            ProviderLinkFactory(provider=provider, membership=User.objects.get(username="acme-hr").membership)
        yield


def _url(model, view, *args) -> str:
    opts = model._meta
    return reverse(f"admin:{opts.app_label}_{opts.model_name}_{view}", args=args)


def _typical_edit(form) -> tuple[str, str] | None:
    """(field, value) of one edit staff commonly make: a tag, else a note in the first free text."""
    if "tags" in form.fields and not form.fields["tags"].disabled:
        current = form["tags"].value() or ""
        current = ", ".join(current) if isinstance(current, list) else str(current)
        return "tags", ", ".join(filter(None, [current, EDIT_TAG]))
    for name, field in form.fields.items():
        if field.disabled or not isinstance(field, forms.CharField) or isinstance(field.widget, forms.PasswordInput):
            continue
        if type(field) is not forms.CharField or getattr(field, "choices", None):
            continue
        if field.max_length and field.max_length < 40:
            continue
        value = form[name].value() or ""
        return name, f"{value} {EDIT_TAG}".strip()
    return None


def _stored(obj, name: str):
    row = type(obj)._base_manager.get(pk=obj.pk)
    return getattr(row, name, None)


def _post_problem(what: str, response) -> str | None:
    if response.status_code == 302:
        return None
    if response.status_code == 200 and response.context is not None and response.context.get("adminform"):
        errors = response.context["adminform"].form.errors.as_text()
        errors += " ".join(str(f.non_form_errors()) + str(f.errors) for f in
                           (i.formset for i in response.context.get("inline_admin_formsets") or []))
        return f"{what}: form refused its own values: {errors[:300]}"
    return f"{what}: {response.status_code}"


def _check_saves(client, model_admin, user) -> list[str] | None:
    """The problems found, or None when the user may change no record they see."""
    request = admin_request(user)
    seen, _hidden, _away = _records(model_admin, request)
    if seen is None or not model_admin.has_change_permission(request, seen):
        return None
    problems = []
    url = _url(model_admin.model, "change", seen.pk)
    page = client.get(url)
    if page.status_code != 200:
        return [f"change page: {page.status_code}"]
    form = page.context["adminform"].form
    data = page_as_posted(page)
    if is_unbound_superuser(request) and "tenant" in form.fields:
        data.setdefault("tenant", seen.tenant_id)
    problem = _post_problem("save unchanged", client.post(url, data))
    if problem:
        problems.append(problem)
    edit = _typical_edit(form)
    if edit is None:
        return problems
    name, value = edit
    problem = _post_problem(f"save with {name} edited", client.post(url, {**data, name: value}))
    if problem:
        return [*problems, problem]
    stored = _stored(seen, name)
    if EDIT_TAG not in (stored if isinstance(stored, list) else str(stored or "")):
        problems.append(f"save with {name} edited: redirected but {name} is {stored!r}")
    return problems


@pytest.mark.parametrize("who", STAFF)
@pytest.mark.parametrize("model_admin", ADMINS, ids=[a.model._meta.label for a in ADMINS])
def test_change_pages_save(model_admin, who, seeded, client, db):
    user = User.objects.get(username=USERS[who])
    client.force_login(user)
    client.raise_request_exception = False
    problems = _check_saves(client, model_admin, user)
    if problems is None:
        # Only where the admin grants no change at all: a page it lets someone change is always posted.
        assert who not in ("admin", "superuser") or not model_admin.has_change_permission(admin_request(user)), \
            "an administrator may change this model but the seed has no record to save"
        return
    assert not problems, f"{model_admin.model._meta.label} as {who}:\n  " + "\n  ".join(problems)


def _unique_fields(model) -> set[str]:
    names = {f.name for f in model._meta.concrete_fields if f.unique and not f.primary_key}
    for constraint in model._meta.constraints:
        names.update(getattr(constraint, "fields", ()))
    for together in model._meta.unique_together:
        names.update(together)
    # A related record's id varied names no record: the other fields of the constraint make the row new.
    related = {f.name for f in model._meta.concrete_fields if f.is_relation}
    return names - {"tenant", "tenant_id"} - related


def _check_add(client, model_admin, user) -> list[str] | None:
    """Post the add page with an existing record's values (unique ones varied) as a typical new record."""
    request = admin_request(user)
    seen, _hidden, _away = _records(model_admin, request)
    if seen is None or not model_admin.has_add_permission(request):
        return None
    model = model_admin.model
    tenant_id = getattr(seen, "tenant_id", None)
    if tenant_id and is_unbound_superuser(request) and _has_its_one(model, tenant_id):
        tenant_id = FRESH_TENANT  # a tenant's settings: the new one is another tenant's first
    query = {"tenant": tenant_id} if tenant_id and is_unbound_superuser(request) else {}
    add_url = _url(model, "add")
    page = client.get(add_url, query)
    if page.status_code != 200:
        return [f"add page: {page.status_code}"]
    existing = page_as_posted(client.get(_url(model, "change", seen.pk)))
    form = page.context["adminform"].form
    blank = page_as_posted(page)
    data = {**blank, **{k: v for k, v in existing.items() if k.rsplit("_", 1)[0] in form.fields or k in form.fields}}
    for name, form_field in form.fields.items():  # fields the change page shows read-only (fixed once filed)
        field = next((f for f in model._meta.concrete_fields if f.name == name), None)
        if name in data or f"{name}_0" in data or field is None:
            continue
        value = form_field.prepare_value(field.value_from_object(seen))
        if isinstance(form_field.widget, forms.MultiWidget):
            data.update({f"{name}_{i}": part for i, part in enumerate(form_field.widget.decompress(value))})
        elif isinstance(form_field.widget, KeyValueRowsWidget):  # a map's rows, as the page posts them
            data.update({f"{name}__key": [k for k, _ in value], f"{name}__value": [v for _, v in value]})
        elif value not in (None, ""):
            data[name] = ", ".join(value) if isinstance(value, list) else value
    for name in _unique_fields(model):
        if isinstance(data.get(name), str) and data[name]:
            data[name] = f"{data[name]}-2"
    data.update(ADD_DATA.get(model._meta.label, {}))
    if query:
        data["tenant"] = tenant_id
    before = model._base_manager.count()
    problem = _post_problem("add", client.post(add_url, data))
    if problem:
        return [problem]
    if model._base_manager.count() != before + 1:
        return [f"add: redirected but {model._base_manager.count() - before} rows were added"]
    return []


FRESH_TENANT = "initech"

# What a typical new record needs beyond an existing record's values (a secret or password entered once).
ADD_DATA = {
    "signin.IdentityProvider": {"client_secret": "new-client-secret-0123", "issuer": "http://127.0.0.1:9/initech"},
    "auth.User": {"password1": "a-long-new-pass-0123", "password2": "a-long-new-pass-0123"},
    "core.Tenant": {"id": "umbrella", "name": "Umbrella"},
    "helpdesk_mail.MailSettings": {"address": "help@initech.invalid"},  # unique, and an address
}


def _has_its_one(model, tenant_id: str) -> bool:
    if model is IdentityProvider:
        return IdentityProvider.objects.filter(tenant_id=tenant_id).exists()
    return tenant_has_its_one(model, tenant_id)


@pytest.mark.parametrize("who", ["admin", "superuser", "agent", "it", "hr"])
@pytest.mark.parametrize("model_admin", ADMINS, ids=[a.model._meta.label for a in ADMINS])
def test_add_pages_save(model_admin, who, seeded, client, db):
    user = User.objects.get(username=USERS[who])
    client.force_login(user)
    client.raise_request_exception = False
    problems = _check_add(client, model_admin, user)
    assert not problems, f"{model_admin.model._meta.label} as {who}:\n  " + "\n  ".join(problems or [])
