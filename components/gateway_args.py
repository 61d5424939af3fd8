"""The `aks.gateway` args of `SpeechContainersArgs` (re-exported by components/args.py, which keeps every public
input type importable from one place; this module keeps args.py within the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from typing import Required, TypedDict


class GatewayArgs(TypedDict, total=False):
    """HTTPS/WSS through Application Gateway for Containers (Gateway API): `<deployment>.<domain>`."""

    domain: Required[str]
    """The DNS domain, e.g. speech.contoso.com; each deployment is served at `<deployment>.<domain>`."""
    certificate_name: Required[str]
    """A Key Vault certificate in the stack's vault covering `*.<domain>`."""
    subnet_id: str
    """A subnet of the cluster's VNet delegated to Microsoft.ServiceNetworking/trafficControllers (a /24)."""
    subnet_prefix: str
    """Instead of subnetId: the stack creates the delegated subnet with this prefix (exactly a /24) in the VNet of
    aks.cluster.vnetSubnetId."""
    dns_zone_id: str
    """An Azure DNS zone (the domain or a parent of it): the stack adds a CNAME per host to the gateway's address."""
    dns_ttl_seconds: int
    """TTL of those records (default 300)."""
