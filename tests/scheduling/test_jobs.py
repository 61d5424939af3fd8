"""The stack's Jobs (the preflight, a custom model's download with the Speech container as a sidecar) run on the
Speech pool during a later `pulumi up`, beside Deployments that may be at their maximum: each Job's pod must find
room within maxCount, or `pulumi up` waits on it until the Job's deadline."""

from __future__ import annotations

from tests.scheduling.from_plan import job_pods
from tests.scheduling.model import Deployment
from tests.scheduling.stacks import placed, plan_of


def test_each_job_pod_fits_beside_the_deployments_at_their_maximum(stack: str) -> None:
    problems = []
    for name, spec in job_pods(plan_of(stack)).items():
        cluster = placed(stack, "max")
        cluster.deployments[f"job/{name}"] = Deployment(f"job/{name}", spec, 1, 0, 1)
        cluster.run()
        problems += [f"job {name}: {cluster.why_pending(p)}" for p in cluster.pods_of(f"job/{name}") if p.node is None]
    assert not problems, f"{stack} (max replicas): " + "\n".join(problems)
