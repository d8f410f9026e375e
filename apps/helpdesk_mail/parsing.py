"""A received message as the gateway needs it: who sent it, what it answers, whether a machine sent it,
its text (HTML sanitised with nh3 and kept beside it; quoted history and signatures folded away with
mail-parser-reply) and its attachments. Broken MIME, unknown or lying charsets and undecodable parts
give what can be read (and defects to record), never an exception."""
import hashlib
import html as html_lib
import re
from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage, Message
from email.parser import BytesParser
from email.utils import getaddresses, parseaddr

import nh3
from mailparser_reply import EmailReplyParser

MESSAGE_ID = re.compile(r"<([^<>\s]{1,900})>")
MAX_TEXT = 200_000  # characters of text kept; a bigger body is cut (the size limit bounds the bytes already)
REPLY_LANGUAGES = ["en", "de", "fr", "es", "it", "nl", "pl", "pt", "sv"]
BULK = {"bulk", "junk", "list"}
ROBOT_SENDERS = re.compile(r"^(mailer-daemon|postmaster|no-?reply|bounces?)([+@-]|$)", re.I)


@dataclass
class Attachment:
    filename: str
    content: bytes
    content_type: str


@dataclass
class ParsedMail:
    message_id: str
    from_address: str
    from_name: str
    subject: str
    in_reply_to: list[str]
    references: list[str]
    text: str
    html: str
    reply: str  # the text without quoted history and signature
    auto_reason: str = ""  # why this is an automatic message ("" for a person's)
    bounce: dict | None = None
    attachments: list[Attachment] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    @property
    def thread_ids(self) -> list[str]:
        """The ids this message answers, nearest first."""
        return list(dict.fromkeys([*self.in_reply_to, *reversed(self.references)]))


def _header(message: Message, name: str, defects: list[str]) -> str:
    try:
        value = message.get(name)
        return " ".join(str(value).split()) if value is not None else ""
    except Exception as exc:  # a header the policy cannot parse: its raw text
        defects.append(f"{name}: {type(exc).__name__}")
        raw = message.get_all(name, failobj=[None])[0] if hasattr(message, "get_all") else None
        return " ".join(str(raw or "").split())


def _ids(value: str) -> list[str]:
    return [f"<{m}>" for m in MESSAGE_ID.findall(value or "")]


def _decoded(part: Message, defects: list[str]) -> str:
    """A text part's characters: its declared charset, else UTF-8, else Latin-1 (which decodes anything);
    undecodable bytes become U+FFFD instead of an error."""
    try:
        payload = part.get_payload(decode=True) or b""
    except Exception as exc:
        defects.append(f"payload: {type(exc).__name__}")
        return ""
    declared = part.get_content_charset() or "utf-8"
    for charset in (declared, "utf-8"):
        try:
            return payload.decode(charset)
        except (LookupError, UnicodeDecodeError):
            defects.append(f"charset {charset!r} does not decode the part")
    return payload.decode("latin-1", errors="replace")


def _walk(message: Message, defects: list[str]):
    """(text parts, html parts, attachments): inline text bodies in order, files apart."""
    texts, htmls, files = [], [], []
    for part in message.walk():
        if part.is_multipart():
            continue
        ctype = part.get_content_type()
        disposition = (part.get_content_disposition() or "").lower()
        filename = part.get_filename() or ""
        if disposition == "attachment" or (filename and not ctype.startswith("text/")) or (
                not ctype.startswith("text/") and not ctype.startswith("message/")):
            try:
                content = part.get_payload(decode=True) or b""
            except Exception:
                content = b""
            files.append(Attachment(filename=filename or "attachment", content=content, content_type=ctype))
        elif ctype == "text/html":
            htmls.append(_decoded(part, defects))
        elif ctype == "text/plain":
            texts.append(_decoded(part, defects))
    return texts, htmls, files


