"""The front's optional WAF policy: Microsoft_DefaultRuleSet 2.1 in Prevention mode, with the rules legitimate
speech requests trip turned off (catalog.APP_GATEWAY.waf_overrides, catalog.DRS_RULES_SOURCE).

After a WebSocket upgrade the gateway passes frames through uninspected (catalog.WEBSOCKET_SOURCE), so what the WAF
judges is the handshake and the REST calls: their bodies are audio or SSML, whose content types the rule set does
not allow (920420) and whose markup the XSS rules read as HTML (941100, 941110, 941160; only with a neural
text-to-speech deployment). Request bodies stay inspected but are not refused for their size
(catalog.WAF_BODY_LIMITS_SOURCE): a short-audio recognition request posts up to a minute of audio
(catalog.SHORT_AUDIO_SOURCE), over the body limit.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.network as network

from components import catalog
from components.catalog import Kind
from components.hosting import HostInputs


def waf_overrides(inputs: HostInputs) -> list[network.ManagedRuleGroupOverrideArgs]:
    """The disabled rules, grouped as the policy takes them."""
    tts = any(c.kind is Kind.NEURAL_TEXT_TO_SPEECH for c in inputs.containers)
    groups: dict[str, list[str]] = {}
    for override in catalog.APP_GATEWAY.waf_overrides:
        if tts or not override.tts_only:
            groups.setdefault(override.group, []).append(override.rule_id)
    return [
        network.ManagedRuleGroupOverrideArgs(
            rule_group_name=group,
            rules=[network.ManagedRuleOverrideArgs(rule_id=rule, state="Disabled") for rule in rules],
        )
        for group, rules in groups.items()
    ]


def waf_policy(name: str, inputs: HostInputs, parent: pulumi.Resource) -> network.WebApplicationFirewallPolicy:
    facts = catalog.APP_GATEWAY
    return network.WebApplicationFirewallPolicy(
        f"{name}-waf",
        resource_group_name=inputs.resource_group_name,
        location=inputs.location,
        policy_settings=network.PolicySettingsArgs(
            state="Enabled", mode="Prevention", request_body_check=True, request_body_enforcement=False
        ),
        managed_rules=network.ManagedRulesDefinitionArgs(
            managed_rule_sets=[
                network.ManagedRuleSetArgs(
                    rule_set_type=facts.rule_set_type,
                    rule_set_version=facts.rule_set_version,
                    rule_group_overrides=waf_overrides(inputs),
                )
            ]
        ),
        tags=inputs.tags,
        opts=pulumi.ResourceOptions(parent=parent),
    )
