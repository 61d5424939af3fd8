"""The `output` and `proxy` args of `SpeechContainersArgs`, for locked-down environments (re-exported by
components/args.py, which keeps every public input type importable from one place; this module keeps args.py within
the 400-line limit).

No `from __future__ import annotations` here: Pulumi's schema inference reads the annotations as objects.
"""

from typing import Required, TypedDict

import pulumi


class OutputArgs(TypedDict, total=False):
    """A writable output volume on every deployment (`Mounts:Output`): the containers' log files, and the usage
    records of disconnected containers. ACI: an Azure Files share per replica; AKS: one Azure Files claim per
    deployment, each pod writing into a folder named after it."""

    enabled: bool
    """Mount it (default true once `output` is set)."""
    storage_gb: int
    """Size of each share or claim in GB (default 16)."""
    disk_logs: bool
    """Write the containers' logs to it as JSON files (`Logging:Disk:Format=json`, default true)."""
    max_file_size_mb: int
    """Start a new log file at this size in MB (`Logging:Disk:MaxFileSize`; the containers' default is 1)."""


class ProxyArgs(TypedDict, total=False):
    """An HTTP proxy for the containers' outbound calls (billing) and the preflight."""

    url: Required[str]
    """The proxy, e.g. http://proxy.contoso.com:3128 (no credentials in it)."""
    credentials: pulumi.Input[str]
    """`user:password` for the proxy (`HTTP_PROXY_CREDS`); set it as a secret."""
    no_proxy: list[str]
    """More hosts, domains (`.contoso.com`) or IP ranges that bypass the proxy; localhost and 127.0.0.1 always do."""
