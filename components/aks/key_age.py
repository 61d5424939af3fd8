"""The Speech key's age on AKS, from the vault itself: a CronJob, with the Speech pods' workload identity, reads the
key secret's current version and prints one JSON line (`speechKeyCreated`, the version's creation time, and the
tags `speech-key-name` and `rotation-completed-at`) that Container insights collects into ContainerLogV2.

The key-age alert (components/azure/alert_rules.py) reads the latest line. Every rotation stores the new key as a
new secret version (rotation/vault.py), so the version's creation time is when the key the containers use was
issued. Log search alerts read two days at most, hence a report every few hours rather than a rotation event
months back. The same sign-in and read as the ingress certificate check (certificate_gate.py).
"""

from __future__ import annotations

from typing import Final

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.cluster import SpeechNodePool
from components.aks.credentials import SpeechCredentials
from components.aks.pods import speech_pod
from components.aks.vault_cli import vault_cli_container, vault_cli_labels
from components.hosting import VaultRef

JOB_NAME: Final = "speech-key-age"
#: The container's name: the alert selects its lines by it.
CONTAINER: Final = "key-age"
#: Every six hours (a minute past the hour, off the top of the hour).
SCHEDULE: Final = "17 */6 * * *"
DEADLINE_SECONDS: Final = 300


def report_script(secret: str) -> str:
    """Print the secret's creation time and key tags as one line of JSON, after signing in (the value is read by
    the API but never printed)."""
    query = (
        f'{{speechKeyCreated: attributes.created, speechKeyName: tags."{catalog.KEY_NAME_TAG}", '
        'rotationCompletedAt: tags."rotation-completed-at"}'
    )
    return f"az keyvault secret show --vault-name \"$VAULT\" --name {secret} --query '{query}' -o json | tr -d '\\n '"


def key_age_reporter(
    name: str,
    vault: VaultRef,
    namespace: pulumi.Input[str],
    pool: SpeechNodePool,
    credentials: SpeechCredentials,
    provider: k8s.Provider,
    parent: pulumi.Resource,
) -> k8s.batch.v1.CronJob:
    """The CronJob that reports the key's age (never two at once; one finished Job kept for `kubectl logs`)."""
    container = vault_cli_container(
        CONTAINER, report_script(vault.api_key_secret_name), vault, credentials.azure_cli_image, credentials.proxy
    )
    labels = vault_cli_labels(JOB_NAME)
    pod: k8s.core.v1.PodSpecArgsDict = {
        **speech_pod(pool, credentials.service_account_name, [], container),
        "restart_policy": "Never",
    }
    job: k8s.batch.v1.JobSpecArgsDict = {
        "backoff_limit": 1,
        "active_deadline_seconds": DEADLINE_SECONDS,
        "template": {"metadata": {"labels": labels}, "spec": pod},
    }
    spec: k8s.batch.v1.CronJobSpecArgsDict = {
        "schedule": SCHEDULE,
        "concurrency_policy": "Forbid",
        "successful_jobs_history_limit": 1,
        "failed_jobs_history_limit": 1,
        "job_template": {"spec": job},
    }
    return k8s.batch.v1.CronJob(
        f"{name}-key-age",
        metadata={"name": JOB_NAME, "namespace": namespace, "labels": labels},
        spec=spec,
        opts=pulumi.ResourceOptions(parent=parent, provider=provider, depends_on=credentials.pod_prerequisites),
    )
