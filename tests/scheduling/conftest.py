"""Stacks and replica bounds as session-scoped parameters: pytest then runs every test of one stack together, so
each stack is planned and scheduled once per worker instead of once per test function."""

from __future__ import annotations

import pytest

from tests.scheduling.from_plan import Bound
from tests.scheduling.stacks import BOUNDS, STACKS


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
