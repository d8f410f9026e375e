"""The optional malware scan: ClamAV's clamd INSTREAM protocol, when settings.FILES_CLAMD names it
(`unix:///run/clamav/clamd.ctl` or `tcp://127.0.0.1:3310`). Without it files are not scanned."""
import socket
import struct
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from .models import ScanStatus

CHUNK = 64 * 1024


@dataclass(frozen=True)
class ScanResult:
    status: str
    detail: str = ""


def scanner_configured() -> bool:
    return bool(getattr(settings, "FILES_CLAMD", ""))


def _connect(address: str, timeout: float) -> socket.socket:
    parts = urlsplit(address)
    if parts.scheme == "unix":
        sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        sock.settimeout(timeout)
        sock.connect(parts.path)
        return sock
    if parts.scheme == "tcp":
        return socket.create_connection((parts.hostname, parts.port or 3310), timeout=timeout)
    raise ValueError(f"FILES_CLAMD must be unix:///path or tcp://host:port, not {address!r}")


def clamd_instream(address: str, data: bytes, *, timeout: float = 30.0) -> str:
    """clamd's answer for `data` (`stream: OK`, `stream: <name> FOUND`, `… ERROR`)."""
    with _connect(address, timeout) as sock:
        sock.sendall(b"zINSTREAM\0")
        for start in range(0, len(data), CHUNK):
            chunk = data[start:start + CHUNK]
            sock.sendall(struct.pack("!L", len(chunk)) + chunk)
        sock.sendall(struct.pack("!L", 0))
        reply = b""
        while not reply.endswith(b"\0"):
            part = sock.recv(4096)
            if not part:
                break
            reply += part
    return reply.rstrip(b"\0").decode("utf-8", "replace").strip()


def scan(data: bytes) -> ScanResult:
    """Clean, quarantined (with the signature's name), or pending when clamd cannot answer: a file is
    never downloadable before a scanner said it is clean (`manage.py scan_files` retries pending ones)."""
    if not scanner_configured():
        return ScanResult(ScanStatus.NOT_SCANNED)
    try:
        reply = clamd_instream(settings.FILES_CLAMD, data, timeout=settings.FILES_CLAMD_TIMEOUT)
    except (OSError, ValueError) as exc:
        return ScanResult(ScanStatus.PENDING, f"scanner unavailable: {exc}"[:200])
    if reply.endswith("FOUND"):
        return ScanResult(ScanStatus.QUARANTINED, reply.removeprefix("stream:").removesuffix("FOUND").strip()[:200])
    if reply.endswith("OK"):
        return ScanResult(ScanStatus.CLEAN)
    return ScanResult(ScanStatus.PENDING, f"scanner said: {reply}"[:200])
