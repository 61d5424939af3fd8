"""`make security`: scan the Kubernetes objects of the AKS sample stacks with checkov, once.

Fails when checkov reports a finding that `checkov_justifications.yaml` does not justify, or when a justification
matches no finding any more (stale: the fix landed, so the entry must go). checkov runs from its own venv, given
with `--checkov`, because its pins conflict with Pulumi's.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from tests.security.render import write_manifests
from tests.security.samples import samples

HERE = Path(__file__).resolve().parent
JUSTIFICATIONS = HERE / "checkov_justifications.yaml"
CHECKOV_CONFIG = HERE / "checkov.yaml"


@dataclass(frozen=True, order=True)
class Finding:
    check_id: str
    #: checkov's resource id, `Kind.namespace.name` (graph checks append labels).
    resource: str


@dataclass(frozen=True)
class Justification:
    check_id: str
    #: A resource id, or an fnmatch pattern of them.
    resource: str
    reason: str

    def covers(self, finding: Finding) -> bool:
        return finding.check_id == self.check_id and fnmatch.fnmatchcase(finding.resource, self.resource)


@dataclass(frozen=True)
class Verdict:
    unjustified: list[Finding]
    stale: list[Justification]

    @property
    def ok(self) -> bool:
        return not self.unjustified and not self.stale


def load_justifications(path: Path = JUSTIFICATIONS) -> list[Justification]:
    document: dict[str, dict[str, str]] = yaml.safe_load(path.read_text()) or {}
    return [
        Justification(check_id, resource, " ".join(reason.split()))
        for check_id, resources in document.items()
        for resource, reason in resources.items()
    ]


def findings(report: Any) -> set[Finding]:
    """The failed checks of checkov's JSON report (one object per framework, or a list of them)."""
    reports = report if isinstance(report, list) else [report]
    return {
        Finding(failed["check_id"], failed["resource"])
        for one in reports
        for failed in one.get("results", {}).get("failed_checks", [])
    }


def judge(found: set[Finding], justifications: list[Justification]) -> Verdict:
    return Verdict(
        unjustified=sorted(f for f in found if not any(j.covers(f) for j in justifications)),
        stale=[j for j in justifications if not any(j.covers(f) for f in found)],
    )


def run_checkov(checkov: str, directory: Path) -> Any:
    """checkov's JSON report; it exits 1 when checks fail, so only unparsable output is an error."""
    result = subprocess.run(
        [checkov, "--config-file", str(CHECKOV_CONFIG), "-d", str(directory), "-o", "json"],
        capture_output=True,
        text=True,
        check=False,
    )
    try:
        return json.loads(result.stdout)
    except json.JSONDecodeError:
        raise SystemExit(f"checkov failed (exit {result.returncode}):\n{result.stderr or result.stdout}") from None


def report_lines(verdict: Verdict, found: set[Finding]) -> list[str]:
    lines = [f"checkov: {len(found)} finding(s), {len(found) - len(verdict.unjustified)} justified"]
    lines += [
        f"  UNJUSTIFIED {f.check_id} {f.resource}: fix it or justify it in {JUSTIFICATIONS.name}"
        for f in verdict.unjustified
    ]
    lines += [f"  STALE {j.check_id} {j.resource}: matches no finding any more; remove it" for j in verdict.stale]
    return lines


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.security.scan", description=__doc__.split("\n\n")[0])
    parser.add_argument("--checkov", default="checkov", help="the checkov executable")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        written = write_manifests(((s.label, s.plan()) for s in samples() if s.host == "aks"), Path(directory))
        if not written:
            raise SystemExit("no sample stack renders Kubernetes objects; nothing to scan")
        found = findings(run_checkov(args.checkov, Path(directory)))
    verdict = judge(found, load_justifications())
    print("\n".join(report_lines(verdict, found)))
    return 0 if verdict.ok else 1


if __name__ == "__main__":
    sys.exit(main())
