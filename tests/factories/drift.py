"""Drift findings (reconciliation): an open "unmanaged" finding for a person of the tenant."""
import factory

from apps.integration.drift_models import DriftFinding

from .base import InTenant, PersonId, TenantRecordFactory, register
from .integration import ConnectorFactory, EntitlementFactory


@register
class DriftFindingFactory(TenantRecordFactory):
    connector = InTenant(ConnectorFactory, type="ldap")
    # What a sync reports: a requestable entitlement of an active system (reconcile syncs active systems only),
    # so that adopting it files an access request.
    entitlement = InTenant(EntitlementFactory, is_requestable=True, system__is_active=True,
                           system__connector=factory.SelfAttribute("...connector"))
    kind = "unmanaged"
    user_name = factory.Sequence(lambda n: f"account{n}@acme.invalid")
    person_id = PersonId()
    owner_id = PersonId()

    class Meta:
        model = DriftFinding
