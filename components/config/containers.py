"""Deployments: `containers.<name>` -> ContainerConfig (kind, tag, replicas, size, model, decoders, settings)."""

from __future__ import annotations

import math
from typing import Any

import pulumi

from components import catalog
from components.args import ContainerArgs
from components.catalog import ContainerSpec, Kind, Size
from components.config.demand import read as read_demand
from components.config.fields import Problems, join
from components.config.lockdown import check_env
from components.config.model import ContainerConfig
from components.config.rules import default, kind_of_name

#: Settings the package sets itself, by normalized name (lowercase, no underscores), and the key that sets them.
OWNED_SETTINGS = {
    "eula": "eula",
    "billing": "(the Speech account's endpoint)",
    "apikey": "(the Speech key, from Key Vault)",
    "modelid": "modelId",
    "decodermaxcount": "decoderMaxCount",
}


def deployments(
    raw: dict[str, dict[str, Any]], host_limit: Size, env_secret: bool, problems: Problems
) -> tuple[ContainerConfig, ...]:
    """Every deployment that is valid; problems for the others."""
    found = []
    for name, settings in raw.items():
        built = _deployment(name, settings, host_limit, env_secret, problems, f"containers.{name}")
        if built is not None:
            found.append(built)
    return tuple(found)


def _kind(name: str, settings: dict[str, Any], path: str, problems: Problems) -> Kind | None:
    named = kind_of_name(name)
    given: Kind | None = settings.get("kind")
    if given is None and named is None:
        if not problems.about(join(path, "kind")):
            problems.add(join(path, "kind"), f"is required (the name is not a kind); allowed: {', '.join(Kind)}")
        return None
    if given is not None and named is not None and given is not named:
        problems.add(join(path, "kind"), f"is {given}, but the deployment is named after {named}; rename one")
        return None
    return given or named


def _deployment(
    name: str, settings: dict[str, Any], host_limit: Size, env_secret: bool, problems: Problems, path: str
) -> ContainerConfig | None:
    kind = _kind(name, settings, path, problems)
    if kind is None:
        return None
    spec = catalog.CONTAINERS[kind]
    tag = _tag(spec, settings, path, problems)
    replicas = settings.get("replicas", default(ContainerArgs, "replicas"))
    max_replicas = settings.get("max_replicas", replicas)
    if max_replicas < replicas:
        problems.add(
            join(path, "maxReplicas"), f"{max_replicas} is below replicas ({replicas}); allowed: {replicas} to 100"
        )
    size = _size(spec, settings, host_limit, path, problems)
    demand = read_demand(kind, settings, size, path, problems)
    if demand is not None:
        size, max_replicas = demand.size, max(replicas, demand.max_replicas)
    model_id = settings.get("model_id")
    if spec.needs_model_id and model_id is None and not problems.about(join(path, "modelId")):
        problems.add(join(path, "modelId"), f"is required for {kind}: the id of your Custom Speech model (a GUID)")
    if not spec.needs_model_id and model_id is not None:
        problems.add(join(path, "modelId"), f"only {Kind.CUSTOM_SPEECH_TO_TEXT} takes a modelId, not {kind}")
    decoders = settings.get("decoder_max_count", demand.decoders if demand else None)
    if decoders is not None and not spec.supports_decoder_count:
        problems.add(join(path, "decoderMaxCount"), f"only speech-to-text kinds take decoderMaxCount, not {kind}")
    elif decoders is not None and decoders > max(1, math.floor(size.cpu)):
        problems.add(
            join(path, "decoderMaxCount"),
            f"{decoders} decoders need about one core each; allowed: 1 to {max(1, math.floor(size.cpu))} for "
            f"cpu {size.cpu:g}",
        )
    env = _settings(settings.get("env", {}), path, problems)
    if tag is None:
        return None
    return ContainerConfig(
        name=name,
        kind=kind,
        tag=tag,
        replicas=replicas,
        max_replicas=max_replicas,
        size=size,
        model_id=model_id if spec.needs_model_id else None,
        model_storage_gb=settings.get("model_storage_gb", default(ContainerArgs, "model_storage_gb")),
        decoder_max_count=decoders if spec.supports_decoder_count else None,
        env=env,
        digest=settings.get("digest"),
        # Settings are secret when their key was set as a secret, or when a program passes them as Outputs.
        env_secret=bool(env) and (env_secret or any(isinstance(value, pulumi.Output) for _, value in env)),
        cpu_set="cpu" in settings,
        memory_set="memory_gb" in settings,
        peak=demand.peak if demand else None,
        per_replica=demand.per_replica if demand else None,
    )


def _tag(spec: ContainerSpec, settings: dict[str, Any], path: str, problems: Problems) -> str | None:
    form = spec.tag
    parts = [n for n in ("version", "locale", "voice") if n in settings]
    if "tag" in settings:
        for part in parts:
            problems.add(join(path, part), "give either tag or version/locale/voice, not both")
        tag: str = settings["tag"]
        if not form.pattern.fullmatch(tag):
            problems.add(join(path, "tag"), f"{tag!r} is not a {spec.kind} tag; expected the form of {form.example!r}")
            return None
        return tag
    for part, needed in (("locale", form.needs_locale), ("voice", form.needs_voice)):
        if part in settings and not needed:
            problems.add(join(path, part), f"{spec.kind} takes no {part} (its tag form is {form.example!r})")
    return form.build(
        settings.get("version", spec.default_version),
        settings.get("locale", spec.default_locale),
        settings.get("voice", spec.default_voice),
    )


def _size(spec: ContainerSpec, settings: dict[str, Any], limit: Size, path: str, problems: Problems) -> Size:
    """The size asked for, within the kind's documented minimum and the host's limit (defaults otherwise)."""
    default_size = spec.default_size
    cpu = settings.get("cpu", default_size.cpu)
    memory = settings.get("memory_gb", default_size.memory_gb)
    for key, value, low, high, unit, recommended in (
        ("cpu", cpu, spec.minimum.cpu, limit.cpu, "cores", spec.recommended.cpu),
        ("memoryGb", memory, spec.minimum.memory_gb, limit.memory_gb, "GB", default_size.memory_gb),
    ):
        if not low <= value <= high:
            allowed = f"at least {low:g}" if high == math.inf else f"{low:g} to {high:g}"
            problems.add(
                join(path, key),
                f"{value:g} {unit} is out of range; allowed: {allowed} {unit} (minimum for {spec.kind}; "
                f"recommended {recommended:g})",
            )
    return Size(min(max(cpu, spec.minimum.cpu), limit.cpu), min(max(memory, spec.minimum.memory_gb), limit.memory_gb))


def _settings(env: dict[str, Any], path: str, problems: Problems) -> tuple[tuple[str, Any], ...]:
    """The `env` entries, refusing names the package sets itself and names that differ only in case."""
    found: dict[str, tuple[str, Any]] = {}
    for name, value in env.items():
        normalized = name.lower().replace("_", "")
        where = join(join(path, "env"), name)
        if normalized in OWNED_SETTINGS:
            problems.add(where, f"is set by the package (use {OWNED_SETTINGS[normalized]}); remove it from env")
        elif not check_env(name, where, problems):
            continue
        elif name.lower() in found:
            problems.add(where, f"duplicates {found[name.lower()][0]} (settings are case-insensitive); keep one")
        else:
            found[name.lower()] = (name, value)
    return tuple(sorted(found.values(), key=lambda item: item[0]))
