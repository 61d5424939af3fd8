"""`aci.front` -> FrontConfig: the Application Gateway v2 in front of VNet-injected ACI groups, with the checks that
span several keys (a subnet for the gateway, VNet groups behind it, a stream budget the gateway can drain, where
the certificate comes from, the DNS zone)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from components import catalog
from components.args import AciFrontArgs, CertificateCreate, FrontCertificateArgs, TlsMode
from components.config.fields import Problems
from components.config.rules import default


@dataclass(frozen=True)
class FrontCertificate:
    name: str
    #: An existing vault (ARM id); None: the stack's vault.
    key_vault_id: str | None
    create: CertificateCreate
    issuer: str | None


@dataclass(frozen=True)
class FrontConfig:
    #: An existing subnet for the gateway, or None when the stack creates one with `subnet_prefix`.
    subnet_id: str | None
    subnet_prefix: str | None
    #: The VNet of the groups' subnet (where the stack creates the gateway subnet).
    vnet_id: str
    domain: str
    certificate: FrontCertificate
    waf: bool
    dns_zone_id: str | None
    min_capacity: int
    max_capacity: int
    #: Availability zones of the gateway and its public IP (empty: regional).
    zones: tuple[str, ...] = ()

    def host(self, deployment: str) -> str:
        """Where one deployment answers."""
        return f"{deployment}.{self.domain}"

    @property
    def dns_zone(self) -> tuple[str, str] | None:
        """The DNS zone's resource group and name, if records are wanted."""
        if self.dns_zone_id is None:
            return None
        parts = self.dns_zone_id.split("/")
        return parts[4], parts[-1].lower()

    def record_name(self, deployment: str) -> str:
        """The A record's name relative to the zone (`stt` in zone speech.contoso.com, `stt.speech` in contoso.com)."""
        zone = self.dns_zone
        assert zone is not None
        host = self.host(deployment)
        return "@" if host == zone[1] else host.removesuffix(f".{zone[1]}")


def front(
    raw: dict[str, Any], aci_subnet_id: str | None, tls_mode: TlsMode, stream_budget: int, problems: Problems
) -> FrontConfig | None:
    """The front's settings, or None (with problems) when it cannot work as given."""
    subnet_id, prefix = raw.get("subnet_id"), raw.get("subnet_prefix")
    if subnet_id is None and prefix is None:
        problems.add(
            "aci.front.subnetId",
            "the gateway needs a subnet of its own: set subnetId (an existing subnet holding only application "
            f"gateways, a /{catalog.APP_GATEWAY.recommended_prefix_length} is recommended) or subnetPrefix (the stack "
            "creates it in the groups' VNet)",
        )
    if subnet_id is not None and prefix is not None:
        problems.add("aci.front.subnetPrefix", "give either subnetId or subnetPrefix, not both")
    if aci_subnet_id is None:
        problems.add(
            "aci.front",
            "needs VNet-injected groups: set aci.subnetId (the gateway reaches each group at its private IP; public "
            "groups terminate TLS themselves)",
        )
    elif subnet_id is not None and subnet_id.lower() == aci_subnet_id.lower():
        problems.add(
            "aci.front.subnetId",
            "is the groups' subnet (aci.subnetId); an application gateway needs a subnet of its own",
        )
    if tls_mode is not TlsMode.NONE:
        problems.add(
            "aci.tls.mode",
            f"is {tls_mode}, but with aci.front the gateway terminates TLS and reaches the groups over plain HTTP "
            "inside the VNet; remove aci.tls or set mode: none",
        )
    if stream_budget > catalog.APP_GATEWAY.max_drain_seconds:
        problems.add(
            "streamBudgetSeconds",
            f"{stream_budget} seconds is over the Application Gateway's longest connection draining "
            f"({catalog.APP_GATEWAY.max_drain_seconds} s), so a rotation or update would cut longer streams; allowed "
            f"with aci.front: up to {catalog.APP_GATEWAY.max_drain_seconds}",
        )
    certificate = _certificate(raw.get("certificate"), problems)
    low = raw.get("min_capacity", default(AciFrontArgs, "min_capacity"))
    high = raw.get("max_capacity", default(AciFrontArgs, "max_capacity"))
    if high < low:
        problems.add("aci.front.maxCapacity", f"{high} is below minCapacity ({low})")
    if certificate is None or "domain" not in raw or aci_subnet_id is None:
        return None
    config = FrontConfig(
        subnet_id=subnet_id,
        subnet_prefix=prefix,
        vnet_id=aci_subnet_id.rsplit("/subnets/", 1)[0],
        domain=raw["domain"],
        certificate=certificate,
        waf=raw.get("waf", default(AciFrontArgs, "waf")),
        dns_zone_id=raw.get("dns_zone_id"),
        min_capacity=low,
        max_capacity=high,
        zones=tuple(dict.fromkeys(raw.get("zones", ()))),
    )
    zone = config.dns_zone
    if zone is not None and not (config.domain == zone[1] or config.domain.endswith(f".{zone[1]}")):
        problems.add(
            "aci.front.dnsZoneId",
            f"zone {zone[1]} cannot hold records for {config.domain}; give the zone of the domain or of a parent",
        )
    return config


def _certificate(raw: dict[str, Any] | None, problems: Problems) -> FrontCertificate | None:
    if raw is None or "name" not in raw:
        return None  # the reader reported the missing key
    create = raw.get("create", default(FrontCertificateArgs, "create"))
    issuer = raw.get("issuer")
    if create is not CertificateCreate.NONE and "key_vault_id" in raw:
        problems.add(
            "aci.front.certificate.keyVaultId",
            f"create: {create} makes the certificate in the stack's own vault; remove keyVaultId, or create: none "
            "to use a certificate that exists in that vault",
        )
    if create is CertificateCreate.ISSUER and issuer is None:
        problems.add("aci.front.certificate.issuer", "is required with create: issuer (the vault's issuer name)")
    if create is not CertificateCreate.ISSUER and issuer is not None:
        problems.add("aci.front.certificate.issuer", f"is only used with create: issuer, not {create}")
    return FrontCertificate(raw["name"], raw.get("key_vault_id"), create, issuer)


def check_vault_reachable(front_config: FrontConfig | None, vault_public: bool, problems: Problems) -> None:
    """A certificate the stack creates is written by a deployment script from outside the VNet: the vault must
    accept it (the gateway itself reads a firewalled vault as a trusted service)."""
    if front_config is not None and front_config.certificate.create is not CertificateCreate.NONE and not vault_public:
        problems.add(
            "aci.front.certificate.create",
            "the stack's vault has public network access off, so the script that creates the certificate cannot "
            "reach it; create or import it yourself (az keyvault certificate create/import, from inside the VNet) "
            "and set create: none",
        )
