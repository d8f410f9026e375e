"""Identity changes' events (apps/core/identity_services.py); record lifecycles are declared from the models,
the directory's own events in apps/directory/event_types.py."""
from rest_framework import serializers

from .event_catalogue import PayloadSerializer, declare_event


class IdentityChangePayloadSerializer(PayloadSerializer):
    """Who changed whose identity data (apps/core/identity_services.py)."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject_id = serializers.CharField(allow_blank=True, help_text="The person (or provider) changed.")
    changed_by = serializers.CharField()
    on_behalf_of = serializers.CharField(allow_blank=True, help_text="The admin who made the SCIM token used.")
    detail = serializers.CharField(allow_blank=True)


class IdentityConfirmedPayloadSerializer(PayloadSerializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    subject_id = serializers.CharField(allow_blank=True)
    confirmed_by = serializers.CharField()


def declare() -> None:
    from .identity_changes import IdentityChange, IdentityChangeKind

    for kind in IdentityChangeKind.values:
        declare_event(IdentityChange, kind, name=f"directory.identity.{kind}", payload=IdentityChangePayloadSerializer,
                      description=f"Identity data changed ({kind}): recorded with who made the change; a party's "
                                  "change holds back the changed decider's decisions until a second admin confirms.")
    declare_event(IdentityChange, "confirmed", name="directory.identity.confirmed",
                  payload=IdentityConfirmedPayloadSerializer,
                  description="A second admin confirmed an identity change.")
