"""E-mail attachments kept as files on the ticket or comment the message made (apps/files: type checked
by content, names sanitised, size limits, malware scan). A file the rules refuse (a type not accepted, too
large) leaves the message's text in and is listed as refused on the inbound row; a file store that fails
fails the whole delivery (451: the MTA retries, nothing half-saved)."""
from apps.files.errors import FileError, StorageFailed
from apps.files.services import file_attach


def store(*, actor, record, mail) -> list[dict]:
    outcomes = []
    for part in mail.attachments:
        try:
            attachment = file_attach(actor=actor, record=record, filename=part.filename, content=part.content,
                                     source="email")
        except StorageFailed:
            raise
        except FileError as exc:
            outcomes.append({"filename": part.filename[:200], "refused": str(exc)[:300]})
        else:
            outcomes.append({"filename": attachment.filename, "id": attachment.pk, "content_type": attachment.content_type,
                             "size": attachment.size})
    return outcomes
