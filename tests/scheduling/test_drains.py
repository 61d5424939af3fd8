"""Draining any node of the Speech pool completes (node-image upgrades, Kubernetes upgrades and autoscaler
scale-down all drain): the PDBs let each pod go, and each evicted pod runs again elsewhere, on a node the pool
has or the autoscaler can add within maxCount, while the drained node still counts against it."""

from __future__ import annotations

from tests.scheduling.disruptions import drain
from tests.scheduling.from_plan import Bound
from tests.scheduling.stacks import placed


def _drain_each_node(stack: str, bound: Bound, unready: bool = False) -> list[str]:
    problems = []
    for node in placed(stack, bound).nodes:
        cluster = placed(stack, bound)
        if unready:
            for name in list(cluster.deployments):
                cluster.fail_readiness(name)
        outcome = drain(cluster, node)
        if not outcome.done or outcome.pending:
            problems.append(str(outcome) if not outcome.done else f"drain of {node}: {'; '.join(outcome.pending)}")
    return problems


def test_draining_each_node_completes(stack: str, bound: Bound) -> None:
    problems = _drain_each_node(stack, bound)
    assert not problems, f"{stack} ({bound} replicas): " + "\n".join(problems)


def test_draining_each_node_completes_while_no_pod_is_ready(stack: str) -> None:
    """A release that never gets ready (a bad image, a model that never loads, billing refused) must not hold every
    node upgrade hostage: its unready pods may be evicted (`unhealthyPodEvictionPolicy: AlwaysAllow`)."""
    problems = [p for p in _drain_each_node(stack, "min", unready=True) if "stuck" in p]
    assert not problems, f"{stack} (min replicas, no pod ready): " + "\n".join(problems)
