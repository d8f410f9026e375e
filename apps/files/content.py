"""What a file is, from its bytes (never its name or a client's Content-Type), and a safe name for it."""
import os
import re
import unicodedata

import filetype
from django.conf import settings

# The extensions a detected type may carry; a name claiming another known type's extension is a lie.
EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/png": ("png",),
    "image/jpeg": ("jpg", "jpeg", "jpe"),
    "image/gif": ("gif",),
    "image/webp": ("webp",),
    "application/pdf": ("pdf",),
    "text/plain": ("txt", "text", "log", "csv", "md", "json", "ics", "eml"),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx",),
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ("pptx",),
    "application/vnd.oasis.opendocument.text": ("odt",),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods",),
}
MAX_NAME = 150
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def detect(data: bytes) -> str | None:
    """The MIME type the bytes are (magic numbers, `filetype`); text that decodes as UTF-8 without
    control characters is text/plain; None when nothing is recognised."""
    kind = filetype.guess(data)
    if kind is not None:
        return kind.mime
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    if _CONTROL.search(text.replace("\t", "").replace("\n", "").replace("\r", "").replace("\x0c", "")):
        return None
    return "text/plain"


def allowed_types() -> tuple[str, ...]:
    return tuple(settings.FILES_ALLOWED_TYPES)


def extension_lies(name: str, content_type: str) -> str | None:
    """The extension of `name` when it names a type other than `content_type` (photo.png holding a PDF)."""
    ext = os.path.splitext(name)[1].lstrip(".").lower()
    if not ext or ext in EXTENSIONS.get(content_type, ()):
        return None
    if content_type == "text/plain":
        return ext  # text named as anything else (.exe, .html, .svg, .png) is refused
    return ext


def sanitise_filename(raw: str, content_type: str | None) -> str:
    """A display name: the last path segment (either separator), no control or format characters,
    no leading dots, NFC, at most MAX_NAME characters keeping the extension. Storage never uses it."""
    name = unicodedata.normalize("NFC", str(raw or ""))
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip().lstrip(".").strip()
    if name in ("", ".", ".."):
        ext = EXTENSIONS.get(content_type or "", ("bin",))[0]
        name = f"file.{ext}"
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext[:16]
        name = stem[: MAX_NAME - len(ext)].rstrip() + ext
    return name
