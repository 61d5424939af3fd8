"""Every rollout completes within the pool's maxCount, one Deployment at a time (a release) and all at once (a key
rotation restarts every Deployment), at the HPA's minimum and maximum replicas; and none leaves a Deployment with
nothing serving. A surge pod left Pending at maxCount means a rollout, and `pulumi up` or the rotation, never ends."""

from __future__ import annotations

from tests.scheduling.disruptions import Outcome, restart
from tests.scheduling.from_plan import Bound
from tests.scheduling.stacks import placed


def _outages(outcome: Outcome) -> list[str]:
    return [f"{name} had no ready pod during the rollout" for name, n in outcome.lowest_serving.items() if n < 1]


def test_every_replica_schedules_within_max_count(stack: str, bound: Bound) -> None:
    cluster = placed(stack, bound)
    waiting = [cluster.why_pending(p) for p in cluster.pending()]
    assert not waiting, f"{stack} ({bound} replicas): " + "; ".join(waiting)


def test_each_rollout_completes(stack: str, bound: Bound) -> None:
    problems = []
    for name in placed(stack, bound).deployments:
        outcome = restart(placed(stack, bound), [name])
        problems += ([] if outcome.done else [str(outcome)]) + _outages(outcome)
    assert not problems, f"{stack} ({bound} replicas): " + "\n".join(problems)


def test_restarting_every_deployment_at_once_completes(stack: str, bound: Bound) -> None:
    outcome = restart(placed(stack, bound))
    problems = ([] if outcome.done else [str(outcome)]) + _outages(outcome)
    assert not problems, f"{stack} ({bound} replicas), all at once (key rotation): " + "\n".join(problems)
