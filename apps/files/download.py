"""A stored file sent to the browser: the response headers every download carries (the API, the admin,
the portal and the letters share them)."""
from django.http import FileResponse

# A downloaded file is data, never a page: no sniffing, and a policy that runs and loads nothing.
DOWNLOAD_CSP = "default-src 'none'; sandbox; frame-ancestors 'none'"


def download_response(attachment, handle, *, inline: bool = False) -> FileResponse:
    """The bytes as an attachment (images may be shown inline for previews), with nosniff and a
    restrictive CSP; `inline` is honoured for images only."""
    response = FileResponse(handle, as_attachment=not (inline and attachment.is_image), filename=attachment.filename,
                            content_type=attachment.content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    response["Cache-Control"] = "private, no-store"
    response["Cross-Origin-Resource-Policy"] = "same-origin"
    return response
