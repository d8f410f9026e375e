"""The approval chain's approver picker: people, groups of the tenant, "the requester's manager" and
"the owner" (of the catalog entitlement asked for, else its system's).

The person picker of apps/core/admin_people.py, widened: its autocomplete also offers the
tenant's groups and the manager token, its labels name groups, and its check refuses a person or
group the tenant's directory does not hold (another tenant's group is unknown here). The service
(approvals.approvers.check_chain_entries) checks the groups again, whoever writes the chain.
"""
from django import forms
from unfold.widgets import UnfoldAdminMultipleAutocompleteWidget

from apps.core.admin_people import (
    Labelled, PeopleField, directory_autocomplete, known_people, picker_attrs,
)
from apps.core.person_fields import GROUP, MANAGER, OWNER, PERSON, approver_kind
from apps.directory.models import Group
from apps.core.people import display_people

MANAGER_LABEL = "The requester's manager"
OWNER_LABEL = "The owner (of the entitlement, else its system)"
TOKEN_LABELS = {MANAGER: MANAGER_LABEL, OWNER: OWNER_LABEL}


def _group_label(group: Group) -> str:
    return f"{group.display_name or group.pk} (group: any member)"


def approver_labels(tenant_id: str | None, values: list[str]) -> dict[str, str]:
    if not tenant_id:
        return {v: v for v in values}
    groups = {g.pk: _group_label(g) for g in Group.objects.filter(
        tenant_id=tenant_id, pk__in=[v for v in values if approver_kind(v) == GROUP])}
    people = display_people(tenant_id, [v for v in values if approver_kind(v) == PERSON])
    return {v: TOKEN_LABELS.get(v) or groups.get(v) or people.get(v, v) for v in values}


# The chain's picker: the tokens, then groups ("any member"), then active people.
approvers_autocomplete = directory_autocomplete(tokens=TOKEN_LABELS, label_group=_group_label)


class ApproversPicker(Labelled, UnfoldAdminMultipleAutocompleteWidget):
    def __init__(self, *, tenant_id: str | None, url: str):
        super().__init__(picker_attrs(tenant_id, url=url, testid="approver-picker"))
        self.tenant_id = tenant_id

    def labels(self, chosen: list[str]) -> dict[str, str]:
        return approver_labels(self.tenant_id, chosen)


def approvers_field(*, tenant_id: str | None, url: str, help_text: str) -> PeopleField:
    return PeopleField(required=False, label="Approvers", help_text=help_text,
                       widget=ApproversPicker(tenant_id=tenant_id, url=url))


def unknown_approvers(tenant_id: str, values: list[str], before: list[str]) -> list[str]:
    """The entries added since `before` that name no active person, staff member or group of the tenant."""
    new = set(values) - set(before)
    people = {v for v in new if approver_kind(v) == PERSON}
    groups = {v for v in new if approver_kind(v) == GROUP}
    known = known_people(tenant_id, people) | set(
        Group.objects.filter(tenant_id=tenant_id, pk__in=groups).values_list("pk", flat=True))
    return sorted((people | groups) - known)


def clean_approver_ids(form):
    value = form.cleaned_data.get("approver_ids") or []
    if not value:
        raise forms.ValidationError("Name at least one approver.")
    tenant_id = getattr(form, "picker_tenant_id", None)
    if tenant_id:
        unknown = unknown_approvers(tenant_id, value, PeopleField().prepare_value(form.initial.get("approver_ids")))
        if unknown:
            raise forms.ValidationError(f"Not an active person of this tenant: {', '.join(unknown)}."
                                        if all(approver_kind(u) == PERSON for u in unknown)
                                        else f"Not an active person or a group of this tenant: {', '.join(unknown)}.")
    return value
