"""The client's address: REMOTE_ADDR, unless that is one of TRUSTED_PROXIES — then the right-most
address of X-Forwarded-For that is not a trusted proxy. Everything left of it was written by the
client and is never believed (sign-in lockouts and logs key on this address)."""
import ipaddress
from functools import lru_cache

from django.conf import settings


@lru_cache(maxsize=8)
def _networks(proxies: tuple[str, ...]) -> tuple:
    return tuple(ipaddress.ip_network(p.strip(), strict=False) for p in proxies if p.strip())


def _trusted(address: str, networks) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_ip_from(remote_addr: str, forwarded_for: str, proxies: tuple[str, ...]) -> str:
    networks = _networks(proxies)
    if not networks or not _trusted(remote_addr, networks):
        return remote_addr
    hops = [hop.strip() for hop in forwarded_for.split(",") if hop.strip()]
    for hop in reversed(hops):
        if _trusted(hop, networks):
            continue
        try:
            return str(ipaddress.ip_address(hop))
        except ValueError:
            break  # garbage the client wrote: the last proxy's own view is all that can be trusted
    return hops[0] if hops and _trusted(hops[0], networks) else remote_addr


def client_ip(request) -> str:
    """django-axes' AXES_CLIENT_IP_CALLABLE and the address in the logs."""
    meta = request.META
    return client_ip_from(meta.get("REMOTE_ADDR", ""), meta.get("HTTP_X_FORWARDED_FOR", ""),
                          tuple(settings.TRUSTED_PROXIES))
