"""The settings a locked-down stack adds to every Speech container, whatever the host: the output mount with its
disk logs, and the HTTP proxy (components/config/lockdown.py explains the choices; catalog/lockdown.py the facts).

Hosts turn each `Setting` into their own environment variable: secret ones become ACI secure values, or on AKS a
reference to the Secret that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import catalog
from components.args import TlsMode
from components.config.lockdown import OutputConfig, ProxyConfig
from components.config.model import ContainerConfig, StackConfig


@dataclass(frozen=True)
class Setting:
    name: str
    value: pulumi.Input[str]
    secret: bool = False


def output_settings(output: OutputConfig | None) -> list[Setting]:
    """`Mounts__Output`, and the JSON disk logs that write into it (only ever with the mount: the containers fail
    on disk logs without one)."""
    if output is None:
        return []
    facts = catalog.OUTPUT
    found = [Setting(facts.mount_setting, facts.mount_path)]
    if output.disk_logs:
        found.append(Setting(facts.disk_format_setting, facts.disk_format))
        if output.max_file_size_mb is not None:
            found.append(Setting(facts.max_file_size_setting, str(output.max_file_size_mb)))
    return found


def proxy_settings(proxy: ProxyConfig | None) -> list[Setting]:
    """HTTP_PROXY and HTTPS_PROXY (the same proxy), NO_PROXY, and HTTP_PROXY_CREDS as a secret."""
    if proxy is None:
        return []
    facts = catalog.PROXY
    found = [
        Setting(facts.url_setting, proxy.url),
        Setting(facts.https_url_setting, proxy.url),
        Setting(facts.no_proxy_setting, ",".join(proxy.no_proxy)),
    ]
    if proxy.credentials is not None:
        found.append(Setting(facts.credentials_setting, proxy.credentials, secret=True))
    return found


def container_settings(container: ContainerConfig) -> list[Setting]:
    """What the stack's output volume and proxy add to one Speech container."""
    return [*output_settings(container.output), *proxy_settings(container.proxy)]


def stack_images(settings: StackConfig) -> list[str]:
    """Every image the stack pulls, as on MCR: each deployment's Speech image, busybox (the AVX2 check, the drain
    sidecar, the model download's waiter), the Azure CLI (the preflight and the vault checks) and, on ACI, the TLS
    sidecar."""
    found = [c.spec.image(c.tag) for c in settings.containers]
    found += [catalog.BUSYBOX_IMAGE, catalog.PREFLIGHT.image]
    if settings.aci is not None:
        found.append(settings.aci.avx2_check_image)
        if settings.aci.tls.mode is not TlsMode.NONE:
            found.append(settings.aci.tls.proxy_image)
    return found


def license_settings(round_: pulumi.Input[str] | None = None) -> list[Setting]:
    """A disconnected container's license settings: where the license is (`Mounts__License`), and for the download
    (`round_` given) `DownloadLicense=True` and the renewal round, whose change makes the download run again."""
    facts = catalog.DISCONNECTED
    found = [Setting(facts.license_setting, facts.license_mount_path)]
    if round_ is not None:
        found = [
            Setting(facts.download_setting, facts.download_value),
            *found,
            Setting(facts.round_setting, round_),
        ]
    return found


def through_proxy(command: list[str], proxy: ProxyConfig | None) -> list[str]:
    """A `/bin/sh -c` command for tools that take proxy credentials only in the proxy URL (the Azure CLI): with
    credentials, the shell puts `HTTP_PROXY_CREDS` into `HTTPS_PROXY` before it runs (the secret stays in the
    environment, never in the spec)."""
    if proxy is None or proxy.credentials is None:
        return command
    shell, flag, script = command
    prefix = (
        'export HTTPS_PROXY="${HTTPS_PROXY%%://*}://$HTTP_PROXY_CREDS@${HTTPS_PROXY#*://}"'
        ' HTTP_PROXY="${HTTP_PROXY%%://*}://$HTTP_PROXY_CREDS@${HTTP_PROXY#*://}"; '
    )
    return [shell, flag, prefix + script]
