"""The directory's own events (apps/core/directory_services.py); record lifecycles are declared from the models."""
from rest_framework import serializers

from .event_catalogue import PayloadSerializer, declare_event, record_payload_serializer


class GroupMembersPayloadSerializer(PayloadSerializer):
    """A group's members after the change."""

    id = serializers.CharField()
    members = serializers.ListField(child=serializers.CharField(), help_text="Every member's person id, sorted.")


def declare() -> None:
    from .directory import Group, Person

    declare_event(Person, "deactivated", payload=record_payload_serializer(Person),
                  description="A person was deactivated (their grants and pending work are reassigned or closed).")
    declare_event(Person, "reactivated", payload=record_payload_serializer(Person),
                  description="A deactivated person was made active again.")
    declare_event(Group, "members_changed", payload=GroupMembersPayloadSerializer,
                  description="A group's members changed (added, removed or replaced).")
