"""The directory's own events (apps/directory/services.py); record lifecycles are declared from the models."""
from rest_framework import serializers

from apps.core.event_catalogue import PayloadSerializer, declare_event, record_payload_serializer

from .models import Group, Person


class GroupMembersPayloadSerializer(PayloadSerializer):
    """Who joined and who left the group in this change (the whole list stays on the group: a big group's
    members are added a hundred at a time, and each event would repeat all of them)."""

    id = serializers.CharField()
    added = serializers.ListField(child=serializers.CharField(), help_text="The person ids added, sorted.")
    removed = serializers.ListField(child=serializers.CharField(), help_text="The person ids removed, sorted.")


def declare() -> None:
    declare_event(Person, "deactivated", payload=record_payload_serializer(Person),
                  description="A person was deactivated (their grants and pending work are reassigned or closed).")
    declare_event(Person, "reactivated", payload=record_payload_serializer(Person),
                  description="A deactivated person was made active again.")
    declare_event(Group, "members_changed", payload=GroupMembersPayloadSerializer,
                  description="A group's members changed (added, removed or replaced).")
