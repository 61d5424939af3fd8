"""Stand-ins for the self-signed certificate the stack gives the ACI containers' TLS proxy."""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The name the stack's self-signed certificate carries, which never matches an ACI group's hashed FQDN.
ACI_WILDCARD = "*.westeurope.azurecontainer.io"


@dataclass(frozen=True)
class SelfSigned:
    certificate_pem: str
    key_pem: str

    def server_context(self, directory: Path) -> ssl.SSLContext:
        """A server context presenting this certificate (the ssl module loads key pairs from files only)."""
        certificate, key = directory / "self-signed.pem", directory / "self-signed.key"
        certificate.write_text(self.certificate_pem)
        key.write_text(self.key_pem)
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(certificate, key)
        return context


def self_signed(dns_name: str = ACI_WILDCARD) -> SelfSigned:
    """Like the stack's pulumi-tls certificate: not a CA, server auth only, one wildcard DNS name."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "speech-containers")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(hours=1))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(dns_name)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )
    return SelfSigned(
        certificate.public_bytes(serialization.Encoding.PEM).decode(),
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode(),
    )
