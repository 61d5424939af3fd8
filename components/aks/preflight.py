"""Preflight on AKS: a Job that asks the billing endpoint for a token with the key (catalog.PREFLIGHT), from the
Speech pool, with the pods' own credentials.

pulumi-kubernetes waits for a Job to finish, so `pulumi up` fails with the Job's logs when the Speech pool cannot
reach the billing endpoint (DNS, firewall, private endpoint, wrong key) instead of leaving containers that start
and then stop serving after ten failed usage reports. A failed Job would stay failed and be awaited again on every
later `pulumi up`; `pulumi.com/replaceUnready` makes the next `pulumi up` run it again instead.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.pods import credential_env, one_shot_job, resources, speech_pod, variables
from components.config.lockdown import ProxyConfig
from components.lockdown import proxy_settings

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
        proxy: ProxyConfig | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:PreflightJob", name, None, opts)
        facts = catalog.PREFLIGHT
        container: k8s.core.v1.ContainerArgsDict = {
            "name": "preflight",
            "image": credentials.azure_cli_image,
            # The shell reads the key from the environment (the synced Secret), so it never appears in the spec.
            "command": facts.command_with_proxy_user if proxy and proxy.credentials else facts.command,
            # Through the containers' proxy, if any: the path their usage reports take.
            "env": [*credential_env(), *variables(proxy_settings(proxy))],
            "resources": resources(facts.size),
            "volume_mounts": [credentials.volume_mount()],
        }
        pod = speech_pod(pool, credentials.service_account_name, [credentials.volume()], container)
        labels = {"app.kubernetes.io/name": JOB_NAME, "app.kubernetes.io/part-of": catalog.AKS.part_of}
        one_shot_job(
            f"{name}-job",
            JOB_NAME,
            namespace,
            labels,
            pod,
            facts.deadline_seconds,
            facts.retries,
            pulumi.ResourceOptions(
                parent=self, provider=provider, depends_on=[*credentials.pod_prerequisites, pool.agent_pool]
            ),
        )
        self.register_outputs({"job": JOB_NAME})
