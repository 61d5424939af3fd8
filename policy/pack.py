"""The checks as pulumi-policy resource validation policies, each mandatory, with its configuration schema."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    PolicyConfigSchema,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
)

from policy import rules

PACK_NAME = "speech-containers"


def _string_list(default: tuple[Any, ...], description: str) -> dict[str, Any]:
    return {"type": "array", "items": {"type": "string"}, "default": list(default), "description": description}


@dataclass(frozen=True)
class PolicyDefinition:
    """One policy: its name, what it asks for, its check and the settings it reads from the pack's config."""

    name: str
    description: str
    check: rules.Check
    config: Mapping[str, dict[str, Any]] = field(default_factory=dict)


DEFINITIONS = (
    PolicyDefinition(
        "speech-avx2-node-pools",
        "AKS node pools (AgentPool and inline agentPoolProfiles) use VM sizes with AVX2, which Speech containers need.",
        rules.avx2_node_pools,
    ),
    PolicyDefinition(
        "speech-container-minimum-size",
        "ACI containers and Kubernetes workloads running a Speech image get at least the documented minimum size.",
        rules.speech_container_sizes,
    ),
    PolicyDefinition(
        "speech-api-key-from-secret",
        "ApiKey comes only from secrets: ACI secureValue, Kubernetes valueFrom.secretKeyRef; never a plain value.",
        rules.api_key_from_secret,
    ),
    PolicyDefinition(
        "key-vault-rbac-and-purge-protection",
        "Key Vaults use RBAC authorization; vaults of prod-like environments also have purge protection.",
        rules.key_vault_protection,
        {
            "purgeableEnvironments": _string_list(
                rules.DEFAULT_PURGEABLE_ENVIRONMENTS,
                "values of the vault's `environment` tag that may go without purge protection",
            )
        },
    ),
    PolicyDefinition(
        "no-public-endpoint-without-tls",
        "Public ACI groups expose only TLS ports; no LoadBalancer Service exposes port 5000; Ingresses have tls.",
        rules.no_public_endpoint_without_tls,
        {
            "tlsPorts": {
                "type": "array",
                "items": {"type": "integer"},
                "default": list(rules.DEFAULT_TLS_PORTS),
                "description": "ports a public ACI group may expose (each served over TLS)",
            }
        },
    ),
    PolicyDefinition(
        "required-tags",
        "Every taggable Azure resource carries the required tags.",
        rules.required_tags,
        {"requiredTags": _string_list(rules.DEFAULT_REQUIRED_TAGS, "tags every taggable Azure resource must have")},
    ),
)


def _validation(check: rules.Check) -> ResourceValidation:
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args):
            report_violation(message, None)

    return validate


def policies() -> list[ResourceValidationPolicy]:
    """Every definition as a mandatory resource validation policy."""
    return [
        ResourceValidationPolicy(
            name=d.name,
            description=d.description,
            validate=_validation(d.check),
            enforcement_level=EnforcementLevel.MANDATORY,
            config_schema=PolicyConfigSchema(properties=dict(d.config)) if d.config else None,
        )
        for d in DEFINITIONS
    ]
