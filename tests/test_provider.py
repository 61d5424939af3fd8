"""The component plugin (PulumiPlugin.yaml, provider/): what other languages get, checked without the Pulumi CLI.

`pulumi package add` starts the plugin, calls GetSchema and generates SDKs from the answer; `pulumi up` of such a
program calls Construct, which maps the schema's camelCase inputs to the component's snake_case args. These tests
infer that schema in-process, once more over gRPC from the plugin started the way the Python language host starts
it, and check the YAML example in docs/ against it, so the example can't drift from the component.
"""

from __future__ import annotations

import json
import re
import select
import subprocess
import sys
import tomllib
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import grpc
import pytest
import yaml
from google.protobuf import empty_pb2
from pulumi.provider.experimental.component import ComponentProvider
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

import provider
from components import config
from components.args import ContainerArgs, Host, SpeechContainersArgs
from components.catalog import Kind

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "speech-containers:index:SpeechContainers"
TYPES = "#/types/speech-containers:index:"
EXAMPLE = ROOT / "docs" / "yaml-example" / "Pulumi.yaml"
STARTUP_SECONDS = 15
"""Generous: the plugin imports Pulumi and the components before it prints its port (half a second here)."""
SCALARS: dict[str, type | tuple[type, ...]] = {"string": str, "integer": int, "number": (int, float), "boolean": bool}


def camel(name: str) -> str:
    return re.sub(r"_([a-z])", lambda match: match[1].upper(), name)


def problems(value: Any, spec: Mapping[str, Any], types: Mapping[str, Any], path: str) -> list[str]:
    """Where `value` strays from the schema property `spec`: names the schema lacks, values outside an enum,
    wrong scalar types, missing required properties (recursing through objects, maps and arrays)."""
    if "$ref" in spec:
        spec = types[spec["$ref"]]
        if "enum" in spec:
            allowed = [member["value"] for member in spec["enum"]]
            return [] if value in allowed else [f"{path}: {value!r} is not one of {allowed}"]
    if "properties" in spec:
        return object_problems(value, spec["properties"], spec.get("required", []), types, path)
    if "additionalProperties" in spec:
        if not isinstance(value, dict):
            return [f"{path}: not a map"]
        item = spec["additionalProperties"]
        return [found for key, entry in value.items() for found in problems(entry, item, types, f"{path}.{key}")]
    if spec["type"] == "array":
        if not isinstance(value, list):
            return [f"{path}: not a list"]
        return [
            found for i, entry in enumerate(value) for found in problems(entry, spec["items"], types, f"{path}[{i}]")
        ]
    return [] if isinstance(value, SCALARS[spec["type"]]) else [f"{path}: {value!r} is not of type {spec['type']}"]


def object_problems(
    value: Any, properties: Mapping[str, Any], required: list[str], types: Mapping[str, Any], path: str
) -> list[str]:
    """`problems` of an object (a resource's inputs, or an object type) given its declared properties."""
    if not isinstance(value, dict):
        return [f"{path}: not an object"]
    found = [f"{path}.{name}: not in the schema" for name in value if name not in properties]
    found += [f"{path}.{name}: required" for name in required if name not in value]
    for name, entry in value.items():
        if name in properties:
            found += problems(entry, properties[name], types, f"{path}.{name}")
    return found


@pytest.fixture(scope="module")
def component_provider() -> ComponentProvider:
    """The provider the plugin serves, built in-process from the entry point's own settings."""
    return ComponentProvider(provider.COMPONENTS, provider.NAME, provider.NAMESPACE, provider.VERSION)


@pytest.fixture(scope="module")
def schema(component_provider: ComponentProvider) -> dict[str, Any]:
    assert component_provider.schema is not None
    parsed: dict[str, Any] = json.loads(component_provider.schema)
    return parsed


@pytest.fixture(scope="module")
def types(schema: dict[str, Any]) -> dict[str, Any]:
    """Named types by their `$ref` (`#/types/<token>`)."""
    return {f"#/types/{token}": spec for token, spec in schema["types"].items()}


