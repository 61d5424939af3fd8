"""The stack files' JSON Schema: generated (never hand-kept), valid, accepted by every sample stack, and in
agreement with the parser: never stricter than it, and refusing the same bad shapes, types and bounds."""

from __future__ import annotations

import copy
import json
import math
import random
from typing import Any

import jsonschema
import pytest

from components import config
from components.config import schema
from plan.command import STACKS_DIR, read_stack
from tests.sample_stacks import ACI_STACK, AKS_INGRESS_STACK, AKS_STACK, namespaced
from tests.test_config_strict import AS_STRINGS, BAD

VALIDATOR = jsonschema.Draft202012Validator(json.loads(schema.SCHEMA_PATH.read_text()))
SAMPLE_STACKS = sorted(p.name.removeprefix("Pulumi.").removesuffix(".yaml") for p in STACKS_DIR.glob("Pulumi.*.yaml"))
#: The classes of bad values the schema refuses as well; the others depend on several values (parser only).
SCHEMA_REFUSES = {"null", "number", "boolean", "string", "object", "list", "key"}


def schema_accepts(values: dict[str, Any]) -> bool:
    return bool(VALIDATOR.is_valid({"config": namespaced(values)}))


def test_committed_schema_is_the_generated_one() -> None:
    assert schema.SCHEMA_PATH.read_text() == schema.render(), "run: python -m components.config.schema"


def test_schema_is_valid_draft_2020_12() -> None:
    jsonschema.Draft202012Validator.check_schema(json.loads(schema.SCHEMA_PATH.read_text()))


@pytest.mark.parametrize("stack", SAMPLE_STACKS)
def test_every_sample_stack_file_validates(stack: str) -> None:
    document = {"config": read_stack(stack)[0]}
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in VALIDATOR.iter_errors(document)]
    assert errors == []


@pytest.mark.parametrize("values", [ACI_STACK, AKS_STACK, AKS_INGRESS_STACK, *(v for v, _, _ in AS_STRINGS)])
def test_good_configs_pass_both(values: dict[str, Any]) -> None:
    config.parse(values)
    assert schema_accepts(values)


@pytest.mark.parametrize(("kind", "values", "key", "fragment"), BAD, ids=[f"{b[0]}-{b[2]}" for b in BAD])
def test_bad_configs_fail_the_schema_where_it_can_tell(
    kind: str, values: dict[str, Any], key: str, fragment: str
) -> None:
    nan = any(isinstance(v, float) and math.isnan(v) for v in _leaves(values))  # JSON Schema cannot compare NaN
    if kind in SCHEMA_REFUSES and not nan:
        assert not schema_accepts(values)


def test_unknown_keys_of_other_namespaces_are_left_alone() -> None:
    document = {"config": {**namespaced(ACI_STACK), "azure-native:location": "eastus"}, "encryptionsalt": "x"}
    assert VALIDATOR.is_valid(document)


WEIRD: list[Any] = [
    None,
    "",
    "3",
    "-1",
    0,
    -1,
    10**20,
    2.5,
    math.inf,
    "٣",
    True,
    "false",
    [],
    {},
    ["x"],
    {"a": 1},
    "x" * 600,
    "10.0.0.0/8",
    "Standard_D7s_v5",
    "accept",
    "sha256:" + "0" * 64,
]


def _leaves(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value]


def _mutate(values: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Replace one value somewhere (or add a key) with something odd."""
    mutated = copy.deepcopy(values)
    node: Any = mutated
    while True:
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        if not keys:
            break
        key = rng.choice(keys)
        if isinstance(node[key], dict | list) and node[key] and rng.random() < 0.6:
            node = node[key]
            continue
        if isinstance(node, dict) and rng.random() < 0.2:
            key = rng.choice(["replicas", "cpu", "kind", "zones", "env", "tls", "x"])
        node[key] = rng.choice(WEIRD)
        break
    return mutated


def test_no_odd_value_crashes_the_parser_and_the_schema_is_never_stricter() -> None:
    rng = random.Random(20261202)
    bases = [ACI_STACK, AKS_STACK, AKS_INGRESS_STACK]
    for _ in range(600):
        values = _mutate(rng.choice(bases), rng)
        try:
            config.parse(values)
        except config.ConfigError:
            continue
        nan = any(isinstance(v, float) and math.isnan(v) for v in _leaves(values))
        assert nan or schema_accepts(values), values
