"""Facts about the platforms the containers run on: ACI limits, Azure roles, AKS names, TLS, the preflight."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum
from typing import Final

from components.catalog.containers import Size


@dataclass(frozen=True)
class AciLimits:
    """Azure Container Instances limits for a standard container group (Linux), from
    https://learn.microsoft.com/azure/container-instances/container-instances-resource-and-quota-limits (read
    2026-12-02): 31 vCPU / 240 GB per group; "more than 4 vCPUs and 16 GB" may fail on regional capacity; 100 cores
    and 100 container groups per region and subscription by default (quotas that can be raised); 60 containers."""

    max_group: Size = Size(31, 240)
    #: Larger groups may fail on regional capacity and need a quota request.
    reliable_group: Size = Size(4, 16)
    default_regional_cores: int = 100
    #: Container groups per region per subscription (a quota: it can be raised on request).
    max_groups_per_region: int = 100
    max_containers_per_group: int = 60


ACI: Final = AciLimits()

#: Tag name/value pairs Azure allows on one resource (names up to 512 characters, values up to 256), from
#: https://learn.microsoft.com/azure/azure-resource-manager/management/tag-resources#limitations (read 2026-12-02).
AZURE_MAX_TAGS: Final = 50


# --- Key Vault contract with the rotation command ---------------------------------------------------------------

#: Tag on the API key secret naming which account key (Key1/Key2) its current version holds.
KEY_NAME_TAG: Final = "speech-key-name"

#: Key Vault publishes Microsoft.KeyVault.SecretNearExpiry this long before the current version's expiry, from
#: https://learn.microsoft.com/azure/event-grid/event-schema-key-vault (read 2026-12-02). Whether Key Vault refuses
#: to return an expired secret is reported both ways (https://github.com/Azure/AzureKeyVault/issues/19), so the
#: default expiry lies this long after the key is due, never at it.
SECRET_NEAR_EXPIRY_NOTICE: Final = timedelta(days=30)


# --- Azure built-in roles the package grants ------------------------------------------------------------------


class Role(StrEnum):
    """Built-in role definition GUIDs (the same in every Azure cloud), from
    https://learn.microsoft.com/azure/role-based-access-control/built-in-roles (read 2026-12-02)."""

    KEY_VAULT_SECRETS_USER = "4633458b-17de-408a-b874-0445c86b69e6"
    KEY_VAULT_SECRETS_OFFICER = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7"
    COGNITIVE_SERVICES_CONTRIBUTOR = "25fbc0a9-bd7c-42a3-aa1a-3b75d497ee68"
    KEY_VAULT_CERTIFICATE_USER = "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba"
    #: listClusterUserCredential: fetch a kubeconfig whose rights come from RBAC (the rotation operators).
    AKS_CLUSTER_USER = "4abbcc35-e782-43d8-92c5-2d3f1bd2253f"
    #: Creates the front's certificate in the vault (components/aci/front_certificate.py).
    KEY_VAULT_CERTIFICATES_OFFICER = "a4417e6f-fecd-4de8-b567-7b0420556985"
    #: Kubernetes cluster-admin through Azure RBAC, for clusters with local accounts off.
    AKS_RBAC_CLUSTER_ADMIN = "b1ff04bb-8a4e-4dc4-8eb5-8693973ce19b"
    #: Pull images from a container registry (the AKS kubelet identity, the ACI groups' pull identity).
    ACR_PULL = "7f951dda-4ed3-4680-a7ca-43fe172d538d"
    #: The ALB controller's roles for Application Gateway for Containers (catalog.gateway: configures the
    #: traffic controller, joins its subnet, reads the cluster's node resource group).
    APPGW_FOR_CONTAINERS_CONFIGURATION_MANAGER = "fbc52c3f-28ad-4303-a892-8a056630b8f1"
    NETWORK_CONTRIBUTOR = "4d97b98b-1d4d-4787-a291-c67834d212e7"
    READER = "acdd72a7-3385-48ef-bd42-f606fba81ae7"


# --- AKS: Kubernetes names the rotation command relies on, and AKS facts ----------------------------------------


