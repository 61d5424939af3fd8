"""TLS in front of a Speech container inside an ACI group: an nginx sidecar and its certificate.

Containers in one ACI group share localhost, so nginx terminates TLS on 443 and forwards to 127.0.0.1:5000,
upgrading WebSockets and keeping long recognition streams open. Only 443 is exposed on the group's IP.

The self-signed mode is for development: under the TenantReuse label scope Azure adds a hash to the group's
FQDN, which the certificate (`*.<region>.azurecontainer.io`) cannot name, so clients pin the exported
certificate instead of verifying the host name. Production uses `mode: certificate` with your own DNS name
(a CNAME to the group's FQDN) and a certificate for it.
"""

from __future__ import annotations

import base64

import pulumi
import pulumi_tls as tls

from components import catalog
from components.args import TlsMode
from components.config.model import AciTlsConfig

#: Where the sidecar finds its config, certificate and key (an ACI secret volume).
TLS_DIR = "/etc/nginx/speech-tls"
CERTIFICATE_FILE = "tls.crt"
KEY_FILE = "tls.key"
CONFIG_FILE = "nginx.conf"


def nginx_config(port: int, stream_budget_seconds: int) -> str:
    """A minimal TLS reverse proxy to the Speech container's `port`: HTTP/1.1 with WebSocket upgrade and timeouts
    of the stream budget (nginx's 60 s default would cut a quiet recognition stream)."""
    timeout = stream_budget_seconds
    return f"""worker_processes 1;
pid /tmp/nginx.pid;
events {{ worker_connections 1024; }}
http {{
  map $http_upgrade $connection_upgrade {{ default upgrade; '' close; }}
  server {{
    listen {catalog.TLS_PORT} ssl;
    ssl_certificate {TLS_DIR}/{CERTIFICATE_FILE};
    ssl_certificate_key {TLS_DIR}/{KEY_FILE};
    ssl_protocols TLSv1.2 TLSv1.3;
    client_max_body_size 50m;
    location / {{
      proxy_pass http://127.0.0.1:{port};
      proxy_http_version 1.1;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_set_header Host $host;
      proxy_read_timeout {timeout}s;
      proxy_send_timeout {timeout}s;
      proxy_buffering off;
    }}
  }}
}}
"""


class TlsMaterial:
    """The certificate (public) and private key (a Pulumi secret) the sidecars serve."""

    def __init__(self, name: str, settings: AciTlsConfig, location: str, parent: pulumi.Resource) -> None:
        if settings.mode is TlsMode.CERTIFICATE:
            assert settings.certificate_pem and settings.private_key_pem
            self.certificate: pulumi.Output[str] = pulumi.Output.from_input(settings.certificate_pem)
            self.private_key: pulumi.Output[str] = pulumi.Output.secret(settings.private_key_pem)
            self.self_signed = False
            return
        key = tls.PrivateKey(
            f"{name}-tls-key", algorithm="ECDSA", ecdsa_curve="P256", opts=pulumi.ResourceOptions(parent=parent)
        )
        cert = tls.SelfSignedCert(
            f"{name}-tls-cert",
            private_key_pem=key.private_key_pem,
            subject=tls.SelfSignedCertSubjectArgs(common_name="speech-containers", organization="speech-containers"),
            dns_names=[f"*.{location}.azurecontainer.io"],
            validity_period_hours=24 * 365,
            early_renewal_hours=24 * 30,
            allowed_uses=["key_encipherment", "digital_signature", "server_auth"],
            opts=pulumi.ResourceOptions(parent=parent),
        )
        self.certificate = cert.cert_pem
        self.private_key = pulumi.Output.secret(key.private_key_pem)
        self.self_signed = True

    def volume_files(self, port: int, stream_budget_seconds: int) -> pulumi.Output[dict[str, str]]:
        """The secret volume's files for a group whose Speech container listens on `port`, base64-encoded as ACI
        requires."""

        def encode(text: str) -> str:
            return base64.b64encode(text.encode()).decode()

        return pulumi.Output.secret(
            pulumi.Output.all(self.certificate, self.private_key).apply(
                lambda pair: {
                    CONFIG_FILE: encode(nginx_config(port, stream_budget_seconds)),
                    CERTIFICATE_FILE: encode(pair[0]),
                    KEY_FILE: encode(pair[1]),
                }
            )
        )
