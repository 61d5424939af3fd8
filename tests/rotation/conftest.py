"""Fixtures for the rotation tests: servers, CA and files shared by the session; a fresh World per test."""

from __future__ import annotations

import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
import trustme

from tests.rotation.certificates import SelfSigned, self_signed
from tests.rotation.rotation_fake_cloud import running
from tests.rotation.rotation_harness import Bench, Rotator


@pytest.fixture(scope="session")
def containers_certificate() -> SelfSigned:
    """What the stack's default TLS gives the ACI containers, served by the TLS containers server."""
    return self_signed()


@pytest.fixture(scope="session")
def bench(containers_certificate: SelfSigned, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Bench]:
    directory = tmp_path_factory.mktemp("bench")
    ca = trustme.CA()
    ca_file = directory / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    cloud_tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(cloud_tls)
    with running(cloud_tls, containers_certificate.server_context(directory)) as servers:
        yield Bench.create(servers, str(ca_file), directory)


def _rotator(host: str, bench: Bench, home: Path, monkeypatch: pytest.MonkeyPatch) -> Rotator:
    rotator = Rotator(bench, home)
    rotator.prepare(host)
    monkeypatch.setenv("PATH", rotator.path_with_pulumi(present=True))
    monkeypatch.setenv("FAKE_PULUMI_STATE", str(rotator.stack_file))
    monkeypatch.delenv("KUBECONFIG", raising=False)
    return rotator


@pytest.fixture
def aks(bench: Bench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rotator:
    return _rotator("aks", bench, tmp_path, monkeypatch)


@pytest.fixture
def aci(bench: Bench, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Rotator:
    return _rotator("aci", bench, tmp_path, monkeypatch)