@dataclass(frozen=True)
class AksFacts:
    """Names shared by the AKS host and the rotation command (a contract: keep them) and facts about AKS."""

    #: The Kubernetes Secret the Key Vault CSI driver syncs, and its data keys; pods read them as env vars.
    credentials_secret: str = "speech-credentials"
    api_key_data_key: str = "api-key"
    billing_endpoint_data_key: str = "billing-endpoint"
    #: Pod-template annotation rotation patches to restart pods onto a new key. The stack never sets it, so
    #: server-side apply leaves it to rotation.
    restarted_at_annotation: str = "speech-containers.io/restarted-at"
    #: Value of `app.kubernetes.io/part-of` on every Speech workload; `app.kubernetes.io/component` is the kind.
    part_of: str = "speech-containers"
    #: The longest node drain an agent pool's upgrade settings accept (drainTimeoutInMinutes, 1-1440).
    max_drain_timeout_minutes: int = 1440
    #: The name of the port of every Speech Service and container; rotation reaches each pod through the pod proxy
    #: at this port's number.
    service_port_name: str = "http"
    #: The label AKS gives every node with the name of its pool.
    agentpool_label: str = "kubernetes.azure.com/agentpool"
    #: Label and NoSchedule taint (key=value) that reserve the Speech pool for Speech pods.
    pool_taint_key: str = "speech-containers.io/dedicated"
    pool_taint_value: str = "speech"
    #: The Secrets Store CSI driver the AKS add-on installs.
    secrets_store_driver: str = "secrets-store.csi.k8s.io"
    #: ReadWriteMany Azure Files (AKS built-in class) so custom-model replicas and rolling updates share one
    #: downloaded model; premium shares are at least 100 GiB (the driver rounds smaller claims up).
    model_storage_class: str = "azurefile-csi-premium"
    #: Audience Entra ID expects in a Kubernetes service account token exchanged through workload identity.
    token_exchange_audience: str = "api://AzureADTokenExchange"


AKS: Final = AksFacts()

#: What every Speech pod on AKS asks for besides its Speech container: the drain sidecar (components/aks/drain.py).
#: Sizing packs whole pods, so a pod shaped to fill a node leaves room for it.
POD_SIDECARS: Final = Size(0.01, 16 / 1024)


# --- TLS in front of the containers -----------------------------------------------------------------------------

#: The containers speak plain HTTP/WS; TLS terminates here and only this port is ever public.
TLS_PORT: Final = 443
#: nginx for the ACI TLS sidecar: Azure Linux's nginx on MCR (not Docker Hub, whose anonymous pull limits ACI hits),
#: as AKS docs and samples use it (`mcr.microsoft.com/azurelinux/base/nginx:1`; read 2026-12-02). The earlier
#: `mcr.microsoft.com/oss/nginx/nginx:1.25.5` was reported InaccessibleImage on ACI. The tag `1.25` is pulled and
#: started in public AKS event logs and samples (searched 2026-12-02; the AKS blob CSI examples use it too). A wrong
#: tag fails the group's creation at once (ACI reports InaccessibleImage), never silently.
TLS_PROXY_IMAGE: Final = "mcr.microsoft.com/azurelinux/base/nginx:1.25"
TLS_PROXY_SIZE: Final = Size(0.25, 0.5)
#: Streaming recognition keeps a WebSocket open for the whole audio; proxies must not cut it at 60 s. A stream may
#: last up to the stack's `streamBudgetSeconds`; this bounds it: AKS drains a node for at most 1440 minutes
#: (agent pool upgrade settings, drainTimeoutInMinutes).
MAX_STREAM_BUDGET_SECONDS: Final = 12 * 3600