def html_to_text(html: str) -> str:
    text = re.sub(r"(?i)<\s*(br|/p|/div|/li|/tr|/h\d)\s*/?>", "\n", html)
    text = html_lib.unescape(nh3.clean(text, tags=set()))
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def fold(text: str) -> str:
    """The newest reply alone: quoted history ("On … wrote:", "> …") and the signature left out."""
    try:
        replies = EmailReplyParser(languages=REPLY_LANGUAGES).read(text).replies
    except Exception:
        return text.strip()
    latest = replies[0].body.strip() if replies else ""
    return latest or text.strip()


def _auto_reason(message: Message, sender: str, envelope_from: str, defects: list[str]) -> str:
    auto = _header(message, "Auto-Submitted", defects).lower()
    if auto and auto != "no":
        return f"Auto-Submitted: {auto}"
    precedence = _header(message, "Precedence", defects).lower()
    if precedence in BULK:
        return f"Precedence: {precedence}"
    for name in ("X-Autoreply", "X-Autorespond", "X-Auto-Response"):
        if _header(message, name, defects):
            return f"{name} present"
    if _header(message, "List-Id", defects) or _header(message, "List-Unsubscribe", defects):
        return "mailing list"
    if _header(message, "X-Backoffice-Notification", defects):
        return "one of our own notifications"
    for address in (sender, envelope_from):
        if address and ROBOT_SENDERS.match(address.split("@")[0] + "@"):
            return f"sent by {address}"
    return ""


def _bounce(message: Message, envelope_from: str, defects: list[str]) -> dict | None:
    """A delivery status notification (RFC 3464): whom it concerns, its status and the message it returns."""
    report = message.get_content_type() == "multipart/report" and message.get_param("report-type") == "delivery-status"
    if not report:
        return None
    details: dict = {"recipients": []}
    for part in message.walk():
        ctype = part.get_content_type()
        if ctype == "message/delivery-status":
            for block in part.get_payload() if part.is_multipart() else []:
                recipient = block.get("Final-Recipient") or block.get("Original-Recipient")
                if recipient:
                    details["recipients"].append({
                        "recipient": str(recipient).split(";")[-1].strip(),
                        "action": str(block.get("Action", "")).strip(),
                        "status": str(block.get("Status", "")).strip(),
                        "diagnostic": " ".join(str(block.get("Diagnostic-Code", "")).split())[:300]})
        elif ctype in ("message/rfc822", "text/rfc822-headers"):
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if inner is None and isinstance(payload, str):
                inner = BytesParser(policy=policy.compat32).parsebytes(payload.encode("utf-8", "replace"),
                                                                       headersonly=True)
            if inner is not None and inner.get("Message-ID"):
                details["original_message_id"] = " ".join(str(inner.get("Message-ID")).split())
    return details


def parse(raw: bytes, *, envelope_from: str = "") -> ParsedMail:
    defects: list[str] = []
    message: EmailMessage = BytesParser(policy=policy.default).parsebytes(raw)
    defects += [type(d).__name__ for d in message.defects][:20]
    from_header = _header(message, "From", defects)
    name, address = parseaddr(from_header)
    if not address and from_header:
        found = [a for _, a in getaddresses([from_header]) if "@" in a]
        address = found[0] if found else ""
    address = address.strip().lower() if "@" in address else ""
    ids = _ids(_header(message, "Message-ID", defects))
    message_id = ids[0] if ids else f"<{hashlib.sha256(raw).hexdigest()}@no-message-id.invalid>"
    texts, htmls, files = _walk(message, defects)
    html = nh3.clean("\n".join(htmls))[:MAX_TEXT] if htmls else ""
    text = ("\n\n".join(t for t in texts if t.strip()) or html_to_text(html))[:MAX_TEXT]
    bounce = _bounce(message, envelope_from, defects)
    return ParsedMail(
        message_id=message_id[:998], from_address=address[:254], from_name=name.strip()[:200],
        subject=_header(message, "Subject", defects)[:300],
        in_reply_to=_ids(_header(message, "In-Reply-To", defects)),
        references=_ids(_header(message, "References", defects))[-50:],
        text=text, html=html, reply=fold(text), attachments=[] if bounce else files,
        auto_reason="" if bounce else _auto_reason(message, address, envelope_from, defects),
        bounce=bounce, defects=defects)
