"""ACI /status behind TLS: the stack's self-signed certificate is pinned; other certificates need a trusted CA."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.rotation.certificates import SelfSigned, self_signed
from tests.rotation.rotation_harness import Rotator


def test_the_stacks_self_signed_certificate_is_pinned_although_its_name_does_not_match(
    aci: Rotator, containers_certificate: SelfSigned
) -> None:
    aci.publish_status(aci.bench.servers.tls_containers, containers_certificate.certificate_pem)

    outcome = aci.run([*aci.stack_args(), "--apply"])

    assert outcome.code == 0, outcome.text
    assert "4 container(s) report the key valid" in outcome.stdout
    aci.assert_rotated()


def test_a_ca_file_verifies_a_user_certificate_and_its_hostname(aci: Rotator) -> None:
    aci.publish_status(aci.cloud)  # its certificate names 127.0.0.1 and comes from the test CA

    outcome = aci.run([*aci.stack_args(), "--apply", "--status-ca-file", aci.bench.ca_file])

    assert outcome.code == 0, outcome.text
    aci.assert_rotated()


@pytest.mark.parametrize(
    ("trust", "fragment"),
    [
        ("another self-signed certificate", "presented a certificate other than stack output tlsCertificate"),
        ("the system trust store", "is not trusted by the system trust store (self-signed certificate)"),
        ("a CA file with the certificate", "mismatch, certificate is not valid for '127.0.0.1'"),
    ],
)
def test_a_certificate_that_is_not_trusted_stops_the_rotation_before_the_old_key_is_regenerated(
    aci: Rotator, containers_certificate: SelfSigned, tmp_path: Path, trust: str, fragment: str
) -> None:
    pinned = self_signed().certificate_pem if trust == "another self-signed certificate" else None
    aci.publish_status(aci.bench.servers.tls_containers, pinned)
    ca_file = tmp_path / "ca.pem"
    ca_file.write_text(containers_certificate.certificate_pem)
    options = ["--status-ca-file", str(ca_file)] if trust == "a CA file with the certificate" else []

    outcome = aci.run([*aci.stack_args(), "--apply", *options])

    assert outcome.code == 1, outcome.text
    assert outcome.stderr.startswith("rotation: error: en-us #1: ") and fragment in outcome.stderr
    assert aci.world.regenerated == ["Key2"]
    assert aci.world.latest["tags"]["rotation-phase"] == "rolling"


@pytest.mark.parametrize(
    ("option", "output", "fragment"),
    [
        ("/nonexistent/ca.pem", None, "cannot load CA file '/nonexistent/ca.pem'"),
        (None, "not a certificate", "stack output tlsCertificate is not a PEM certificate"),
    ],
)
def test_unusable_trust_material_is_named(aci: Rotator, option: str | None, output: str | None, fragment: str) -> None:
    aci.publish_status(aci.bench.servers.tls_containers, output)

    outcome = aci.run([*aci.stack_args(), "--apply", *(["--status-ca-file", option] if option else [])])

    assert outcome.code == 1, outcome.text
    assert fragment in outcome.stderr
