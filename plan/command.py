"""Offline plan: `python -m plan.command <stack>` runs the real program for a stack under Pulumi's mock engine
and prints what it would create: resources, each container's image, size, probes and address, and outputs.

It needs no Pulumi CLI and no Azure credentials, so it is the way to review a stack before `pulumi up`.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import yaml

from components import config, program
from components.config.model import StackConfig
from plan import cost, offline
from plan.alerts import alert_rows
from plan.front import FRONT_HEADERS, front_rows
from plan.gateway import gateway_rows
from plan.offline import Plan, Registration

STACKS_DIR = Path(__file__).resolve().parent.parent / "stacks"
#: Stand-in for `secure:` values, which only the Pulumi CLI can decrypt; PEM-shaped so that certificate
#: settings still pass validation offline.
SECRET_PLACEHOLDER = (
    "-----BEGIN ENCRYPTED PULUMI SECRET-----\nnot readable offline\n-----END ENCRYPTED PULUMI SECRET-----"
)


class StackFileError(Exception):
    """The stack file is missing or unreadable."""


def read_stack(stack: str, stacks_dir: Path = STACKS_DIR) -> tuple[dict[str, Any], frozenset[str]]:
    """The `config:` map of `stacks/Pulumi.<stack>.yaml` with encrypted values replaced by a placeholder, and the
    keys that hold encrypted values (Pulumi treats them as secret)."""
    path = stacks_dir / f"Pulumi.{stack}.yaml"
    if not path.is_file():
        known = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in stacks_dir.glob("Pulumi.*.yaml"))
        raise StackFileError(f"no stack file {path}; stacks here: {', '.join(known) or 'none'}")
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise StackFileError(f"{path} is not valid YAML: {error}") from None
    raw = document.get("config") or {}
    values = {key: _without_secure(value) for key, value in raw.items()}
    return values, frozenset(key for key, value in values.items() if value != raw[key])


def read_stack_config(stack: str, stacks_dir: Path = STACKS_DIR) -> dict[str, Any]:
    """The stack's config values (see `read_stack`)."""
    return read_stack(stack, stacks_dir)[0]


def own_values(values: dict[str, Any]) -> dict[str, Any]:
    """The `speech-containers:*` values of a stack's config, keyed without the namespace."""
    prefix = f"{config.NAMESPACE}:"
    return {key.removeprefix(prefix): value for key, value in values.items() if key.startswith(prefix)}


def _without_secure(value: Any) -> Any:
    """Replace every `{secure: ...}` (top-level or nested by `--path`) with the placeholder."""
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: _without_secure(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secure(v) for v in value]
    return value


