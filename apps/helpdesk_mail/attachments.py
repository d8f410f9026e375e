"""E-mail attachments on tickets and comments: stored through apps.files once it is there."""


def store(*, actor, record, mail) -> list[dict]:
    return []
