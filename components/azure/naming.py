"""Globally unique Azure names that stay stable across `pulumi up` runs."""

from __future__ import annotations

import hashlib
import re

import pulumi
import pulumi_azure_native.authorization as authorization


def unique_name(prefix: str, resource_group_name: pulumi.Input[str], max_length: int) -> pulumi.Output[str]:
    """`<prefix>-<stack>-<hash of subscription, group and stack>`: unique per subscription, yet deterministic.

    Speech custom subdomains and vault names are global DNS names, so `speech-dev` would collide between
    users; random suffixes would change if state were lost. A hash of where the stack deploys does neither.
    """
    stack = re.sub(r"[^a-z0-9]", "", pulumi.get_stack().lower())
    client = authorization.get_client_config_output()

    def build(args: list[str]) -> str:
        digest = hashlib.sha256("/".join([*args, stack]).encode()).hexdigest()[:8]
        room = max_length - len(prefix) - len(digest) - 2
        # No empty middle part: `kv--1a2b3c4d` is not a valid vault name.
        return f"{prefix}-{stack[:room]}-{digest}" if room > 0 and stack else f"{prefix}-{digest}"

    return pulumi.Output.all(client.subscription_id, resource_group_name).apply(build)
