"""Shared fixtures: the sample stacks planned once per session (plans are read-only)."""

from __future__ import annotations

import os

import pytest

from plan import offline
from tests.sample_stacks import ACI_STACK, AKS_STACK, plan_program, share_plans


@pytest.fixture(scope="session", autouse=True)
def _shared_plans(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Under xdist, the parent of a worker's base temporary directory is the run's, common to all workers: plans
    made by one worker are read by the other."""
    if os.environ.get("PYTEST_XDIST_WORKER"):
        share_plans(tmp_path_factory.getbasetemp().parent / "plans")


@pytest.fixture(scope="session")
def aci_plan() -> offline.Plan:
    """The ACI sample stack, planned once per session."""
    return plan_program(ACI_STACK)


@pytest.fixture(scope="session")
def aks_plan() -> offline.Plan:
    return plan_program(AKS_STACK)
