"""What a record waits for and who can move it, for its page: "Waiting for step 2 of 2 — Ada Lovelace".

A domain that takes a record's decisions over (approvals, while a request decides it) registers a
provider with `@waits_on`; it returns a `Waiting` or None. Without one, the record waits for its
next forward transition and the staff holding its roles.
"""
from collections.abc import Callable
from dataclasses import dataclass, field

from .fsm import available_transitions, transitions_of
from .people import display_people, members_with_role
from .principal import Principal


@dataclass
class Waiting:
    text: str  # "Waiting for step 2 of 2 — Ada Lovelace"
    url: str = ""  # where it is moved (the approval step), when not on this page
    # {the record's decision: URL of the transition that takes it for this user} (a step's approve)
    decide_urls: dict[str, str] = field(default_factory=dict)
    # The record's own transitions that do not decide it now (an approval request does)
    taken_over: tuple[str, ...] = ()


_PROVIDERS: list[Callable] = []


def waits_on(provider: Callable) -> Callable:
    """Registers `provider(*, actor, obj) -> Waiting | None`."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)
    return provider


def waiting_of(*, actor: Principal, obj) -> Waiting | None:
    for provider in _PROVIDERS:
        found = provider(actor=actor, obj=obj)
        if found is not None:
            return found
    return next_move(obj)


def _who(obj, info) -> str:
    roles = info.roles
    if roles is None:
        return "anyone who sees it"
    names = [label for _, label in members_with_role(obj.tenant_id, roles)] if roles else []
    if info.custom.get("requester_may") and obj.requester_person_id:
        names.insert(0, display_people(obj.tenant_id, [obj.requester_person_id])[obj.requester_person_id])
    kind = " or ".join(roles) if roles else "an admin"
    return f"{', '.join(names)} ({kind})" if names else kind


def _verb(info) -> str:
    return info.name.replace("_", " ").capitalize()


def next_move(obj) -> Waiting | None:
    """The record's next forward move and who may make it, then what follows it."""
    infos = transitions_of(type(obj))
    # The forward move is the one made from fewest states (cancel and reject leave from many).
    moves = sorted((infos[n] for n in available_transitions(obj) if infos[n].exposed), key=lambda t: len(t.sources))
    if not moves:
        return None
    first = moves[0]
    text = f"Waiting for “{_verb(first)}” — {_who(obj, first)}"
    after = sorted((t for t in infos.values() if t.exposed and t.name != first.name and first.target in t.sources),
                   key=lambda t: len(t.sources))
    if after:
        text += f"; then “{_verb(after[0])}” ({' or '.join(after[0].roles or ()) or 'an admin'})"
    return Waiting(text=text)
