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
The delivery then connects to the address that was checked
(:func:`delivery_target`), not to whatever the name resolves to a moment
later: the request keeps the name in its ``Host`` header and, over HTTPS, in
the TLS server name the certificate is checked against. A name whose answer
changes between the check and the connection (DNS rebinding) cannot slip a
blocked address in.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import SplitResult, urlsplit, urlunsplit

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


@dataclass(frozen=True)
class DeliveryTarget:
    """Where a delivery connects: ``url`` with its host replaced by a checked address, when pinned.

    ``fallbacks`` are the same URL with the name's other (checked) addresses,
    tried in order when a connection to ``url`` cannot be made, as a client
    connecting by name would.
    """

    url: str
    host_header: str | None = None  # the callback's own host[:port], when ``url`` names an address instead
    sni_hostname: str | None = None  # over HTTPS: the name TLS sends and checks the certificate against
    fallbacks: tuple[str, ...] = ()


def _with_host(parts: SplitResult, address: Address) -> str:
    """``parts`` as a URL with ``address`` for its host (user info, port, path and query kept)."""
    host = f"[{address}]" if address.version == 6 else str(address)
    userinfo = parts.netloc.rpartition("@")[0]
    netloc = f"{userinfo}@{host}" if userinfo else host
    if parts.port is not None:
        netloc = f"{netloc}:{parts.port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def delivery_target(url: str, networks: tuple[Network, ...]) -> tuple[DeliveryTarget | None, str | None]:
    """Where a delivery to ``url`` connects, or why it must not be sent: ``(target, None)`` or ``(None, reason)``.

    With no blocked networks the URL is used as it is. Otherwise the host name
    is resolved and every address it has is checked; the delivery connects to
    them, in the resolver's order, and to no other.
    A name that does not resolve is left to the HTTP client, which fails the
    attempt.
    """
    if not networks:
        return DeliveryTarget(url), None
    parts = urlsplit(url)
    host = parts.hostname or ""
    literal = _address(host)
    if literal is not None:
        candidates = [literal]
    else:
        try:
            infos = socket.getaddrinfo(host, parts.port or (443 if parts.scheme == "https" else 80))
        except (OSError, UnicodeError):
            return DeliveryTarget(url), None
        candidates = [a for a in (_address(str(info[4][0])) for info in infos) if a is not None]
    for address in candidates:
        network = blocked_by(address, networks)
        if network is not None:
            return None, (
                f"the callback's address {address} is in a blocked network ({network}, OPENBSS_HUB_BLOCKED_NETWORKS)"
            )
    if literal is not None or not candidates:
        return DeliveryTarget(url), None
    urls = list(dict.fromkeys(_with_host(parts, address) for address in candidates))
    return DeliveryTarget(
        urls[0],
        host_header=parts.netloc.rpartition("@")[2],
        sni_hostname=host if parts.scheme == "https" else None,
        fallbacks=tuple(urls[1:]),
    ), None


def delivery_problem(url: str, networks: tuple[Network, ...]) -> str | None:
    """Why a delivery to ``url`` must not be sent now (None: go ahead); see :func:`delivery_target`."""
    return delivery_target(url, networks)[1]
