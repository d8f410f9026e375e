"""Cross-domain reactions to record events: an app declares one map of (model label, action) to a reaction
`(obj, actor, event)` and connects it here once; the map is built on first use (its reactions import the
app's services, which may not be importable while apps load)."""
from collections.abc import Callable

Reactions = dict[tuple[str, str], Callable]


def connect_reactions(build: Callable[[], Reactions], *, uid: str) -> None:
    from .events import event_emitted

    table: Reactions = {}

    def on_event(sender, event, obj, action, actor, **kwargs) -> None:
        if not table:
            table.update(build())
        reaction = table.get((sender._meta.label_lower, action))
        if reaction is not None:
            reaction(obj, actor, event)

    event_emitted.connect(on_event, dispatch_uid=uid, weak=False)
