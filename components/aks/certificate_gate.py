"""A certificate the ingress needs, checked before the ingress relies on it.

The ingress reads its certificate from the stack's vault, but nothing in ARM creates a Key Vault certificate (it is
a data-plane object), so a vault created in this `pulumi up` has none until someone imports it; the ingress would
then serve the controller's default certificate and `pulumi up` would still succeed. So a Job, with the Speech
pods' workload identity (it reads the vault's secrets; a certificate's secret has the certificate's name), asks
the vault for it first and fails with what to do; the ingress waits for the Job. `pulumi.com/replaceUnready` runs
the check again on the next `pulumi up` once the certificate is imported.
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_kubernetes as k8s

from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.pods import one_shot_job, speech_pod
from components.aks.vault_cli import vault_cli_container, vault_cli_labels
from components.hosting import VaultRef

JOB_NAME: Final = "speech-certificate-check"
DEADLINE_SECONDS: Final = 300


def check_script(certificate: str) -> str:
    """Read the certificate's secret (after signing in); say what to do when it is absent."""
    return (
        f'az keyvault secret show --vault-name "$VAULT" --name {certificate} --query id -o none'
        f" || {{ echo \"certificate '{certificate}' is not in vault $VAULT (or cannot be read): import it with"
        f" az keyvault certificate import --vault-name $VAULT -n {certificate} -f <your.pfx>, then run pulumi up"
        ' again" >&2; exit 1; }'
    )


def certificate_gate(
    name: str,
    certificate: str,
    vault: VaultRef,
    namespace: pulumi.Input[str],
    pool: SpeechNodePool,
    credentials: SpeechCredentials,
    provider: k8s.Provider,
    parent: pulumi.Resource,
    job_name: str = JOB_NAME,
) -> k8s.batch.v1.Job:
    """The Job that fails unless `certificate` is in the vault; depend on it to use the certificate."""
    container = vault_cli_container(
        "certificate-check", check_script(certificate), vault, credentials.azure_cli_image, credentials.proxy
    )
    return one_shot_job(
        f"{name}-certificate-check",
        job_name,
        namespace,
        vault_cli_labels(job_name),
        speech_pod(pool, credentials.service_account_name, [], container),
        DEADLINE_SECONDS,
        1,
        pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=credentials.pod_prerequisites),
    )
