"""Writes the Kubernetes objects a plan registers as plain manifests, so manifest scanners (checkov) can read them.

apiVersion and kind come from the type token (`kubernetes:apps/v1:Deployment`), the body is the registered inputs;
secrets become a placeholder and whole-number floats (the engine's wire form) become integers again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from plan import offline
from plan.command import SECRET_PLACEHOLDER


def plain(value: Any) -> Any:
    """Inputs as manifest values: secrets hidden, 5000.0 back to 5000."""
    if isinstance(value, offline.Secret):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def manifest(registration: offline.Registration) -> dict[str, Any]:
    _, group_version, kind = registration.type.split(":")
    body = {k: v for k, v in plain(registration.inputs).items() if k not in ("apiVersion", "kind")}
    body.setdefault("metadata", {}).setdefault("name", registration.name)
    return {"apiVersion": group_version.removeprefix("core/"), "kind": kind, **body}


def kubernetes_manifests(plan: offline.Plan) -> list[dict[str, Any]]:
    return [manifest(r) for r in plan.registrations if r.type.startswith("kubernetes:")]


def write_manifests(plans: Iterable[tuple[str, offline.Plan]], directory: Path) -> list[Path]:
    """One multi-document YAML file per plan that has Kubernetes objects, named after the plan's label."""
    written = []
    for label, plan in plans:
        documents = kubernetes_manifests(plan)
        if documents:
            path = directory / f"{label.replace('/', '-')}.yaml"
            path.write_text(yaml.safe_dump_all(documents, sort_keys=False))
            written.append(path)
    return written
