"""Drift findings (reconciliation): an open "unmanaged" finding for a person of the tenant."""
import factory

from apps.integration.drift_models import DriftFinding

from .base import InTenant, PersonId, TenantRecordFactory, register
from .integration import ConnectorFactory, EntitlementFactory


@register
class DriftFindingFactory(TenantRecordFactory):
    connector = InTenant(ConnectorFactory, type="ldap")
    entitlement = InTenant(EntitlementFactory, system__connector=factory.SelfAttribute("...connector"))
    kind = "unmanaged"
    user_name = factory.Sequence(lambda n: f"account{n}@acme.invalid")
    person_id = PersonId()
    owner_id = PersonId()

    class Meta:
        model = DriftFinding
