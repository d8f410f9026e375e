"""A tenant's identity provider."""
import factory

from apps.signin.models import IdentityProvider
from apps.signin.services import identity_provider_save

from .base import ProjectFactory, register
from .core import TenantFactory


@register
class IdentityProviderFactory(ProjectFactory):
    """The tenant's OpenID Connect provider (one per tenant), saved by its service so that the client
    secret is in the secret store and only its tail on the row; `client_secret` is on the instance."""

    _tenant_key = "tenant"
    _instance_attributes = ("client_secret",)
    tenant = factory.SubFactory(TenantFactory)
    name = "Okta"
    issuer = factory.LazyAttribute(lambda o: f"https://idp.example.com/{o.tenant.id}")
    client_id = factory.Sequence(lambda n: f"backoffice-{n}")
    client_secret = factory.Sequence(lambda n: f"client-secret-{n:08d}")
    role_mapping = factory.LazyFunction(lambda: {"it-staff": ["it", "agent"], "hr": ["hr"]})

    class Meta:
        model = IdentityProvider

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        secret = kwargs.pop("client_secret")
        provider = identity_provider_save(actor=None, provider=model_class(*args, **kwargs), client_secret=secret)
        provider.client_secret = secret
        return provider