@pytest.fixture(scope="module")
def resource(schema: dict[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = schema["resources"][TOKEN]
    return spec


def test_the_package_is_named_and_versioned_like_the_project(schema: dict[str, Any]) -> None:
    assert (schema["name"], schema["namespace"]) == ("speech-containers", "speech-containers")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert schema["version"] == provider.VERSION == project["version"]
    assert list(schema["resources"]) == [TOKEN]
    assert schema["resources"][TOKEN]["isComponent"] is True


def test_inputs_are_the_args_in_camel_case_with_host_and_location_required(resource: dict[str, Any]) -> None:
    inputs = resource["inputProperties"]
    assert set(inputs) == {camel(name) for name in SpeechContainersArgs.__annotations__}
    assert {"host", "location", "containers", "keyVault", "resourceGroupName", "privateEndpoints"} <= set(inputs)
    assert sorted(resource["requiredInputs"]) == ["host", "location"]
    assert inputs["host"]["$ref"] == TYPES + "Host"
    assert inputs["location"]["type"] == "string"
    assert inputs["keyVault"]["$ref"] == TYPES + "KeyVaultArgs"
    assert inputs["containers"]["type"] == "object"
    assert inputs["containers"]["additionalProperties"]["$ref"] == TYPES + "ContainerArgs"


def test_container_args_types(types: dict[str, Any]) -> None:
    container = types[TYPES + "ContainerArgs"]["properties"]
    assert set(container) == {camel(name) for name in ContainerArgs.__annotations__}
    assert container["memoryGb"]["type"] == "number"
    assert container["cpu"]["type"] == "number"
    assert container["replicas"]["type"] == "integer"
    assert container["env"]["type"] == "object"
    assert container["env"]["additionalProperties"]["type"] == "string"
    assert container["kind"]["$ref"] == TYPES + "Kind"
    kinds = [member["value"] for member in types[TYPES + "Kind"]["enum"]]
    assert kinds == ["speech-to-text", "custom-speech-to-text", "language-identification", "neural-text-to-speech"]
    assert kinds == [kind.value for kind in Kind]


def test_host_enum(types: dict[str, Any]) -> None:
    assert [member["value"] for member in types[TYPES + "Host"]["enum"]] == ["aci", "aks"]


def test_outputs(resource: dict[str, Any], types: dict[str, Any]) -> None:
    outputs = resource["properties"]
    assert outputs["deployments"]["type"] == "object"
    assert outputs["deployments"]["additionalProperties"]["$ref"] == TYPES + "DeploymentOutput"
    assert outputs["speechEndpoint"]["type"] == outputs["keyVaultUri"]["type"] == "string"
    assert {"deployments", "speechEndpoint", "keyVaultUri", "host", "activeKey"} <= set(resource["required"])
    assert "tlsCertificate" not in resource["required"]  # Optional: ACI with self-signed TLS only
    deployment = types[TYPES + "DeploymentOutput"]["properties"]
    assert {"url", "statusUrl", "statusUrls", "voice"} <= set(deployment)
    assert deployment["url"]["type"] == deployment["voice"]["type"] == "string"
    assert deployment["statusUrls"]["type"] == "array"
    assert deployment["statusUrls"]["items"]["type"] == "string"


def test_descriptions_come_from_docstrings(resource: dict[str, Any], types: dict[str, Any]) -> None:
    assert resource["description"].startswith("Azure AI Speech containers (speech-to-text,")
    assert resource["inputProperties"]["location"]["description"] == "The Azure region, e.g. eastus."
    endpoint = resource["properties"]["speechEndpoint"]["description"]
    assert endpoint == "The billing endpoint the containers report usage to."
    memory = types[TYPES + "ContainerArgs"]["properties"]["memoryGb"]["description"]
    assert memory == "Memory (GB) per replica; default the recommended size plus model memory."


def test_construct_maps_camel_case_inputs_to_the_args_the_component_reads(
    component_provider: ComponentProvider,
) -> None:
    # The definition construct() maps with; numbers arrive as floats over gRPC.
    definition = component_provider._component_defs["SpeechContainers"]
    inputs = {
        "host": "aci",
        "location": "eastus",
        "eula": "accept",
        "containers": {"en-us": {"kind": "speech-to-text", "memoryGb": 8.0, "replicas": 2.0, "env": {"A": "b"}}},
        "keyVault": {"softDeleteRetentionDays": 7.0},
    }
    args = component_provider.map_inputs(inputs, definition)
    assert args == {
        "host": Host.ACI,
        "location": "eastus",
        "eula": "accept",
        "containers": {"en-us": {"kind": Kind.SPEECH_TO_TEXT, "memory_gb": 8, "replicas": 2, "env": {"A": "b"}}},
        "key_vault": {"soft_delete_retention_days": 7},
    }
    settings = config.parse(args)  # what SpeechContainers.__init__ does first with its args
    (deployment,) = settings.containers
    assert (deployment.name, deployment.size.memory_gb, deployment.replicas) == ("en-us", 8, 2)
    # Integer inputs can still be floats here (pulumi 3.272's map_inputs converts them, then stores the float
    # anyway), so the config turns whole numbers into ints itself.
    assert type(deployment.replicas) is type(settings.key_vault.soft_delete_retention_days) is int


def test_construct_rejects_a_missing_required_input(component_provider: ComponentProvider) -> None:
    definition = component_provider._component_defs["SpeechContainers"]
    with pytest.raises(Exception, match="Missing required input 'location'"):
        component_provider.map_inputs({"host": "aci"}, definition)


def test_the_manifest_starts_the_provider_package_in_the_makefiles_venv() -> None:
    """The CLI installs requirements.txt into the manifest's virtualenv and runs the plugin there: the same venv
    `make` builds, so a checkout that ran `make` is ready for `pulumi package add`."""
    manifest = yaml.safe_load((ROOT / "PulumiPlugin.yaml").read_text())
    assert manifest["runtime"] == {"name": "python", "options": {"toolchain": "pip", "virtualenv": ".venv"}}
    assert "VENV := .venv" in (ROOT / "Makefile").read_text()
    assert "main" not in manifest  # the CLI runs this directory's __main__.py, which serves the plugin


@pytest.fixture
def plugin_address(tmp_path: Path) -> Iterator[str]:
    """The plugin started as pulumi-language-python starts it: `python <plugin directory> <engine address> [flags]`,
    from the consumer's directory; it prints the port it serves on. GetSchema never dials the engine (nothing
    listens on 1)."""
    process = subprocess.Popen(
        [sys.executable, str(ROOT), "127.0.0.1:1", "--logtostderr"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        ready, _, _ = select.select([process.stdout], [], [], STARTUP_SECONDS)
        port = process.stdout.readline().decode().strip() if ready else ""
        if not port.isdigit():
            process.kill()
            _, stderr = process.communicate(timeout=5)
            pytest.fail(f"the plugin printed no port (got {port!r}):\n{stderr.decode()}")
        yield f"127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.communicate(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.communicate()


def test_get_schema_over_grpc(plugin_address: str) -> None:
    with grpc.insecure_channel(plugin_address) as channel:
        stub = provider_pb2_grpc.ResourceProviderStub(channel)
        info = stub.GetPluginInfo(empty_pb2.Empty(), timeout=10)
        response = stub.GetSchema(provider_pb2.GetSchemaRequest(version=0), timeout=10)
    assert info.version == provider.VERSION
    schema = json.loads(response.schema)
    assert schema["name"] == "speech-containers"
    assert schema["resources"][TOKEN]["isComponent"] is True
    assert schema["types"]["speech-containers:index:ContainerArgs"]["properties"]["memoryGb"]["type"] == "number"


def test_the_example_check_reports_what_the_schema_lacks(resource: dict[str, Any], types: dict[str, Any]) -> None:
    """The check the YAML example relies on really fails on a misspelt name, a bad enum value or type, a gap."""
    properties = {"host": "aci", "containers": {"en-us": {"kind": "speech-to-txt", "memoryGB": 8, "replicas": "2"}}}
    assert object_problems(properties, resource["inputProperties"], resource["requiredInputs"], types, "p") == [
        "p.location: required",
        "p.containers.en-us.memoryGB: not in the schema",
        "p.containers.en-us.kind: 'speech-to-txt' is not one of "
        "['speech-to-text', 'custom-speech-to-text', 'language-identification', 'neural-text-to-speech']",
        "p.containers.en-us.replicas: '2' is not of type integer",
    ]


def test_the_yaml_example_uses_only_what_the_schema_declares(resource: dict[str, Any], types: dict[str, Any]) -> None:
    program = yaml.safe_load(EXAMPLE.read_text())
    assert program["runtime"] == "yaml"
    (name, declared), *others = program["resources"].items()
    assert not others
    assert declared["type"] == TOKEN
    properties = declared["properties"]
    assert object_problems(properties, resource["inputProperties"], resource["requiredInputs"], types, name) == []
    references = [re.findall(r"\$\{(\w+)\.(\w+)", expression) for expression in program["outputs"].values()]
    assert references == [[(name, "deployments")]]
    assert "deployments" in resource["properties"]


def test_the_yaml_example_passes_the_config_rules() -> None:
    properties = yaml.safe_load(EXAMPLE.read_text())["resources"]["speech"]["properties"]
    settings = config.parse(properties)  # camelCase keys, as stack config spells them
    assert settings.host is Host.ACI
    assert [(c.name, c.kind) for c in settings.containers] == [
        ("en-us", Kind.SPEECH_TO_TEXT),
        ("jenny", Kind.NEURAL_TEXT_TO_SPEECH),
    ]
    assert settings.containers[1].tag.endswith("-en-us-jennyneural")
