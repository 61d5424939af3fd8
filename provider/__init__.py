"""The component plugin: `SpeechContainers` served over gRPC, so TypeScript, Go, C# and YAML programs can use it.

`pulumi package add <this repo>` starts it (see PulumiPlugin.yaml), asks for the schema that Pulumi infers from
the annotations and docstrings of components/args.py and components/speech_containers.py, and generates an SDK
from it; `pulumi up` of such a program starts it again to construct the component. Importing this package starts
nothing (the tests build the same provider in-process); `serve` does.
"""

import tomllib
from pathlib import Path

import pulumi
from pulumi.provider.experimental import component_provider_host

from components.speech_containers import SpeechContainers

NAME = "speech-containers"
"""The package name: the first part of every type token (`speech-containers:index:SpeechContainers`)."""
NAMESPACE = "speech-containers"
"""The publisher in generated SDK names (`@speech-containers/speech-containers` on npm); without one, Pulumi's
code generators name them `@pulumi/...`, `pulumi_...`, `github.com/pulumi/...` as if Pulumi published them."""
COMPONENTS: list[type[pulumi.ComponentResource]] = [SpeechContainers]
PYPROJECT = Path(__file__).resolve().parent.parent / "pyproject.toml"
VERSION: str = tomllib.loads(PYPROJECT.read_text())["project"]["version"]
"""The project's version (pyproject.toml [project]), which the schema and so the generated SDKs carry."""


def serve() -> None:
    """Serve the components until the engine stops the plugin; the engine's address comes from `sys.argv`."""
    component_provider_host(components=COMPONENTS, name=NAME, namespace=NAMESPACE, version=VERSION)
