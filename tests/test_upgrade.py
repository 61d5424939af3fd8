"""Upgrade in place: every resource of the v1 sample stacks (recorded before SpeechContainers wrapped them, in
tests/data/urns-v1.json) keeps its URN or is claimed through an alias, so `pulumi up` replaces nothing."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from plan import offline
from plan.command import own_values, read_stack
from tests.sample_stacks import plan_program

RECORDED = json.loads((Path(__file__).parent / "data" / "urns-v1.json").read_text())["stacks"]


def _type_and_name(urn: str) -> tuple[str, str]:
    """The resource's own type (last in the chain) and name: what must stay for a takeover without replacement."""
    chain, name = urn.split("::")[2:4]
    return chain.split("$")[-1], name


@pytest.mark.parametrize("stack", sorted(RECORDED))
def test_every_v1_resource_keeps_its_urn_or_an_alias(stack: str) -> None:
    values, _ = read_stack(stack)
    plan = plan_program(own_values(values), stack=stack)
    claims = offline.alias_urns(plan, stack)
    claimed_by: dict[str, list[str]] = {}
    for r in plan.registrations:
        for urn in {r.urn} | claims[r.urn]:
            claimed_by.setdefault(urn, []).append(r.urn)
    missing = [urn for urn in RECORDED[stack] if urn not in claimed_by]
    assert missing == [], f"{len(missing)} v1 resources would be replaced"
    for urn in RECORDED[stack]:
        (new,) = claimed_by[urn]  # exactly one resource takes each old one over
        assert _type_and_name(new) == _type_and_name(urn)


def test_without_aliases_the_check_would_fail() -> None:
    """The check above depends on the aliases, not on URNs that happen to be equal."""
    values, _ = read_stack("dev")
    plan = plan_program(own_values(values), stack="dev")
    unchanged = {r.urn for r in plan.registrations} & set(RECORDED["dev"])
    assert unchanged == set()
