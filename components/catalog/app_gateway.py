"""Facts about Azure Application Gateway v2, the load-balanced HTTPS/WSS front of ACI groups (components/aci/front.py).

Each fact carries the page it comes from, read on 2026-12-02.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

from components.catalog.containers import Source

_APPGW: Final = "https://learn.microsoft.com/azure/application-gateway"
_WAF: Final = "https://learn.microsoft.com/azure/web-application-firewall/ag"

#: "Application Gateway provides native support for WebSocket across all gateway sizes. There is no
#: user-configurable setting to selectively enable or disable WebSocket support." Once upgraded, "WAF can't parse
#: any content and doesn't perform any inspection" of the frames: only the HTTP handshake is inspected.
WEBSOCKET_SOURCE: Final = Source(f"{_APPGW}/application-gateway-websocket", "native WebSocket; WAF sees the handshake")
#: requestTimeout: "Acceptable values are from 1 second to 86400 seconds" (ApplicationGatewayBackendHttpSettings).
REQUEST_TIMEOUT_SOURCE: Final = Source(
    "https://learn.microsoft.com/javascript/api/@azure-rest/arm-network/applicationgatewaybackendhttpsettingspropertiesformat",
    "requestTimeout 1-86400 s",
)
#: connectionDraining.drainTimeoutInSec: "Acceptable values are from 1 second to 3600 seconds"; draining keeps
#: open connections to a member removed from the pool (or unhealthy) alive that long, and sends it no new request.
DRAINING_SOURCE: Final = Source(
    "https://learn.microsoft.com/javascript/api/@azure/arm-network/applicationgatewayconnectiondraining",
    "drainTimeoutInSec 1-3600 s",
)
#: Overview: connection draining applies to members "explicitly removed from the backend pool" and to unhealthy ones.
DRAINING_BEHAVIOUR_SOURCE: Final = Source(f"{_APPGW}/features#connection-draining")
#: "TCP ports 65200-65535 for the v2 SKU with the destination subnet as Any and source as GatewayManager service
#: tag"; "outbound Internet connectivity can't be blocked"; traffic from the AzureLoadBalancer tag must be allowed.
#: A v2 gateway "can support up to 125 instances ... a subnet size of /24 is recommended", and the subnet holds
#: only application gateways.
INFRASTRUCTURE_SOURCE: Final = Source(f"{_APPGW}/configuration-infrastructure#network-security-groups")
#: Key Vault certificates: v2 SKU only; a user-assigned identity with Key Vault Secrets User (RBAC vaults); a
#: version-less secret id is polled every four hours for a renewed version; "only Key Vault accounts in the same
#: subscription as the Application Gateway resource"; trusted-service bypass for firewalled vaults.
KEY_VAULT_SOURCE: Final = Source(f"{_APPGW}/key-vault-certs", "same subscription; Key Vault Secrets User; 4 h poll")
#: Key Vault publicNetworkAccess "Disabled": "all traffic except private endpoint traffic and that that originates from
#: trusted services will be blocked" (the gateway is a trusted service through its user-assigned identity, with the
#: vault's bypass AzureServices; a deployment script is not).
VAULT_TRUSTED_SERVICES_SOURCE: Final = Source(
    "https://learn.microsoft.com/dotnet/api/azure.provisioning.keyvault.keyvaultproperties.publicnetworkaccess",
    "disabled: private endpoints and trusted services only",
)
#: Health probes: HTTP/HTTPS only; interval 30 s, timeout 30 s, unhealthy threshold 3 by default (v2 waits the
#: interval between retries); "a status code between 200 and 399 is considered healthy"; probes to private members
#: come from the gateway subnet's addresses (an NSG on the groups' subnet must let them in).
PROBE_SOURCE: Final = Source(f"{_APPGW}/application-gateway-probe-overview")
#: Autoscaling v2: "The instance counts can range from 0 to 125. The default value for maximum instance count is 20";
#: zero minimum instances "still ensures high availability"; the gateway has a fixed hourly price besides capacity; a
#: v2 gateway "can span multiple Availability Zones" where the region has them (its public IP then too).
AUTOSCALE_SOURCE: Final = Source(f"{_APPGW}/application-gateway-autoscaling-zone-redundant")
#: TLS policy: predefined AppGwSslPolicy20220101 (TLS 1.2 minimum, the recommended one).
TLS_POLICY_SOURCE: Final = Source(f"{_APPGW}/application-gateway-ssl-policy-overview")
#: DRS 2.1 rule 920420 "Request content type is not allowed by policy" (PROTOCOL-ENFORCEMENT); XSS rules 941100
#: (libinjection), 941110 (script tag vector), 941160 (NoScript InjectionChecker: HTML injection).
DRS_RULES_SOURCE: Final = Source(f"{_WAF}/application-gateway-crs-rulegroups-rules?tabs=drs21")
#: "If the container group is stopped, started, or restarted, the container group's private IP is subject to change.
#: If this happens, you will need to update the application gateway configuration" (ACI's own Application Gateway
#: how-to). The rotation puts restarted groups back at their current address; `pulumi up` writes the pools from the
#: groups' current addresses too.
ACI_PRIVATE_IP_SOURCE: Final = Source(
    "https://learn.microsoft.com/azure/container-instances/container-instances-application-gateway",
    "a restarted group's private IP may change",
)
#: WAF request size limits: with request body enforcement off, a body over the maximum size is not refused; the WAF
#: inspects it up to the body inspection limit (128 KB by default) and lets the rest through.
WAF_BODY_LIMITS_SOURCE: Final = Source(f"{_WAF}/application-gateway-waf-request-size-limits")
#: "Requests that use the REST API for short audio and transmit audio directly can contain no more than 60 seconds of
#: audio": about 1.9 MB of 16 kHz 16-bit PCM, over the WAF's default body limits.
SHORT_AUDIO_SOURCE: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/speech-service/rest-speech-to-text-short", "up to 60 s of audio"
)
#: Platform metric UnhealthyHostCount ("Unhealthy Host Count") of Microsoft.Network/applicationGateways, by dimension
#: BackendSettingsPool.
GATEWAY_METRICS_SOURCE: Final = Source(
    "https://learn.microsoft.com/azure/azure-monitor/reference/supported-metrics/microsoft-network-applicationgateways-metrics"
)
#: NGroups are documented as "About NGroups (Preview)", and load-balance through an Application Gateway too.
NGROUPS_SOURCE: Final = Source(
    "https://learn.microsoft.com/azure/container-instances/container-instance-ngroups/container-instances-about-ngroups",
    "preview",
)


@dataclass(frozen=True)
class WafOverride:
    """A managed rule the speech traffic trips, turned off, and why."""

    group: str
    rule_id: str
    why: str
    #: Only with a neural text-to-speech deployment (SSML bodies).
    tts_only: bool = False


@dataclass(frozen=True)
class AppGatewayFacts:
    """Application Gateway v2 facts the ACI front relies on (the AKS gateway, Application Gateway for Containers, is
    catalog/gateway.py)."""

    #: SKUs (name == tier): Standard_v2, or WAF_v2 for a WAF policy.
    sku: str = "Standard_v2"
    waf_sku: str = "WAF_v2"
    #: The longest drain (connectionDraining.drainTimeoutInSec): a stream budget above it cannot be drained.
    max_drain_seconds: int = 3600
    #: The longest request timeout (requestTimeout).
    max_request_timeout_seconds: int = 86400
    #: Probes: every 15 s (default 30), 10 s timeout, unhealthy after 3 failures; 200-399 is healthy.
    probe_interval_seconds: int = 15
    probe_timeout_seconds: int = 10
    probe_unhealthy_threshold: int = 3
    probe_status_codes: tuple[str, ...] = ("200-399",)
    #: Autoscale bounds (instance counts 0-125); a maximum under 2 would leave no room to scale, so it is refused.
    max_instances: int = 125
    min_max_capacity: int = 2
    #: Inbound rules the gateway subnet's NSG needs (name, priority, protocol, source tag, destination ports).
    nsg_rules: tuple[tuple[str, int, str, str, str], ...] = (
        ("allow-gateway-manager", 100, "Tcp", "GatewayManager", "65200-65535"),
        ("allow-azure-load-balancer", 110, "*", "AzureLoadBalancer", "*"),
        ("allow-https", 120, "Tcp", "Internet", "443"),
    )
    #: The smallest subnet that holds a gateway at full scale (125 instances + 5 reserved by Azure).
    recommended_prefix_length: int = 24
    tls_policy: str = "AppGwSslPolicy20220101"
    #: The WAF's managed rule set.
    rule_set_type: str = "Microsoft_DefaultRuleSet"
    rule_set_version: str = "2.1"
    #: Rules legitimate Speech requests trip. The Speech SDK's and REST calls' bodies are audio
    #: (`audio/wav; codecs=audio/pcm`) or SSML (`application/ssml+xml`), neither among the rule set's allowed
    #: content types; SSML is XML markup (`<speak>`, `<voice>`), which the XSS rules read as HTML injection.
    waf_overrides: tuple[WafOverride, ...] = field(
        default=(
            WafOverride("PROTOCOL-ENFORCEMENT", "920420", "audio/* and application/ssml+xml content types"),
            WafOverride("XSS", "941100", "SSML markup in the body", tts_only=True),
            WafOverride("XSS", "941110", "SSML markup in the body", tts_only=True),
            WafOverride("XSS", "941160", "SSML markup in the body", tts_only=True),
        )
    )


APP_GATEWAY: Final = AppGatewayFacts()
