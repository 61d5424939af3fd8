"""Speed budgets, measured: `make bench` (or `python -m tests.benchmark`).

Each sample stack's offline plan must finish under 5 s and the whole test suite under 30 s on the
2-core reference machine; the capacity planner must stay within its cost targets (tests/capacity_benchmark.py).
Measured as users run them (fresh processes, imports included), best of N.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import time
from pathlib import Path

from tests import capacity_benchmark

ROOT = Path(__file__).resolve().parent.parent
PLAN_BUDGET_SECONDS = 5.0
SUITE_BUDGET_SECONDS = 30.0


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, cwd=ROOT, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per plan; the best counts")
    parser.add_argument("--skip-suite", action="store_true", help="time only the plans")
    parser.add_argument("--skip-capacity", action="store_true", help="skip the capacity planner's benchmark")
    args = parser.parse_args()
    stacks = sorted(
        p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in (ROOT / "stacks").glob("Pulumi.*.yaml")
    )
    results = [
        (
            f"plan {stack}",
            min(timed([sys.executable, "-m", "plan.command", stack]) for _ in range(args.runs)),
            PLAN_BUDGET_SECONDS,
        )
        for stack in stacks
    ]
    if not args.skip_suite:
        results.append(("test suite", timed([sys.executable, "-m", "pytest", "-q"]), SUITE_BUDGET_SECONDS))
    over = False
    for name, seconds, budget in results:
        verdict = "ok" if seconds < budget else "OVER BUDGET"
        over |= seconds >= budget
        print(f"{name:<16} {seconds:6.2f}s  (budget {budget:g}s)  {verdict}")
    capacity_failed = False if args.skip_capacity else capacity_benchmark.main() != 0
    return 1 if over or capacity_failed else 0


if __name__ == "__main__":
    sys.exit(main())
