"""Which addresses event deliveries may go to.

A ``/hub`` callback is an address the caller chooses and this server then
sends requests to, so it must not be a way to reach what only the server can
reach. Networks listed in ``OPENBSS_HUB_BLOCKED_NETWORKS`` are refused: by
default link-local (where clouds serve instance metadata and credentials),
"this host" (0.0.0.0/8), multicast and reserved ranges. Loopback and private
networks are allowed by default, because listeners on the same host or the
operator's internal network are the usual case; add them to the setting when
the API is open to partners on the internet.

A callback given as an IP address is checked when it is registered (400,
rule ``callback.network``). Every delivery checks again, after resolving the
host name: a blocked address makes the attempt fail without a request being
sent, so a name that later resolves somewhere else does not get through.
"""

from __future__ import annotations

import ipaddress
import socket
from functools import lru_cache
from urllib.parse import urlsplit

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


@lru_cache(maxsize=8)
def parse_networks(text: str) -> tuple[Network, ...]:
    """The networks of a comma-separated list (``10.0.0.0/8,fc00::/7``); raises ValueError on a bad one."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in text.split(",") if part.strip())


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])  # drop an IPv6 zone
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def blocked_by(address: Address, networks: tuple[Network, ...]) -> Network | None:
    return next((net for net in networks if address.version == net.version and address in net), None)


def literal_host_problem(url: str, networks: tuple[Network, ...]) -> str | None:
    """Why a callback written with an IP address may not be used (None: allowed or a host name)."""
    host = urlsplit(url).hostname or ""
    address = _address(host)
    if address is None:
        return None
    network = blocked_by(address, networks)
    return f"{address} is in the blocked network {network}" if network is not None else None


def delivery_problem(url: str, networks: tuple[Network, ...]) -> str | None:
    """Why a delivery to ``url`` must not be sent now (None: go ahead).

    The host name is resolved and every address it has is checked; a name that
    does not resolve is left to the HTTP client, which fails the attempt.
    """
    if not networks:
        return None
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = _address(host)
    if literal is not None:
        candidates = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return None
        candidates = [a for a in (_address(str(info[4][0])) for info in infos) if a is not None]
    for address in candidates:
        network = blocked_by(address, networks)
        if network is not None:
            return f"the callback's address {address} is in a blocked network ({network}, OPENBSS_HUB_BLOCKED_NETWORKS)"
    return None
