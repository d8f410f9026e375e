"""Who is a party to a record, now or at any point of its history (segregation of duties keys on it)."""


def party_fields(model) -> tuple[str, ...]:
    if model.party_fields is not None:
        return model.party_fields
    return (model.requester_field,) if model.requester_field else ()


def decision_parties(obj) -> set[str]:
    """The creator, everyone the party fields name now or ever did, and whoever set one of them to
    someone else (filing on another's behalf). Remembered on the instance for the request."""
    cached = obj.__dict__.get("_decision_parties")
    if cached is not None:
        return cached
    fields = party_fields(type(obj))
    parties = {obj.created_by, *(getattr(obj, f) for f in fields)}
    history = getattr(type(obj), "history", None)
    if fields and history is not None and obj.pk:
        previous = None
        rows = history.model.objects.filter(id=obj.pk).order_by("history_date", "history_id")
        for row in rows.values_list("history_user_id", *fields):
            values = row[1:]
            parties.update(values)
            if previous is not None and values != previous:
                parties.add(row[0])
            previous = values
    parties -= {None, ""}
    obj.__dict__["_decision_parties"] = parties
    return parties
