"""A tenant's identity provider."""
import factory

from apps.signin.models import IdentityProvider, ProviderLink
from apps.signin.services import identity_provider_save

from .base import DEFAULT_TENANT, ProjectFactory, register
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


@register
class ProviderLinkFactory(ProjectFactory):
    """A pending account link: the provider's subject matched an existing staff member by e-mail."""

    _tenant_key = None  # the provider names the tenant (`tenant_id=` picks it)
    provider = factory.SubFactory(IdentityProviderFactory, tenant__id=factory.SelfAttribute("...tenant_id"))
    subject = factory.Sequence(lambda n: f"00u{n:06d}")
    membership = factory.SubFactory("tests.factories.core.StaffMembershipFactory",
                                    tenant=factory.SelfAttribute("..provider.tenant"))
    email = factory.LazyAttribute(lambda o: o.membership.user.email or "someone@example.test")

    class Params:
        tenant_id = DEFAULT_TENANT

    class Meta:
        model = ProviderLink