@dataclass(frozen=True)
class PreflightFacts:
    """The check run once, from where the containers run, that the billing endpoint is reachable and the key valid.

    Microsoft's diagnostic container (`azure-cognitive-services/diagnostic`, "tests for network connectivity to the
    billing endpoint", container how-to) publishes no tag but `latest` and documents no verdict: neither its exit
    code nor its output. A check that may pass regardless gates nothing, so the preflight asks the Speech account
    for a token with the key instead ("POST https://<custom subdomain>.cognitiveservices.azure.com/sts/v1.0/
    issueToken" with `Ocp-Apim-Subscription-Key`, https://learn.microsoft.com/azure/ai-services/authentication,
    read 2026-12-02): it crosses the same DNS, network path (private endpoint, proxy, firewall) and TLS as the
    containers' usage reports, with the same key. Its verdict is curl's: `--fail` makes any HTTP error exit 22 and
    every failure exits non-zero (https://curl.se/docs/manpage.html, read 2026-12-02).
    """

    #: The Azure CLI image, for its curl and shell; a version tag on MCR (tags:
    #: https://mcr.microsoft.com/en-us/artifact/mar/azure-cli/tags; 2.67.0 is pulled by many public deployments,
    #: some pinned by digest; searched 2026-12-02). A wrong tag fails the Job's pod at once (ErrImagePull).
    image: str = "mcr.microsoft.com/azure-cli:2.67.0"
    size: Size = Size(0.5, 1)
    #: Give up after this long: a healthy check takes seconds, a blocked network hangs until timeouts.
    deadline_seconds: int = 600
    retries: int = 2

    @property
    def command(self) -> list[str]:
        """The check, reading `Billing` and `ApiKey` from the environment (never from its arguments). Behind a
        proxy, curl takes it from `HTTPS_PROXY` and `NO_PROXY` in the environment (catalog.CURL_PROXY)."""
        return self._check("")

    @property
    def command_with_proxy_user(self) -> list[str]:
        """The check through a proxy that wants credentials: `--proxy-user` from `HTTP_PROXY_CREDS` (a secret in
        the environment, like the key)."""
        return self._check(' --proxy-user "$HTTP_PROXY_CREDS"')

    @staticmethod
    def _check(options: str) -> list[str]:
        script = (
            f"curl --fail --silent --show-error --max-time 30 --retry 3 --retry-all-errors{options}"
            ' -X POST -H "Content-Length: 0" -H "Ocp-Apim-Subscription-Key: $ApiKey"'
            ' -o /dev/null "${Billing%/}/sts/v1.0/issueToken"'
            ' && echo "preflight: the billing endpoint answered and accepted the key"'
        )
        return ["/bin/sh", "-c", script]


PREFLIGHT: Final = PreflightFacts()


@dataclass(frozen=True)
class AzureCloud:
    """One Azure cloud as the tools in the cluster name it."""

    #: The rotation command's `--cloud` (rotation/clouds.py).
    rotation: str
    #: The Azure CLI's `az cloud set --name` (azure-cli src/azure-cli-core/azure/cli/core/cloud.py: AzureCloud,
    #: AzureChinaCloud, AzureUSGovernment; read 2026-12-02).
    cli: str


_PUBLIC: Final = AzureCloud(rotation="AzurePublicCloud", cli="AzureCloud")
_US_GOVERNMENT: Final = AzureCloud(rotation="AzureUSGovernment", cli="AzureUSGovernment")
_CHINA: Final = AzureCloud(rotation="AzureChinaCloud", cli="AzureChinaCloud")
#: Each `azure-native:environment` (or `ARM_ENVIRONMENT`) a stack deploys with, lowercase: "Possible values are
#: public, usgovernment, and china. Defaults to public" (pulumi_azure_native/config/vars.py in 3.29), and the aliases
#: the provider also accepts (pulumi-azure-native provider/pkg/azure/cloud/cloud.go `FromName`; read 2026-12-02).
AZURE_CLOUDS: Final = {
    "public": _PUBLIC,
    "azurecloud": _PUBLIC,
    "usgovernment": _US_GOVERNMENT,
    "usgov": _US_GOVERNMENT,
    "azureusgovernment": _US_GOVERNMENT,
    "azureusgovernmentcloud": _US_GOVERNMENT,
    "usgovernmentl4": _US_GOVERNMENT,
    "china": _CHINA,
    "azurechinacloud": _CHINA,
}
#: The Resource Manager host of each known cloud, which `azure-native:metadataHost` (or `ARM_METADATA_HOSTNAME`) may
#: name instead of `environment`; any other host is a custom cloud. The Azure CLI's cloud definitions
#: (`az cloud show --name <cloud>`, endpoints.resourceManager) and the Azure SDKs' resource manager endpoints
#: (https://docs.rs/azure_core/0.5.0/azure_core/resource_manager_endpoint/, read 2026-12-03) name these; rotation/
#: clouds.py holds the same endpoints for the command.
ARM_METADATA_HOSTS: Final = {
    "management.azure.com": _PUBLIC,
    "management.usgovcloudapi.net": _US_GOVERNMENT,
    "management.chinacloudapi.cn": _CHINA,
}
