"""Azure Container Instances: one container group per deployment and replica.

ACI has no replica sets, load balancers or startup probes, so each replica is its own group with its own
address, and liveness waits out the model-loading budget before it starts checking.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import pulumi
import pulumi_azure_native.containerinstance as aci

from components import catalog
from components.aci.files import FilesAccount, output_volume
from components.aci.front import AciFront
from components.aci.pull import pull_settings
from components.aci.tls_proxy import TLS_DIR, TlsMaterial
from components.args import DeploymentOutput, TlsMode
from components.config.model import AciConfig, ContainerConfig
from components.hosting import HostInputs, endpoint
from components.lockdown import Setting, container_settings, license_settings, proxy_settings

MODEL_VOLUME = "model"
LICENSE_VOLUME = "license"
TLS_VOLUME = "tls"


def _probe(path: str, port: int, period: int, initial_delay: int) -> aci.ContainerProbeArgs:
    return aci.ContainerProbeArgs(
        http_get=aci.ContainerHttpGetArgs(path=path, port=port, scheme="http"),
        initial_delay_seconds=initial_delay,
        period_seconds=period,
        timeout_seconds=catalog.PROBE_TIMEOUT_SECONDS,
        failure_threshold=catalog.PROBE_FAILURE_THRESHOLD,
    )


def preflight_verdict(view: Any) -> str:
    """What the preflight's container state says: passed, failed (with curl's exit code), or not yet known."""
    state = getattr(view, "current_state", None) if view else None
    if state is None or state.state is None:
        return "not reported yet: run `pulumi refresh` (or az container logs) once the preflight group has run"
    if state.state == "Terminated":
        passed = state.exit_code == 0
        verdict = "passed" if passed else f"FAILED (exit code {state.exit_code}): check DNS, network path and key"
        return f"{verdict}; {state.detail_status or ''}".rstrip("; ")
    return f"{state.state}: run `pulumi refresh` when it has finished"


def billing_settings(
    billing_endpoint: pulumi.Input[str], api_key: pulumi.Input[str]
) -> list[aci.EnvironmentVariableArgs]:
    """Eula, Billing and ApiKey; the key goes in `secure_value`, which ACI never returns from its API."""
    return [
        aci.EnvironmentVariableArgs(name="Eula", value="accept"),
        aci.EnvironmentVariableArgs(name="Billing", value=billing_endpoint),
        aci.EnvironmentVariableArgs(name="ApiKey", secure_value=api_key),
    ]


def environment(
    container: ContainerConfig, billing_endpoint: pulumi.Input[str], api_key: pulumi.Input[str]
) -> list[aci.EnvironmentVariableArgs]:
    """The billing settings (disconnected: the license's instead), then the container's own."""
    settings = (
        [aci.EnvironmentVariableArgs(name="Eula", value="accept"), *variables(license_settings())]
        if container.disconnected
        else billing_settings(billing_endpoint, api_key)
    )
    if container.model_id:
        settings.append(aci.EnvironmentVariableArgs(name="ModelId", value=container.model_id))
    if container.decoder_max_count:
        settings.append(aci.EnvironmentVariableArgs(name="DECODER_MAX_COUNT", value=str(container.decoder_max_count)))
    if container.env_secret:
        settings += [
            aci.EnvironmentVariableArgs(name=k, secure_value=pulumi.Output.secret(v)) for k, v in container.env
        ]
    else:
        settings += [aci.EnvironmentVariableArgs(name=k, value=v) for k, v in container.env]
    return settings + variables(container_settings(container))


def variables(settings: list[Setting]) -> list[aci.EnvironmentVariableArgs]:
    """Settings as environment variables, the secret ones as secure values."""
    return [
        aci.EnvironmentVariableArgs(name=s.name, secure_value=s.value)
        if s.secret
        else aci.EnvironmentVariableArgs(name=s.name, value=s.value)
        for s in settings
    ]


class AciHost(pulumi.ComponentResource):
    """Hosts every configured Speech container on ACI and exposes where each one answers."""

    endpoints: pulumi.Output[dict[str, DeploymentOutput]]
    #: The self-signed certificate clients must trust (None with your own certificate or without TLS).
    self_signed_certificate: pulumi.Output[str] | None
    #: Groups by replica index, each `{urn, id, statusUrl}`: batch i holds replica i of every kind. Re-applying
    #: one batch at a time (`pulumi up --target`) keeps the other replicas serving while a group restarts.
    rollout_batches: pulumi.Output[list[list[dict[str, str]]]]

    def __init__(
        self, name: str, inputs: HostInputs, settings: AciConfig, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("speech-containers:aci:AciHost", name, None, opts)
        self._inputs = inputs
        self._settings = settings
        self._tls = (
            TlsMaterial(name, settings.tls, inputs.location, self) if settings.tls.mode is not TlsMode.NONE else None
        )
        self.self_signed_certificate = self._tls.certificate if self._tls and self._tls.self_signed else None
        needs_models = any(c.spec.needs_model_id for c in inputs.containers)
        self._pull, self._pull_ready = pull_settings(name, inputs, self)
        self._model_store = FilesAccount(name, "models", inputs, self) if needs_models else None
        output = next((c.output for c in inputs.containers if c.output), None)
        self._output_store = FilesAccount(name, "output", inputs, self) if output else None
        offline = any(c.disconnected for c in inputs.containers)
        self._license_store = FilesAccount(name, "licenses", inputs, self) if offline else None
        self._licenses: dict[str, tuple[aci.VolumeArgs, aci.VolumeMountArgs, aci.ContainerGroup]] = {}
        per_deployment: dict[str, pulumi.Output[list[str]]] = {}
        by_replica: dict[int, list[pulumi.Output[dict[str, str]]]] = {}
        secure = self._tls is not None
        #: Each deployment's groups by replica (the alerts watch them).
        self.groups: dict[str, list[aci.ContainerGroup]] = {}
        #: The certificate the sidecars serve (PEM), None without TLS.
        self.tls_certificate: pulumi.Output[str] | None = self._tls.certificate if self._tls else None
        for container in inputs.containers:
            self._warn_if_large(container)
            groups = [self._group(container, replica) for replica in range(container.replicas)]
            self.groups[container.name] = groups
            per_deployment[container.name] = pulumi.Output.all(*(self._host_of(g) for g in groups))
            for replica, group in enumerate(groups):
                by_replica.setdefault(replica, []).append(self._rollout_entry(group, container, secure))
        self.rollout_batches = pulumi.Output.all(
            *(pulumi.Output.all(*entries) for _, entries in sorted(by_replica.items()))
        )
        #: The one-shot preflight group (None without a preflight).
        self.preflight_group: aci.ContainerGroup | None = None
        #: The preflight's verdict from its group's instance view (None without a preflight).
        self.preflight_verdict = self._preflight() if inputs.preflight and inputs.containers else None
        by_name = {c.name: c for c in inputs.containers}
        #: The load-balanced front (None without aci.front): its URL is each deployment's `url`.
        self.front = (
            AciFront(f"{name}-front", inputs, settings.front, self.groups, pulumi.ResourceOptions(parent=self))
            if settings.front and self.groups
            else None
        )
        front = self.front
        self._suggest_front()
        self.endpoints = pulumi.Output.all(**per_deployment).apply(
            lambda hosts: {
                name: front.endpoint(name, endpoint(by_name[name], h, secure))
                if front
                else endpoint(by_name[name], h, secure)
                for name, h in hosts.items()
            }
        )
        #: What the rotation command needs to drain a batch at the gateway (None without a front).
        self.front_rotation = front.rotation if front else None
        self.register_outputs({"endpoints": self.endpoints, "rolloutBatches": self.rollout_batches})

    def _suggest_front(self) -> None:
        """A front is opt-in (it needs a VNet, a domain and a certificate the stack cannot make up, and a gateway
        costs by the hour); with several replicas and none, clients juggle one URL per replica."""
        several = [c.name for c in self._inputs.containers if c.replicas > 1]
        if several and self.front is None:
            pulumi.log.warn(
                f"containers.{', '.join(several)}: each replica has its own URL and clients must fail over between "
                "them; aci.front puts one load-balanced https/wss endpoint per deployment in front (VNet groups)",
                self,
            )

    def _rollout_entry(
        self, group: aci.ContainerGroup, container: ContainerConfig, secure: bool
    ) -> pulumi.Output[dict[str, str]]:
        def entry(values: list[str]) -> dict[str, str]:
            urn, group_id, host = values
            return {"urn": urn, "id": group_id, "statusUrl": endpoint(container, [host], secure)["statusUrl"]}

        return pulumi.Output.all(group.urn, group.id, self._host_of(group)).apply(entry)

    @staticmethod
    def _host_of(group: aci.ContainerGroup) -> pulumi.Output[str]:
        return group.ip_address.apply(lambda ip: (ip.fqdn or ip.ip or "") if ip else "")

    def _warn_if_large(self, container: ContainerConfig) -> None:
        group = self._settings.group_size(container.size)
        if not group.fits_in(catalog.ACI.reliable_group):
            limit = catalog.ACI.reliable_group
            sidecar = " (TLS sidecar included)" if group != container.size else ""
            pulumi.log.warn(
                f"containers.{container.name}: its group needs {group.cpu:g} cores / {group.memory_gb:g} GB{sidecar}, "
                f"above {limit.cpu:g} cores / {limit.memory_gb:g} GB; ACI may lack regional capacity for it, so a "
                "quota request may be needed",
                self,
            )

    def _model_volume(self, container: ContainerConfig, replica: int) -> aci.VolumeArgs:
        """The replica's own share (no two groups download into one), named after the model id."""
        assert self._model_store is not None
        return self._model_store.volume(
            MODEL_VOLUME,
            f"{container.name}-{replica}-model",
            container.model_storage_name(replica),
            container.model_storage_gb,
        )

    def _preflight(self) -> pulumi.Output[str]:
        """A one-shot group asking billing for a token with the key (catalog.PREFLIGHT), and its verdict.

        ACI does not wait for a `Never` group's container to finish, so the verdict is read from the group's
        instance view: as of this update, and after `pulumi refresh` once it has exited (or see
        `az container logs -g <group> -n <name>`). The key is a secure value, read by the command from its
        environment.
        """
        facts, inputs = catalog.PREFLIGHT, self._inputs
        # No IP: it only calls out. In a VNet it checks the same network path the containers use.
        group = self._container_group(
            "preflight",
            {"speech-container": "preflight"},
            restart_policy="Never",
            containers=[
                aci.ContainerArgs(
                    name="preflight",
                    image=inputs.pull(facts.image),
                    command=inputs.preflight_command,
                    resources=aci.ResourceRequirementsArgs(
                        requests=aci.ResourceRequestsArgs(cpu=facts.size.cpu, memory_in_gb=facts.size.memory_gb)
                    ),
                    # Through the containers' proxy, if any: the same path as their usage reports.
                    environment_variables=billing_settings(inputs.billing_endpoint, inputs.api_key)
                    + variables(proxy_settings(inputs.proxy)),
                )
            ],
        )
        self.preflight_group = group
        # The containers property is secret (it holds the key); the verdict holds nothing of it.
        return pulumi.Output.unsecret(group.containers.apply(lambda cs: preflight_verdict(cs[0].instance_view)))

    def _container_group(
        self, name: str, tags: dict[str, str], after: Sequence[pulumi.Resource] = (), **specifics: Any
    ) -> aci.ContainerGroup:
        """A Linux group of this host: its region, network (the VNet subnet, if any) and logs, plus `specifics`."""
        subnet = self._settings.subnet_id
        return aci.ContainerGroup(
            f"{self._name}-{name}",
            resource_group_name=self._inputs.resource_group_name,
            location=self._inputs.location,
            os_type="Linux",
            sku="Standard",
            subnet_ids=[aci.ContainerGroupSubnetIdArgs(id=subnet)] if subnet else None,
            diagnostics=self._diagnostics(),
            tags={**self._inputs.tags, **tags},
            # Containers call billing (and the preflight checks it) at once: the private DNS records come first;
            # with a private registry, its pull role and cache rules too.
            opts=pulumi.ResourceOptions(
                parent=self, depends_on=[*self._inputs.network_ready, *self._pull_ready, *after]
            ),
            **self._pull,
            **specifics,
        )

    def _diagnostics(self) -> aci.ContainerGroupDiagnosticsArgs:
        workspace = self._inputs.workspace
        return aci.ContainerGroupDiagnosticsArgs(
            log_analytics=aci.LogAnalyticsArgs(
                workspace_id=workspace.customer_id,
                workspace_key=workspace.shared_key,
                workspace_resource_id=workspace.id,
                log_type="ContainerInsights",
            )
        )

    def _tls_proxy(self, port: int) -> tuple[list[aci.ContainerArgs], list[aci.VolumeArgs]]:
        """The nginx sidecar (forwarding to the Speech container's `port`) and its secret volume, or nothing for
        private groups without TLS."""
        if self._tls is None:
            return [], []
        size = catalog.TLS_PROXY_SIZE
        proxy = aci.ContainerArgs(
            name="tls-proxy",
            image=self._inputs.pull(self._settings.tls.proxy_image),
            command=["nginx", "-c", f"{TLS_DIR}/nginx.conf", "-g", "daemon off;"],
            resources=aci.ResourceRequirementsArgs(
                requests=aci.ResourceRequestsArgs(cpu=size.cpu, memory_in_gb=size.memory_gb)
            ),
            ports=[aci.ContainerPortArgs(port=catalog.TLS_PORT, protocol="TCP")],
            volume_mounts=[aci.VolumeMountArgs(name=TLS_VOLUME, mount_path=TLS_DIR, read_only=True)],
        )
        return [proxy], [
            aci.VolumeArgs(name=TLS_VOLUME, secret=self._tls.volume_files(port, self._inputs.stream_budget_seconds))
        ]

    def _address(self, container: ContainerConfig, replica: int) -> aci.IpAddressArgs:
        """Only the TLS port is exposed when TLS is on; plain 5000 only on private (VNet) groups."""
        port = catalog.TLS_PORT if self._tls else container.spec.port
        ports = [aci.PortArgs(port=port, protocol="TCP")]
        if self._settings.subnet_id:
            return aci.IpAddressArgs(type="Private", ports=ports)
        label = self._settings.dns_label(container.name, replica)
        # TenantReuse: after deletion only our tenant can claim the label again (no subdomain takeover).
        return aci.IpAddressArgs(
            type="Public", ports=ports, dns_name_label=label, auto_generated_domain_name_label_scope="TenantReuse"
        )

    def _group(self, container: ContainerConfig, replica: int) -> aci.ContainerGroup:
        spec, inputs = container.spec, self._inputs
        group_name = f"{container.name}-{replica}"
        volumes = [self._model_volume(container, replica)] if spec.needs_model_id else []
        mounts = [aci.VolumeMountArgs(name=MODEL_VOLUME, mount_path=catalog.MODEL_MOUNT_PATH)] if volumes else []
        if self._output_store is not None and container.output is not None:
            volume, mount = output_volume(self._output_store, container.name, replica, container.output.storage_gb)
            volumes, mounts = [*volumes, volume], [*mounts, mount]
        after: list[pulumi.Resource] = []
        if container.disconnected:
            volume, mount, download = self._license(container)
            volumes, mounts, after = [*volumes, volume], [*mounts, mount], [download]
        sidecars, tls_volumes = self._tls_proxy(spec.port)
        size = container.size
        # The key-name tag is set in the same PUT as ApiKey, so the group says which key it runs with (rotation
        # reads it).
        return self._container_group(
            group_name,
            {"speech-container": container.kind.value, catalog.KEY_NAME_TAG: inputs.active_key_name},
            restart_policy=self._settings.restart_policy,
            init_containers=[
                aci.InitContainerDefinitionArgs(
                    name="avx2-check",
                    image=inputs.pull(self._settings.avx2_check_image),
                    command=list(catalog.AVX2_CHECK_COMMAND),
                )
            ],
            containers=[
                aci.ContainerArgs(
                    name=container.name,
                    image=container.image,
                    resources=aci.ResourceRequirementsArgs(
                        requests=aci.ResourceRequestsArgs(cpu=size.cpu, memory_in_gb=size.memory_gb),
                    ),
                    ports=[aci.ContainerPortArgs(port=spec.port, protocol="TCP")],
                    environment_variables=environment(container, inputs.billing_endpoint, inputs.api_key),
                    readiness_probe=_probe(
                        spec.ready_path(container.tag), spec.port, catalog.READINESS_PERIOD_SECONDS, 0
                    ),
                    liveness_probe=_probe(
                        catalog.LIVENESS_PATH, spec.port, catalog.LIVENESS_PERIOD_SECONDS, spec.startup_budget_seconds
                    ),
                    volume_mounts=mounts,
                ),
                *sidecars,
            ],
            ip_address=self._address(container, replica),
            volumes=volumes + tls_volumes,
            after=after,
        )

    def _license(self, container: ContainerConfig) -> tuple[aci.VolumeArgs, aci.VolumeMountArgs, aci.ContainerGroup]:
        """A disconnected deployment's license share, and the one-shot group that downloads its license into it
        (connected: Billing and ApiKey, through the proxy if any). It runs again when its image or the renewal round
        changes (components/azure/disconnected.py). ACI does not wait for it: a replica started before the license
        is there fails and restarts until it is (`az container logs -g <group> -n <deployment>-license`)."""
        if container.name not in self._licenses:
            assert self._license_store is not None and self._inputs.license_round is not None
            inputs = self._inputs
            volume = self._license_store.volume(
                LICENSE_VOLUME, f"{container.name}-license-share", f"{container.name}-license", 1
            )
            mount = aci.VolumeMountArgs(name=LICENSE_VOLUME, mount_path=catalog.DISCONNECTED.license_mount_path)
            size = container.size
            download = self._container_group(
                f"{container.name}-license",
                {"speech-container": "license-download"},
                restart_policy="Never",
                containers=[
                    aci.ContainerArgs(
                        name="license",
                        image=container.image,
                        resources=aci.ResourceRequirementsArgs(
                            requests=aci.ResourceRequestsArgs(cpu=size.cpu, memory_in_gb=size.memory_gb)
                        ),
                        environment_variables=billing_settings(inputs.billing_endpoint, inputs.api_key)
                        + variables([*license_settings(inputs.license_round), *proxy_settings(inputs.proxy)]),
                        volume_mounts=[mount],
                    )
                ],
                volumes=[volume],
            )
            self._licenses[container.name] = (volume, mount, download)
        return self._licenses[container.name]
