"""Azure Files for ACI groups: the custom-model shares and the output shares (logs, usage records).

Each replica's group gets its own share (no two groups write one folder), in a storage account of the host.
A share mounted over SMB has no POSIX owners of its own, so whichever user an image runs as (the Speech images'
`nonroot`) may write it; the model shares have worked so since the first release.
"""

from __future__ import annotations

import re

import pulumi
import pulumi_azure_native.containerinstance as aci
import pulumi_azure_native.storage as storage

from components import catalog
from components.azure.naming import unique_name
from components.hosting import HostInputs

OUTPUT_VOLUME = "output"


class FilesAccount:
    """A storage account for a host's shares and its key (a Pulumi secret): `<host>-<purpose>`."""

    def __init__(self, host: str, purpose: str, inputs: HostInputs, parent: pulumi.Resource) -> None:
        self._host, self._inputs, self._parent = host, inputs, parent
        self.account = storage.StorageAccount(
            f"{host}-{purpose}",
            account_name=unique_name(purpose, inputs.resource_group_name, 24).apply(lambda n: n.replace("-", "")),
            resource_group_name=inputs.resource_group_name,
            location=inputs.location,
            kind="StorageV2",
            sku=storage.SkuArgs(name="Standard_LRS"),
            minimum_tls_version="TLS1_2",
            allow_blob_public_access=False,
            enable_https_traffic_only=True,
            tags=inputs.tags,
            opts=pulumi.ResourceOptions(parent=parent),
        )
        keys = storage.list_storage_account_keys_output(
            account_name=self.account.name, resource_group_name=inputs.resource_group_name
        )
        self.key: pulumi.Output[str] = pulumi.Output.secret(keys.keys[0].value)

    def volume(self, volume: str, resource: str, share_name: str, quota_gb: int) -> aci.VolumeArgs:
        """A new share `share_name` (resource `<host>-<resource>`) as the group volume `volume`."""
        share = storage.FileShare(
            f"{self._host}-{resource}",
            share_name=share_name,
            account_name=self.account.name,
            resource_group_name=self._inputs.resource_group_name,
            share_quota=quota_gb,
            opts=pulumi.ResourceOptions(parent=self._parent),
        )
        return aci.VolumeArgs(
            name=volume,
            azure_file=aci.AzureFileVolumeArgs(
                share_name=share.name, storage_account_name=self.account.name, storage_account_key=self.key
            ),
        )


def output_volume(
    files: FilesAccount, deployment: str, replica: int, quota_gb: int
) -> tuple[aci.VolumeArgs, aci.VolumeMountArgs]:
    """A replica's output share (`<deployment>-<replica>-output`) and its mount at `Mounts:Output`."""
    share_name = re.sub("-+", "-", f"{deployment}-{replica}-output")
    volume = files.volume(OUTPUT_VOLUME, f"{deployment}-{replica}-output", share_name, quota_gb)
    return volume, aci.VolumeMountArgs(name=OUTPUT_VOLUME, mount_path=catalog.OUTPUT.mount_path)