def table(headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain left-aligned text table."""
    cells = [list(map(str, headers))] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _short_type(type_: str) -> str:
    return type_.replace("azure-native:", "azure:").replace("speech-containers:", "component:")


def resource_tree(plan: Plan) -> list[tuple[int, Registration]]:
    """Registrations depth-first under their parents, siblings by name: stable however the engine ordered them."""
    children: dict[str, list[Registration]] = {}
    urns = {r.urn for r in plan.registrations}
    for r in plan.registrations:
        children.setdefault(r.parent if r.parent in urns else "", []).append(r)
    ordered: list[tuple[int, Registration]] = []

    def visit(parent: str, depth: int) -> None:
        for child in sorted(children.get(parent, []), key=lambda r: (r.custom, r.name)):
            ordered.append((depth, child))
            visit(child.urn, depth + 1)

    visit("", 0)
    return ordered


def _probe(probe: dict[str, Any] | None) -> str:
    if not probe:
        return "-"
    path = (probe.get("httpGet") or {}).get("path", "tcp")
    budget = int(probe.get("failureThreshold", 1) * probe.get("periodSeconds", 10))
    delay = probe.get("initialDelaySeconds")
    return f"{path} every {int(probe.get('periodSeconds', 10))}s" + (
        f" after {int(delay)}s" if delay else f" (budget {budget}s)" if budget >= 300 else ""
    )


def container_rows(plan: Plan) -> list[list[str]]:
    """One row per container group (ACI) or Deployment (AKS), read back from what was registered."""
    rows = []
    for group in sorted(plan.of_type("azure-native:containerinstance:ContainerGroup"), key=lambda r: r.name):
        c = group.get("containers")[0]
        requests = c["resources"]["requests"]
        probes = f"ready {_probe(c.get('readinessProbe'))}; live {_probe(c.get('livenessProbe'))}"
        rows.append(
            [
                group.name,
                c["image"].rsplit("/", 1)[-1],
                "1",
                f"{requests['cpu']:g}",
                f"{requests['memoryInGB']:g} GB",
                probes,
            ]
        )
    autoscalers = {
        h.get("spec.scaleTargetRef.name"): h.get("spec")
        for h in plan.of_type("kubernetes:autoscaling/v2:HorizontalPodAutoscaler")
    }
    for deployment in sorted(plan.of_type("kubernetes:apps/v1:Deployment"), key=lambda r: r.name):
        spec = deployment.get("spec")
        name = deployment.get("metadata")["name"]
        c = spec["template"]["spec"]["containers"][0]
        requests = c["resources"]["requests"]
        probes = (
            f"start {_probe(c.get('startupProbe'))}; ready {_probe(c.get('readinessProbe'))}; "
            f"live {_probe(c.get('livenessProbe'))}"
        )
        scaling = autoscalers.get(name)
        replicas = (
            f"{scaling['minReplicas']:g}-{scaling['maxReplicas']:g} (HPA)" if scaling else str(spec.get("replicas"))
        )
        rows.append([name, c["image"].rsplit("/", 1)[-1], replicas, requests["cpu"], requests["memory"], probes])
    return rows


def _shown_output(name: str, value: Any, plan: Plan) -> str:
    if name in plan.secret_outputs:
        return "[secret]"
    text = str(value)
    return f"{text.splitlines()[0]} ... ({len(text.splitlines())} lines)" if "\n" in text.strip() else text


def render(stack: str, settings: StackConfig, plan: Plan, seconds: float) -> str:
    custom = [r for r in plan.registrations if r.custom]
    sections = [
        f"Offline plan of stack '{stack}': host {settings.host}, region {settings.location}; "
        f"{len(custom)} resources in {len(plan.registrations) - len(custom)} components "
        f"({seconds:.2f}s, no Azure calls)",
        "RESOURCES\n"
        + table(["NAME", "TYPE"], [["  " * depth + r.name, _short_type(r.type)] for depth, r in resource_tree(plan)]),
        "CONTAINERS\n" + table(["NAME", "IMAGE", "REPLICAS", "CPU", "MEMORY", "PROBES"], container_rows(plan)),
    ]
    sections += cost.sections(settings, table)
    endpoints = plan.outputs.get("containers", {})
    sections.append(
        "ENDPOINTS\n"
        + table(
            ["DEPLOYMENT", "KIND", "SDK HOST URL", "STATUS", "SSML VOICE"],
            [[k, e["kind"], e["url"], e["statusUrl"], e.get("voice", "-")] for k, e in endpoints.items()],
        )
    )
    gateway = front_rows(plan)
    if gateway:
        sections.append("FRONT (Application Gateway v2)\n" + table(FRONT_HEADERS, gateway))
    routes = gateway_rows(plan)
    if routes:
        sections.append("GATEWAY\n" + table(["HOST", "BACKEND", "REQUEST TIMEOUT", "HEALTH PROBE", "DNS"], routes))
    scalar = {k: v for k, v in plan.outputs.items() if k != "containers"}
    sections.append("OUTPUTS\n" + table(["NAME", "VALUE"], [[k, _shown_output(k, v, plan)] for k, v in scalar.items()]))
    alerts = alert_rows(plan)
    if alerts:
        sections.append("ALERTS\n" + table(["NAME", "KIND", "SEVERITY", "EVERY/WINDOW", "WATCHES"], alerts))
    if plan.warnings:
        sections.append("WARNINGS\n" + "\n".join(f"  ! {w}" for w in plan.warnings))
    return "\n\n".join(sections)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m plan", description=__doc__.split("\n\n")[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name: reads stacks/Pulumi.<stack>.yaml")
    parser.add_argument("--stacks-dir", type=Path, default=STACKS_DIR, help="where the stack files are")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        values, secret_keys = read_stack(args.stack, args.stacks_dir)
        settings = config.parse(own_values(values), frozenset(own_values(dict.fromkeys(secret_keys))))
        plan = offline.run(program.main, values, stack=args.stack, secret_keys=tuple(secret_keys))
    except (StackFileError, config.ConfigError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(render(args.stack, settings, plan, time.perf_counter() - started))
    return 0


if __name__ == "__main__":
    sys.exit(main())
