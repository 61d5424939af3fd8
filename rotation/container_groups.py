"""The key each ACI container group runs with, from ARM: the stack tags every group `speech-key-name` in the same
update that sets its key, so the tag changes exactly when the key does. Stack outputs are no such proof: whether a
targeted `pulumi up` refreshes them is Pulumi's business, not a promise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from azure.core.rest import HttpRequest
from azure.mgmt.cognitiveservices import CognitiveServicesManagementClient

from components.catalog import KEY_NAME_TAG
from rotation.errors import azure_errors
from rotation.keys import KeyName

CONTAINER_INSTANCE_API_VERSION = "2023-05-01"
CONTAINER_GROUP_ID_PATTERN = re.compile(
    r"^/subscriptions/[^/]+/resourceGroups/(?P<group>[^/]+)"
    r"/providers/Microsoft\.ContainerInstance/containerGroups/(?P<name>[^/]+)$",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ContainerGroupId:
    arm_id: str
    resource_group: str
    name: str

    @classmethod
    def parse(cls, text: object) -> ContainerGroupId | None:
        """None unless `text` is a container group's ARM id (stack outputs are JSON of any shape)."""
        match = CONTAINER_GROUP_ID_PATTERN.match(text) if isinstance(text, str) else None
        return None if match is None else cls(match.string, match["group"], match["name"])


@dataclass(frozen=True)
class ContainerGroupKeys:
    """Reads through the Cognitive Services client's ARM pipeline: the same endpoint, credential and retries."""

    client: CognitiveServicesManagementClient

    def key_name(self, group: ContainerGroupId, missing_advice: str) -> KeyName | None:
        """The key the group runs with; None when it has no tag (deployed by a version older than the tag).
        `missing_advice` says what to do if the group does not exist."""
        advice = {
            403: f"grant Reader on resource group {group.resource_group} (Microsoft.ContainerInstance/containerGroups"
            "/read): the rotation reads each group's key from its tags",
            404: missing_advice,
        }
        request = HttpRequest("GET", group.arm_id, params={"api-version": CONTAINER_INSTANCE_API_VERSION})
        with azure_errors(f"reading container group {group.name!r} in resource group {group.resource_group}", advice):
            response = self.client._send_request(request)
            response.raise_for_status()
            document = response.json()
        tags = document.get("tags") if isinstance(document, dict) else None
        text = tags.get(KEY_NAME_TAG) if isinstance(tags, dict) else None
        if text is None:
            return None
        return KeyName.parse(str(text), f"tag {KEY_NAME_TAG} of container group {group.name!r}")
