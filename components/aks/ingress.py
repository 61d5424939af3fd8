"""HTTPS/WSS in front of the Speech Services on AKS, through the AKS application routing add-on (managed nginx).

Each deployment gets the host `<deployment>.<domain>`; the certificate (covering `*.<domain>`) is a Key Vault
certificate in the stack's vault, which the add-on reads itself (annotation `tls-cert-keyvault-uri`), so no
certificate ever passes through Pulumi state. Timeouts are raised for long recognition streams.
"""

from __future__ import annotations

import pulumi
import pulumi_kubernetes as k8s

from components import catalog
from components.aks.pods import PORT_NAME
from components.azure import roles
from components.azure.propagation import propagated
from components.config.model import ContainerConfig, IngressConfig
from components.hosting import VaultRef

#: The ingress class the application routing add-on's nginx serves.
INGRESS_CLASS = "webapprouting.kubernetes.azure.com"
KEYVAULT_CERT_ANNOTATION = "kubernetes.azure.com/tls-cert-keyvault-uri"
INGRESS_NAME = "speech"


def host_of(container: ContainerConfig, settings: IngressConfig) -> str:
    return f"{container.name}.{settings.domain}"


class SpeechIngress(pulumi.ComponentResource):
    """One Ingress for every deployment, TLS only, with the add-on allowed to read the certificate."""

    #: kind -> public (or VNet-internal) host name
    hosts: dict[str, str]

    def __init__(
        self,
        name: str,
        settings: IngressConfig,
        containers: tuple[ContainerConfig, ...],
        namespace: pulumi.Output[str],
        vault: VaultRef,
        add_on_identity: pulumi.Output[str],
        provider: k8s.Provider,
        stream_budget_seconds: int,
        certificate_ready: pulumi.Resource,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__("speech-containers:aks:SpeechIngress", name, None, opts)
        reader = roles.grant(
            f"{name}-certificate-reader",
            catalog.Role.KEY_VAULT_CERTIFICATE_USER,
            add_on_identity,
            "ServicePrincipal",
            vault.id,
            self,
        )
        # The add-on's identity reads the certificate itself: 403 until its new role propagates.
        readable = propagated(f"{name}-certificate-propagation", [reader], self)
        self.hosts = {c.name: host_of(c, settings) for c in containers}
        timeout = str(stream_budget_seconds)
        k8s.networking.v1.Ingress(
            f"{name}-ingress",
            metadata={
                "name": INGRESS_NAME,
                "namespace": namespace,
                "labels": {"app.kubernetes.io/part-of": catalog.AKS.part_of},
                "annotations": {
                    KEYVAULT_CERT_ANNOTATION: vault.uri.apply(
                        lambda uri: f"{uri.rstrip('/')}/certificates/{settings.certificate_name}"
                    ),
                    "nginx.ingress.kubernetes.io/ssl-redirect": "true",
                    "nginx.ingress.kubernetes.io/proxy-read-timeout": timeout,
                    "nginx.ingress.kubernetes.io/proxy-send-timeout": timeout,
                    "nginx.ingress.kubernetes.io/proxy-body-size": "50m",
                },
            },
            spec={
                "ingress_class_name": INGRESS_CLASS,
                # The add-on writes the Key Vault certificate into this Secret (keyvault-<ingress name>).
                "tls": [{"hosts": list(self.hosts.values()), "secret_name": f"keyvault-{INGRESS_NAME}"}],
                "rules": [
                    {
                        "host": host,
                        "http": {
                            "paths": [
                                {
                                    "path": "/",
                                    "path_type": "Prefix",
                                    "backend": {"service": {"name": deployment, "port": {"name": PORT_NAME}}},
                                }
                            ]
                        },
                    }
                    for deployment, host in self.hosts.items()
                ],
            },
            opts=pulumi.ResourceOptions(parent=self, provider=provider, depends_on=[readable, certificate_ready]),
        )
        self.register_outputs({"hosts": self.hosts})
