"""Disconnected mode's Azure side: the commitment plan on the Speech account, and the license renewal schedule.

The account is on the disconnected commitment tier (sku DC0, set by the config) and holds a commitment plan with
hosting model `DisconnectedContainer` (catalog.COMMITMENT_PLAN); its plan type and tier are what Microsoft offers the
approved subscription, so the stack takes them from config rather than guessing. Commitment plans run for a calendar
year and are charged when bought (catalog.DISCONNECTED_PAGE): `autoRenew` stays off unless the stack says so.

Licenses: each deployment's license is downloaded by a one-shot run of its image (the hosts' license steps). A
license carries an expiry date that Microsoft does not publish a way to read, so the stack downloads each license
again every `renewDays` (a `time` Rotating: the first `pulumi up` after it is due replaces it, which changes the
download's renewal round and runs it again) and whenever the image changes (a new image needs a new license,
catalog.LICENSE_UPDATE). The output `disconnectedLicense` says when the licenses were last downloaded and when the
next `pulumi up` renews them.
"""

from __future__ import annotations

import pulumi
import pulumi_azure_native.cognitiveservices as cognitiveservices
import pulumiverse_time as time

from components import catalog
from components.config.lockdown import DisconnectedConfig


class DisconnectedPlan(pulumi.ComponentResource):
    """The commitment plan and the license renewal round of a disconnected stack."""

    #: Changes when the licenses are due again (the download steps read it).
    round: pulumi.Output[str]
    #: `{downloaded, renewAfter, renewDays, usageRecords}` for the stack output.
    license: pulumi.Output[dict[str, str]]

    def __init__(
        self,
        name: str,
        settings: DisconnectedConfig,
        account_name: pulumi.Input[str],
        resource_group_name: pulumi.Input[str],
        tags: dict[str, str],
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:speech:DisconnectedPlan", name, None, opts)
        facts = catalog.DISCONNECTED
        cognitiveservices.CommitmentPlan(
            f"{name}-commitment",
            account_name=account_name,
            resource_group_name=resource_group_name,
            commitment_plan_name="disconnected",
            properties=cognitiveservices.CommitmentPlanPropertiesArgs(
                hosting_model=facts.hosting_model,
                plan_type=settings.plan_type,
                auto_renew=settings.auto_renew,
                current=cognitiveservices.CommitmentPeriodArgs(tier=settings.tier, count=settings.count),
            ),
            tags=tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        renewal = time.Rotating(
            f"{name}-license-renewal", rotation_days=settings.renew_days, opts=pulumi.ResourceOptions(parent=self)
        )
        self.round = renewal.rfc3339
        self.license = pulumi.Output.all(renewal.rfc3339, renewal.rotation_rfc3339).apply(
            lambda times: {
                "downloaded": times[0],
                "renewAfter": times[1],
                "renewDays": str(settings.renew_days),
                "usageRecords": f"{catalog.OUTPUT.mount_path} (GET {facts.usage_path} on each container)",
            }
        )
        self.register_outputs({"license": self.license})
