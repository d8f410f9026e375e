"""How a model declares the fields that name a person or a group of the tenant's directory
(`directory_fields = {"requester_id": PERSON, "team_id": GROUP}` on a TenantModel). The directory itself
(people, groups, SCIM) is apps/directory; core reads it through apps/core/directory_link.py."""

PERSON = "person"
GROUP = "group"
PERSON_LIST = "person_list"
GROUP_LIST = "group_list"
APPROVER_LIST = "approver_list"  # approval chains: person ids, group ids and MANAGER, one step each
MANAGER = "manager"  # in an approver list: the requester's manager (Person.manager), resolved per request
OWNER = "owner"  # in an approver list: the owner (person or group) of the catalog entitlement asked for, or its system's
TOKENS = (MANAGER, OWNER)
PERSON_ID_PREFIX = "per"
GROUP_ID_PREFIX = "grp"


def approver_kind(value: str) -> str:
    """What one entry of an approver list names: a token (MANAGER, OWNER), a GROUP (its `grp_` id) or a PERSON."""
    if value in TOKENS:
        return value
    return GROUP if value.startswith(f"{GROUP_ID_PREFIX}_") else PERSON


class ChosenBy:
    """A field naming a person or a group depending on another field (`principal_type`)."""

    def __init__(self, field: str, kinds: dict[str, str], default: str):
        self.field, self.kinds, self.default = field, kinds, default

    def kind(self, values: dict, instance=None) -> str:
        chosen = values.get(self.field, getattr(instance, self.field, None))
        return self.kinds.get(chosen, self.default)


def directory_fields(model) -> dict:
    """Which attributes of `model` (as the API accepts them) name a directory entry: the model's own
    `directory_fields` declaration (TenantModel)."""
    return getattr(model, "directory_fields", {})
