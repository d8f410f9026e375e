"""Admin permissions: staff rights from the tenant membership's roles (not Django model permissions),
and the model's field policy by state (fields kept read-only, Delete only where it may go)."""
from .admin_scope import is_unbound_superuser, principal_for, tenant_has_its_one
from .admin_values import json_fields, words_name
from .admin_words import column_name, person_fields
from .fsm import state_field
from .work import works_on

POLICY_SCOPE = "_delete_policy_scope"


class RolePermissionsMixin:
    """For a TenantAdmin (its `audit_fields`): who may see, add, change and delete, and which fields."""

    def get_readonly_fields(self, request, obj=None):
        readonly = list(super().get_readonly_fields(request, obj)) + [
            f for f in self.audit_fields if hasattr(self.model, f)
        ] + ([f for f in self.model.outcome_fields] if obj is not None else [])
        status = state_field(self.model)
        if status is not None:
            readonly.append(status.name)
        readonly += self.frozen_fields(request, obj)
        readonly += [column_name(f) for f in person_fields(self.model) if f in readonly]
        readonly += [words_name(f) for f in json_fields(self.model) if f in readonly]
        return tuple(dict.fromkeys(readonly))


    def frozen_fields(self, request, obj) -> list[str]:
        """Fields the model's field policy keeps from this user in the record's state (shown read-only;
        the update service refuses them anyway)."""
        policy = self.model.field_policy
        actor = principal_for(request, obj)
        if obj is None or policy is None or actor is None:
            return []
        writable = policy.writable(obj, actor)
        return [f.name for f in self.model._meta.concrete_fields if f.editable and f.name not in writable]

    # Staff rights come from the tenant membership's roles, not Django model permissions. The sidebar
    # and the index list a model to the roles whose work it is; a link to a row the user may see opens.
    def has_module_permission(self, request):
        if is_unbound_superuser(request):
            return True
        principal = principal_for(request)
        return principal is not None and works_on(principal, self.model)

    def has_view_permission(self, request, obj=None):
        return is_unbound_superuser(request) or principal_for(request) is not None

    def _may_write(self, request) -> bool:
        if is_unbound_superuser(request):
            return True
        principal = principal_for(request)
        if principal is None:
            return False
        roles = self.model.write_roles
        return roles is None or principal.has_role(*roles)

    def has_add_permission(self, request):
        if not self._may_write(request):
            return False
        actor = principal_for(request)  # a tenant's staff: no Add once their tenant has its one row
        return not (actor and tenant_has_its_one(self.model, actor.tenant_id))

    def has_change_permission(self, request, obj=None):
        return self._may_write(request)

    def has_delete_permission(self, request, obj=None):
        """The roles may delete this model, and (for a record) its field policy lets this user delete
        it in its state: no Delete button, a 403 delete page. record_delete checks the same again."""
        if not self._may_write(request):
            return False
        listing = getattr(request, POLICY_SCOPE, None)  # set while the delete page lists related rows
        return obj is None or (listing is not None and obj.pk not in listing) or self.policy_allows_delete(request, obj)

    def policy_allows_delete(self, request, obj) -> bool:
        policy = self.model.field_policy
        actor = principal_for(request, obj)
        return policy is None or actor is None or policy.may_delete(obj, actor)

    def get_deleted_objects(self, objs, request):
        """The rows a delete page lists under the ones deleted: a soft delete leaves them in place, so
        the field policy is asked about the deleted rows only (a policy with a launched campaign may go)."""
        setattr(request, POLICY_SCOPE, {obj.pk for obj in objs})
        try:
            return super().get_deleted_objects(objs, request)
        finally:
            delattr(request, POLICY_SCOPE)

