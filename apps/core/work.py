"""Whose work a model is, read from what the model declares: the roles that see all its rows
(`visibility.sees_all`), the roles that write it (`write_roles`) and the roles its transitions name.
The admin's sidebar and the dashboard's panels show a model to those roles (and admins) only; a model
that names no role is everyone's (each person's own rows, e.g. their queue items)."""
from .fsm import transitions_of
from .principal import Principal


def roles_working_on(model) -> frozenset[str] | None:
    """The roles whose work `model` is; None: everyone's. An empty set: admins only."""
    if model.everyones_work:
        return None
    roles = set(model.visibility.sees_all)
    for info in transitions_of(model).values():
        roles |= set(info.roles or ())
    if model.write_roles is not None:
        return frozenset(roles | set(model.write_roles))
    return frozenset(roles) if roles else None


def works_on(principal: Principal, model) -> bool:
    roles = roles_working_on(model)
    return roles is None or principal.has_role(*roles)
