"""The `aci.front` args of `AciArgs` (re-exported by components/args.py, which keeps every public input type
importable from one place; this module keeps args.py within the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from enum import StrEnum
from typing import Required, TypedDict


class CertificateCreate(StrEnum):
    """Whether the stack creates the front's certificate in its vault, and how."""

    NONE = "none"
    """It exists already (imported or issued by you); a missing one fails the update with a clear error."""
    SELF_SIGNED = "self-signed"
    """A self-signed certificate for the front's hosts (development: clients must trust it)."""
    ISSUER = "issuer"
    """Issued by the vault's certificate issuer named in `issuer` (a Key Vault-integrated CA, e.g. DigiCert)."""


class FrontCertificateArgs(TypedDict, total=False):
    """The front's TLS certificate: a Key Vault certificate the gateway reads through its managed identity."""

    name: Required[str]
    """The certificate's name in the vault."""
    key_vault_id: str
    """An existing vault holding it, in the stack's subscription (default: the stack's vault)."""
    create: CertificateCreate
    """none (default: it must exist), self-signed or issuer: the stack creates it in its own vault."""
    issuer: str
    """The vault's certificate issuer, for create: issuer."""


class AciFrontArgs(TypedDict, total=False):
    """One load-balanced HTTPS/WSS endpoint per deployment: an Application Gateway v2 in front of VNet groups."""

    subnet_id: str
    """An existing subnet only for the gateway (a /24 is recommended); its NSG must allow what the README lists."""
    subnet_prefix: str
    """Or: the stack creates the gateway subnet with this prefix in the groups' VNet, with its NSG."""
    domain: Required[str]
    """Deployment `x` answers at `x.<domain>`."""
    certificate: Required[FrontCertificateArgs]
    waf: bool
    """Put a WAF policy (Microsoft_DefaultRuleSet 2.1, Prevention) on the gateway, with the speech exclusions."""
    dns_zone_id: str
    """An Azure DNS zone (of the domain or a parent) that gets an A record per deployment."""
    min_capacity: int
    """Autoscale minimum instances (default 1)."""
    max_capacity: int
    """Autoscale maximum instances (default 10)."""
    zones: list[str]
    """Availability zones the gateway and its public IP span (e.g. ["1", "2", "3"]; default none)."""


class FrontOutput(TypedDict, total=False):
    """What the rotation command needs to drain a rollout batch at the gateway (stack output aciFront)."""

    id: str
    """The Application Gateway's resource id."""
    drainSeconds: int
    """How long a member removed from its pool keeps its open streams (the stream budget)."""
    pools: dict[str, str]
    """Each deployment's backend pool name."""
