"""Production resources on GA Azure API versions, or a listed reason why not.

azure-native 3.x pins one default API version per resource and ships no other versions in its SDK (others need a
generated local package: `pulumi package add azure-native <module> <version>`, which needs the Pulumi CLI). This
test reads each default from the SDK's own docs, so a provider upgrade that moves a resource onto a preview version
fails here instead of going unnoticed.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

from plan import offline
from plan.command import own_values, read_stack
from tests.sample_stacks import plan_program

#: Resources whose provider default is a preview API version, and why that is accepted for now.
PREVIEW_EXCEPTIONS = {
    "azure-native:containerinstance:ContainerGroup": (
        "2024-05-01-preview",
        "GA 2025-09-01 and 2026-07-01 exist but only through a generated local package "
        "(pulumi package add azure-native containerinstance 2026-07-01); to do when the CLI is available",
    ),
    "azure-native:monitor:DiagnosticSetting": (
        "2021-05-01-preview",
        "diagnostic settings have no GA API version newer than this preview; it is what ARM templates use",
    ),
    "azure-native:monitor:ScheduledQueryRule": (
        "2025-01-01-preview",
        "the log search alerts; GA 2021-08-01 and 2023-12-01 exist only through a generated local package "
        "(pulumi package add azure-native monitor 2023-12-01); to do when the CLI is available",
    ),
    "azure-native:containerregistry:Registry": (
        "2023-01-01-preview",
        "the private registry (`registry`); GA 2023-07-01 and 2025-04-01 exist only through a generated local "
        "package (pulumi package add azure-native containerregistry 2025-04-01); to do when the CLI is available",
    ),
    "azure-native:containerregistry:CacheRule": (
        "2024-11-01-preview",
        "the registry's cache rules for MCR; GA 2023-07-01 and 2025-04-01 exist only through a generated local "
        "package; to do with the registry",
    ),
    "azure-native:dns:RecordSet": (
        "2023-07-01-preview",
        "the gateway's optional CNAMEs (aks.gateway.dnsZoneId) and the ACI front's alias records; GA 2018-05-01 "
        "exists only through a generated local package (pulumi package add azure-native dns 2018-05-01); to do with "
        "the above",
    ),
    "azure-native:monitor:ActionGroup": (
        "2024-10-01-preview",
        "the alerts' receivers; GA 2023-01-01 exists only through a generated local package; to do with the above",
    ),
}


def api_version(type_token: str) -> str:
    """The REST API version azure-native uses for a resource type, as its generated source states it."""
    _, module, name = type_token.split(":")
    cls = getattr(importlib.import_module(f"pulumi_azure_native.{module}"), name)
    found = re.search(r"Uses Azure REST API version ([0-9a-z-]+)", inspect.getsource(cls))
    assert found, type_token
    return found.group(1)


@pytest.fixture(scope="module")
def azure_types(aks_plan: offline.Plan, aci_plan: offline.Plan) -> set[str]:
    values, _ = read_stack("aci-front")
    front = plan_program(own_values(values), stack="aci-front")
    plans = (aks_plan, aci_plan, front)
    return {r.type for plan in plans for r in plan.registrations if r.type.startswith("azure-native:")}


def test_every_azure_resource_is_on_a_ga_api_version_or_a_listed_exception(azure_types: set[str]) -> None:
    previews = {t: api_version(t) for t in azure_types if "preview" in api_version(t)}
    assert previews == {t: version for t, (version, _) in PREVIEW_EXCEPTIONS.items() if t in azure_types}
