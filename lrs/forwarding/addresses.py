"""Where a forward may not send: addresses of the machine's own cloud metadata and link-local nets.

Forwards are defined by administrators only (scope `all`), and a receiver on this host or on a
private network is an ordinary setup (a second LRS beside this one), so loopback and private
addresses stay allowed. What is refused is what no receiver lives at but a metadata service
does, which would hand out the host's cloud credentials to whoever reads the forward's errors:
link-local addresses (169.254.0.0/16, fe80::/10; 169.254.169.254 serves AWS, GCP, Azure ...),
AWS's IPv6 metadata address, unspecified and multicast addresses.

The rule is checked twice: on the URL when a forward is defined (a literal address), and on the
addresses its host name resolves to at each delivery (so a name pointing there, or changed to
point there later, is refused too).
"""

from __future__ import annotations

import ipaddress
import socket

from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.resolver import DefaultResolver

METADATA_ADDRESSES = frozenset({ipaddress.ip_address("fd00:ec2::254")})


def is_refused_address(host: str) -> bool:
    """Whether `host`, an IP address, is one a forward may not send to (False for a name)."""
    try:
        address = ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_link_local or address.is_unspecified or address.is_multicast or address in METADATA_ADDRESSES


class RefusedAddress(OSError):
    """A host name resolved to an address forwards may not reach."""


class CheckedResolver(AbstractResolver):
    """The default resolver, refusing names that resolve to a refused address."""

    def __init__(self) -> None:
        self.resolver = DefaultResolver()

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self.resolver.resolve(host, port, family)
        refused = sorted({result["host"] for result in found if is_refused_address(result["host"])})
        if refused:
            raise RefusedAddress(f"{host} resolves to {', '.join(refused)}, a link-local or metadata address")
        return found

    async def close(self) -> None:
        await self.resolver.close()
