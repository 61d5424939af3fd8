"""Stacks and replica bounds as session-scoped parameters: pytest then runs every test of one stack together, so
each stack is planned once per worker instead of once per test function and worker; and xdist's workers share
their plans through the run's temporary directory."""

from __future__ import annotations

import os

import pytest

from tests.scheduling.from_plan import Bound
from tests.scheduling.stacks import BOUNDS, STACKS, share_plans


@pytest.fixture(scope="session", autouse=True)
def _shared_plans(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under xdist, the parent of a worker's base temporary directory is the run's, common to all workers."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        share_plans(tmp_path_factory.getbasetemp().parent / "scheduling-plans")


@pytest.fixture(scope="session", params=list(STACKS))
def stack(request: pytest.FixtureRequest) -> str:
    """An AKS stack's name (see stacks.py)."""
    name: str = request.param
    return name


@pytest.fixture(scope="session", params=BOUNDS)
def bound(request: pytest.FixtureRequest) -> Bound:
    """Every Deployment at its HPA's minReplicas, or maxReplicas."""
    chosen: Bound = request.param
    return chosen
