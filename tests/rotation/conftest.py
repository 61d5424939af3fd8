"""Fixtures for the rotation tests: a local CA, the fake cloud over HTTPS, the containers over HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.rotation.rotation_fake_cloud import FakeCloudServer, World, running
from tests.rotation.rotation_harness import Rotator


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture(scope="session")
def ca_file(ca: trustme.CA, tmp_path_factory: pytest.TempPathFactory) -> str:
    path = tmp_path_factory.mktemp("ca") / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def world() -> World:
    return World()


@pytest.fixture
def cloud(world: World, ca: trustme.CA) -> Iterator[FakeCloudServer]:
    import ssl

    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(tls)
    with running(world, tls) as server:
        yield server


@pytest.fixture
def containers(world: World) -> Iterator[FakeCloudServer]:
    with running(world, None) as server:
        yield server


def _rotator(
    host: str, cloud: FakeCloudServer, containers: FakeCloudServer, ca_file: str, tmp_path: Path, mp: pytest.MonkeyPatch
) -> Rotator:
    rotator = Rotator(cloud, containers, ca_file, tmp_path)
    rotator.prepare(host)
    mp.setenv("PATH", rotator.path_with_pulumi(present=True))
    mp.setenv("FAKE_PULUMI_STATE", str(rotator.stack_file))
    mp.delenv("KUBECONFIG", raising=False)
    return rotator


@pytest.fixture
def aks(
    cloud: FakeCloudServer, containers: FakeCloudServer, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Rotator:
    return _rotator("aks", cloud, containers, ca_file, tmp_path, monkeypatch)


@pytest.fixture
def aci(
    cloud: FakeCloudServer, containers: FakeCloudServer, ca_file: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Rotator:
    return _rotator("aci", cloud, containers, ca_file, tmp_path, monkeypatch)
