"""Applications, connectors, API keys, webhooks and their deliveries, rate-limit windows, stored secrets."""
import json
import time

import factory

from apps.integration.auth import hash_key
from apps.integration.models import (
    AccessSystem,
    Application,
    Connector,
    Entitlement,
    IntegrationApiKey,
    RateLimitCounter,
    StoredSecret,
    Webhook,
    WebhookDelivery,
)
from apps.integration.outbound import generate_secret
from apps.integration.secret_store import DatabaseSecretStore, _fernet_key, secret_path
from apps.integration.services import _store_webhook_secrets, new_raw_key

from .base import (
    DEFAULT_TENANT,
    InTenant,
    PersonId,
    ProjectFactory,
    RecordId,
    TenantRecordFactory,
    register,
)


@register
class ApplicationFactory(TenantRecordFactory):
    display_name = factory.Sequence(lambda n: f"App {n}")
    slug = factory.Sequence(lambda n: f"app-{n}")

    class Meta:
        model = Application


@register
class ConnectorFactory(TenantRecordFactory):
    """An org-wide connector; its credentials' place in the secret store named as the service names it."""

    type = "manual"
    provider = "other"
    name = factory.Sequence(lambda n: f"Connector {n}")

    class Meta:
        model = Connector

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        super()._before_save(obj, given=given)
        obj.vault_path = obj.vault_path or secret_path(obj.tenant_id, "connectors", obj.pk, "credentials")


@register
class IntegrationApiKeyFactory(TenantRecordFactory):
    """A key of an application of the tenant, made by a directory Person acting as admin; stored as
    the service stores it (the SHA-256); `raw_key` is on the instance."""

    _instance_attributes = ("raw_key",)
    name = factory.Sequence(lambda n: f"Key {n}")
    raw_key = factory.LazyFunction(new_raw_key)
    key_hash = factory.LazyAttribute(lambda o: hash_key(o.raw_key))
    prefix = factory.LazyAttribute(lambda o: o.raw_key[:8])
    scopes = factory.LazyFunction(lambda: ["*"])
    application = InTenant(ApplicationFactory)
    created_by_user_id = PersonId()
    creator_roles = factory.LazyFunction(lambda: ["admin"])
    created_by = factory.SelfAttribute("created_by_user_id")

    class Meta:
        model = IntegrationApiKey


@register
class WebhookFactory(TenantRecordFactory):
    """An outbound webhook for every event type, its signing secret (and `headers` values) in the
    secret store as the service puts them; `raw_secret` is on the instance."""

    _instance_attributes = ("raw_secret",)
    name = factory.Sequence(lambda n: f"Hook {n}")
    url = factory.Sequence(lambda n: f"https://hooks.example.com/{n}")
    event_types = factory.LazyFunction(lambda: ["*"])
    headers = factory.LazyFunction(dict)
    raw_secret = factory.LazyFunction(generate_secret)

    class Meta:
        model = Webhook

    @classmethod
    def _before_save(cls, obj, *, given: dict) -> None:
        super()._before_save(obj, given=given)
        _store_webhook_secrets(obj, secret=obj.raw_secret, headers=obj.headers)


@register
class RateLimitCounterFactory(ProjectFactory):
    """This minute's request count of an API key (of `tenant_id`)."""

    key_id = RecordId(IntegrationApiKeyFactory)
    window = factory.LazyFunction(lambda: int(time.time() // 60))
    count = 1

    class Meta:
        model = RateLimitCounter

    class Params:
        tenant_id = DEFAULT_TENANT


@register
class WebhookDeliveryFactory(ProjectFactory):
    tenant_id = DEFAULT_TENANT
    webhook = InTenant(WebhookFactory)
    event = InTenant("tests.factories.core.EventFactory")
    event_type = factory.SelfAttribute("event.type")

    class Meta:
        model = WebhookDelivery


def _encrypted(data: dict) -> bytes:
    return DatabaseSecretStore(_fernet_key()).fernet.encrypt(json.dumps(data).encode())


@register
class StoredSecretFactory(ProjectFactory):
    """The credentials of a connector of `tenant_id`, encrypted as the database secret store keeps them."""

    path = factory.LazyAttribute(lambda o: secret_path(o.tenant_id, "connectors", o.connector_id, "credentials"))
    ciphertext = factory.LazyAttribute(lambda o: _encrypted(o.credentials))

    class Meta:
        model = StoredSecret

    class Params:
        tenant_id = DEFAULT_TENANT
        connector_id = RecordId(ConnectorFactory)
        credentials = factory.LazyFunction(lambda: {"token": "crm-token"})


@register
class AccessSystemFactory(TenantRecordFactory):
    """A manual system of the catalog (no connector) owned by a directory Person; not yet open to requests
    (members see active systems only: `is_active=True`), as a policy is made a draft."""

    name = factory.Sequence(lambda n: f"System {n}")
    is_active = False
    owner_id = PersonId()
    owner_type = "person"

    class Meta:
        model = AccessSystem


@register
class EntitlementFactory(TenantRecordFactory):
    """A low-risk group on a system of the tenant, its owner the system's; not requestable (members see
    requestable entitlements of active systems only: tests/catalog/catalog.py makes those)."""

    system = InTenant(AccessSystemFactory)
    name = factory.Sequence(lambda n: f"Entitlement {n}")
    kind = "group"
    is_requestable = False

    class Meta:
        model = Entitlement
