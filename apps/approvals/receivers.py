from .outcomes import outcome_for_model


def open_approval_on_create(sender, *, obj, action, actor, **kwargs):
    """A new AccessRequest/Equipment/Travel/HRRequest/Policy in a tenant with a chain for its
    type gets its approval request opened and submitted in the same transaction."""
    if action != "created" or outcome_for_model(sender) is None:
        return
    from .services import open_for_record

    open_for_record(actor=actor, obj=obj)
