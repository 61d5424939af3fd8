"""Preflight on AKS: a Job that runs Microsoft's diagnostic container with the stack's billing settings.

pulumi-kubernetes waits for a Job to finish, so `pulumi up` fails with the Job's logs when the Speech pool
cannot reach the billing endpoint (DNS, firewall, private endpoint, wrong key) instead of leaving containers
that start and then stop serving after ten failed usage reports.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.pods import credential_env, resources, speech_pod

JOB_NAME = "speech-preflight"


class PreflightJob(pulumi.ComponentResource):
    """Checks billing connectivity from the Speech pool with the key and endpoint pods will use."""

    def __init__(
        self,
        name: str,
        namespace: pulumi.Output[str],
        pool: SpeechNodePool,
        credentials: SpeechCredentials,
        provider: k8s.Provider,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:PreflightJob", name, None, opts)
        facts = catalog.PREFLIGHT
        container: k8s.core.v1.ContainerArgsDict = {
            "name": "diagnostic",
            "image": facts.image,
            # Kubernetes expands $(VAR) from the container's env, so the key never appears in the spec.
            "args": ["eula=accept", "Billing=$(Billing)", "ApiKey=$(ApiKey)"],
            "env": credential_env(),
            "resources": resources(facts.size),
            "volume_mounts": [credentials.volume_mount()],
        }
        pod = speech_pod(pool, credentials.service_account_name, [credentials.volume()], container)
        pod["restart_policy"] = "Never"
        labels = {"app.kubernetes.io/name": JOB_NAME, "app.kubernetes.io/part-of": catalog.AKS.part_of}
        k8s.batch.v1.Job(
            f"{name}-job",
            metadata={"name": JOB_NAME, "namespace": namespace, "labels": labels},
            spec={
                "backoff_limit": facts.retries,
                "active_deadline_seconds": facts.deadline_seconds,
                "template": {"metadata": {"labels": labels}, "spec": pod},
            },
            # A Job's pod template is immutable: a changed check is a new Job.
            opts=pulumi.ResourceOptions(
                parent=self,
                provider=provider,
                depends_on=[*credentials.pod_prerequisites, pool.agent_pool],
                replace_on_changes=["spec"],
                delete_before_replace=True,
            ),
        )
        self.register_outputs({"job": JOB_NAME})
