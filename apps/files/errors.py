"""Why a file was refused or cannot be read: domain errors the API turns into problem+json and the
admin into a message. Catch `FileError` for all of them."""
from apps.core.exceptions import DomainError


class FileError(DomainError):
    status = 400
    code = "file_refused"
    title = "File refused"


class FileRefused(FileError):
    """Empty file, a name lying about the content, too many files on the record."""


class FileTooLarge(FileError):
    status = 413
    code = "file_too_large"
    title = "File too large"


class FileTypeRefused(FileError):
    status = 415
    code = "file_type_refused"
    title = "File type not allowed"


class StorageFailed(FileError):
    status = 503
    code = "storage_unavailable"
    title = "File storage unavailable"


class FileNotFound(FileError):
    status = 404
    code = "not_found"
    title = "Not found"


class FileNotDownloadable(FileError):
    status = 409
    code = "file_not_downloadable"
    title = "File not downloadable"
