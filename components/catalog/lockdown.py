"""Facts for locked-down environments: the output mount and its logging settings, and the HTTP proxy settings.

Each fact names its source (read 2026-12-02). Settings are spelled as environment variables: a config key's `:`
becomes `__` (`Mounts:Output` -> `Mounts__Output`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

from components.catalog.containers import _LEARN, Source

#: The Speech containers' configuration page: the `Mounts` and `Logging` sections.
CONFIGURATION: Final = Source(
    f"{_LEARN}/speech-container-configuration#mount-settings",
    "Output: the target of the output mount. The default value is /output. This is the location of the logs.",
)
#: The shared logging settings (included in the configuration page): the Disk provider writes JSON log files to
#: the output mount; `Format` "must be set to json to enable the logging provider"; giving it without an output
#: mount is an error; `MaxFileSize` in MB (default 1) starts a new file.
DISK_LOGGING: Final = Source(
    f"{_LEARN}/speech-container-configuration#logging-settings",
    "Logging:Disk:Format=json writes log files to the output mount; an error without an output mount",
)
#: The shared HTTP proxy settings: `HTTP_PROXY` ("the proxy to use, for example, http://proxy:8888") and
#: `HTTP_PROXY_CREDS` ("username:password").
PROXY_SETTINGS: Final = Source(
    f"{_LEARN}/speech-container-configuration#http-proxy-credentials-settings",
    "HTTP_PROXY=<proxy-url> HTTP_PROXY_CREDS=<proxy-user>:<proxy-password>",
)
#: Behind a proxy, the processes inside the container call each other over localhost through the proxy unless
#: `NO_PROXY=localhost,127.0.0.1` is set (speech-to-text and text-to-speech then fail with HTTP 500s).
NO_PROXY_ISSUE: Final = Source(
    "https://github.com/MicrosoftDocs/azure-docs/issues/112998",
    "Setting NO_PROXY=localhost,127.0.0.1 in the environment fixed the issue.",
)
#: The docs' proxy section once said HTTPS proxy for the Speech containers ("http proxy seems doesn't work with
#: speech container, it should be https proxy"): billing is an https:// URL, which .NET's environment proxy
#: takes from HTTPS_PROXY. So HTTPS_PROXY is set to the same proxy as well.
HTTPS_PROXY_NOTE: Final = Source("https://github.com/MicrosoftDocs/azure-docs/pull/60566", "it should be https proxy")
#: curl reads `HTTPS_PROXY` for https:// URLs and `NO_PROXY`, and `--proxy-user user:password` authenticates
#: (https://curl.se/docs/manpage.html, read 2026-12-02): how the preflight goes through the same proxy.
CURL_PROXY: Final = Source("https://curl.se/docs/manpage.html#-U", "--proxy-user <user:password>; HTTPS_PROXY")
#: AKS's built-in Azure Files class (standard shares, ReadWriteMany, mounted 0777 so the images' `nonroot` user
#: writes), https://learn.microsoft.com/azure/aks/azure-csi-files-storage-provision#dynamically-provision-a-volume.
AKS_FILES: Final = Source(
    "https://learn.microsoft.com/azure/aks/azure-csi-files-storage-provision#dynamically-provision-a-volume",
    "azurefile-csi: Azure Standard storage; azurefile-csi-premium: Azure Premium storage",
)


@dataclass(frozen=True)
class OutputFacts:
    """Where the containers write logs (and, disconnected, usage records), and the settings that write there."""

    #: `Mounts:Output`'s default target (CONFIGURATION); the package sets it explicitly anyway.
    mount_path: str = "/output"
    mount_setting: str = "Mounts__Output"
    #: `Logging:Disk:Format=json` turns the Disk provider on (DISK_LOGGING).
    disk_format_setting: str = "Logging__Disk__Format"
    disk_format: str = "json"
    #: `Logging:Disk:MaxFileSize`, MB per log file (default 1, DISK_LOGGING).
    max_file_size_setting: str = "Logging__Disk__MaxFileSize"
    #: AKS: standard Azure Files (AKS_FILES); no 100 GiB minimum as premium shares have.
    aks_storage_class: str = "azurefile-csi"


OUTPUT: Final = OutputFacts()


@dataclass(frozen=True)
class ProxyFacts:
    """The proxy settings the containers read (PROXY_SETTINGS, NO_PROXY_ISSUE, HTTPS_PROXY_NOTE)."""

    url_setting: str = "HTTP_PROXY"
    https_url_setting: str = "HTTPS_PROXY"
    credentials_setting: str = "HTTP_PROXY_CREDS"
    no_proxy_setting: str = "NO_PROXY"
    #: Always bypassed: the container's processes call each other on these (NO_PROXY_ISSUE).
    always_bypassed: tuple[str, ...] = ("localhost", "127.0.0.1")
    #: AKS: in-cluster names never go to the proxy (Services, the API server's in-cluster name).
    cluster_bypassed: tuple[str, ...] = (".svc", ".cluster.local", "kubernetes.default.svc")
    #: The billing host's domain: bypassed only when billing has a private path (private endpoints).
    billing_domain: str = ".cognitiveservices.azure.com"


PROXY: Final = ProxyFacts()


#: ACR artifact cache: "available in Basic, Standard, and Premium service tiers"; a rule maps a source repository
#: (`mcr.microsoft.com/<path>`) to a new ACR repository, which "can't already exist inside the ACR instance"; the
#: registry pulls from the source on the first pull and serves the cached image afterwards.
ARTIFACT_CACHE: Final = Source(
    "https://learn.microsoft.com/azure/container-registry/artifact-cache-overview",
    "Cache Rule: rule name, source, repository path, new ACR repository namespace (can't already exist)",
)
#: ACI pulls from ACR with a *user-assigned* identity only ("doesn't support system-assigned managed
#: identity-authenticated image pulls"), given in `identity` and `imageRegistryCredentials[].identity`, with AcrPull
#: on the registry; prerequisites: a Premium registry with Trusted Services allowed; works for VNet groups through
#: the registry's private endpoint (on another subnet than ACI's).
ACI_PULL: Final = Source(
    "https://learn.microsoft.com/azure/container-instances/using-azure-container-registry-mi",
    "user-assigned managed identity; imageRegistryCredentials: {server, identity}; acrpull; premium SKU",
)
#: AKS pulls from ACR with the kubelet identity holding AcrPull on the registry (`az aks update --attach-acr`
#: assigns exactly that role), https://learn.microsoft.com/azure/aks/cluster-container-registry-integration.
AKS_PULL: Final = Source(
    "https://learn.microsoft.com/azure/aks/cluster-container-registry-integration",
    "--attach-acr assigns the AcrPull role to the kubelet identity",
)


@dataclass(frozen=True)
class RegistryFacts:
    """Where images come from and how a private registry serves them."""

    #: Every image of the package is on MCR; a private registry keeps their paths under its own host.
    upstream: str = "mcr.microsoft.com"
    #: `<name>.azurecr.io` (Azure public cloud; lowercase), the login server of a registry named `<name>`.
    login_suffix: str = ".azurecr.io"
    #: Cache rule names: letters, digits and hyphens (the rule of the ACR API's `cacheRuleName`).
    rule_name_max: int = 50


REGISTRY: Final = RegistryFacts()


#: Disconnected containers: "Commitment tier disconnected containers DC0" is the account's pricing tier, bought as
#: an annual commitment plan (FAQ); Speech to text, Custom Speech to text and Neural Text to speech are offered,
#: language identification is not (the page's list).
DISCONNECTED_PAGE: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/containers/disconnected-containers",
    "Speech to text, Custom Speech to text, Neural Text to speech; usage records; /records/usage-logs/",
)
DISCONNECTED_FAQ: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/containers/disconnected-container-faq",
    'the "Commitment tier disconnected containers DC0" pricing tier; commitment plans are charged annually',
)
#: "DownloadLicense=True ... will download a license file ... It also contains an expiration date, after which the
#: license file will be invalid"; then run with `Mounts:License` and an output mount "so that billing usage
#: records can be written" (the disconnected run has no Billing or ApiKey).
LICENSE_DOWNLOAD: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/speech-service/speech-container-stt?tabs=disconnected",
    "docker run ... eula=accept billing= apikey= DownloadLicense=True Mounts:License=...; then Mounts:Output",
)
#: "we recommend that you download a new license file ... after you pull new image versions" (license files
#: decrypt files of the image they were downloaded for).
LICENSE_UPDATE: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/containers/disconnected-containers#container-image-and-license-updates",
    "download a new license file after you pull new image versions",
)
#: ARM: the account's commitment plan (`accounts/commitmentPlans`) with hostingModel `DisconnectedContainer`, a
#: planType and a tier with a count (azure-native cognitiveservices.CommitmentPlan, API 2025-06-01; the tiers a
#: region offers: GET .../locations/{location}/commitmentTiers).
COMMITMENT_PLAN: Final = Source(
    "https://learn.microsoft.com/rest/api/aiservices/accountmanagement/commitment-plans/create-or-update",
    "properties: hostingModel (Web, ConnectedContainer, DisconnectedContainer), planType, autoRenew, current.tier",
)


#: Disconnected custom speech-to-text needs "two separate speech resources": an S0 (or custom commitment) one to
#: download the model, and the DC0 one for the license; the license and billing log default to /license and
#: /output, owned by `nonroot:nonroot`.
CUSTOM_DISCONNECTED: Final = Source(
    "https://learn.microsoft.com/azure/ai-services/speech-service/speech-container-cstt?tabs=disconnected",
    "you need two separate speech resources: S0 to download the model, DC0 for the license",
)


@dataclass(frozen=True)
class DisconnectedFacts:
    """How disconnected containers are run (LICENSE_DOWNLOAD, DISCONNECTED_PAGE, DISCONNECTED_FAQ)."""

    account_sku: str = "DC0"
    hosting_model: str = "DisconnectedContainer"
    license_mount_path: str = "/license"
    license_setting: str = "Mounts__License"
    download_setting: str = "DownloadLicense"
    download_value: str = "True"
    #: Usage summary of the mounted records (`/records/usage-logs/{MONTH}/{YEAR}` for one month).
    usage_path: str = "/records/usage-logs/"
    #: Not ours to set: changes of it make each license download run again (the renewal round).
    round_setting: str = "SPEECH_CONTAINERS_LICENSE_ROUND"


DISCONNECTED: Final = DisconnectedFacts()
