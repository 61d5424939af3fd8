"""Disconnected containers on AKS: each deployment's license, downloaded by a Job before its Deployment starts.

The license lives on a ReadWriteMany Azure Files claim (`<deployment>-license`, standard, 1 GiB) that every replica
mounts at `Mounts:License`. The Job runs the deployment's own image once, connected, with `DownloadLicense=True`,
`Billing` and `ApiKey` (from the synced Secret) and the proxy if any (catalog.LICENSE_DOWNLOAD); the container writes
the license and exits, the Job completes, and the Deployment (which waits for it) starts on the license with no
billing settings at all. Its pod template holds the image and the renewal round, so a new image or a due renewal
makes a new Job (`replace_on_changes`), which downloads the license again; a failed download fails `pulumi up`.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.pods import (
    LICENSE_VOLUME,
    claim_volume,
    credential_env,
    labels,
    one_shot_job,
    resources,
    speech_pod,
    variables,
)
from components.config.model import ContainerConfig
from components.lockdown import license_settings, proxy_settings

#: Pulling the image and downloading the license take minutes; a hung download fails `pulumi up` after this.
DEADLINE_SECONDS = 30 * 60
LICENSE_STORAGE_GB = 1


def license_claim_name(container: ContainerConfig) -> str:
    return f"{container.name}-license"


def license_volume(container: ContainerConfig) -> tuple[k8s.core.v1.VolumeArgsDict, k8s.core.v1.VolumeMountArgsDict]:
    """The license claim, mounted at `Mounts:License` (every replica reads the one license)."""
    return claim_volume(LICENSE_VOLUME, license_claim_name(container), catalog.DISCONNECTED.license_mount_path)


def license_download_job(
    name: str,
    container: ContainerConfig,
    namespace: pulumi.Input[str],
    pool: SpeechNodePool,
    service_account: str,
    volumes: list[k8s.core.v1.VolumeArgsDict],
    mounts: list[k8s.core.v1.VolumeMountArgsDict],
    license_round: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> k8s.batch.v1.Job:
    """The Job that downloads `container`'s license onto its claim (among `volumes`)."""
    job_labels = {**labels(container), "app.kubernetes.io/component": "license-download"}
    settings = [*license_settings(license_round), *proxy_settings(container.proxy)]
    speech: k8s.core.v1.ContainerArgsDict = {
        "name": "license",
        "image": container.image,
        "env": [{"name": "Eula", "value": "accept"}, *variables(settings), *credential_env()],
        "resources": resources(container.size),
        "volume_mounts": mounts,
    }
    pod = speech_pod(pool, service_account, volumes, speech)
    return one_shot_job(
        f"{name}-license-download",
        f"{container.name}-license-download",
        namespace,
        job_labels,
        pod,
        DEADLINE_SECONDS,
        1,
        opts,
    )
