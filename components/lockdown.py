"""The settings a locked-down stack adds to every Speech container, whatever the host: the output mount with its
disk logs, and the HTTP proxy (components/config/lockdown.py explains the choices; catalog/lockdown.py the facts).

Hosts turn each `Setting` into their own environment variable: secret ones become ACI secure values, or on AKS a
reference to the Secret that holds them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi

from components import catalog
from components.config.lockdown import OutputConfig, ProxyConfig
from components.config.model import ContainerConfig


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
