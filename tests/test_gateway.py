"""The Gateway API ingress on AKS (Application Gateway for Containers): objects valid against their pinned CRD schemas,
listener, routes -> Services -> ports per kind, route timeouts = the stream budget, health probes on the readiness path,
TLS synced from the vault after the certificate check, the ALB controller's roles, DNS, outputs, the migration from
`aks.ingress`, and bad input."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

import jsonschema
import pytest

from components import catalog, config
from components.aks.gateway import route_timeout
from components.aks.gateway_tls import TLS_SECRET
from components.catalog import Kind
from plan import offline
from tests import test_aks
from tests.sample_stacks import AKS_GATEWAY_STACK, AKS_INGRESS_STACK, GATEWAY_VNET, plan_program, with_changes
from tests.test_aks import SECRET_PROVIDER_CLASS_SCHEMA, manifest
from tests.test_api_versions import PREVIEW_EXCEPTIONS, api_version

DATA = Path(__file__).parent / "data"
#: The strict Kubernetes validation fixture of the AKS tests.
validate_kubernetes = test_aks.validate_kubernetes
GATEWAY = "kubernetes:gateway.networking.k8s.io/v1:Gateway"
ROUTE = "kubernetes:gateway.networking.k8s.io/v1:HTTPRoute"
HEALTH = "kubernetes:alb.networking.azure.io/v1:HealthCheckPolicy"
SPC = "kubernetes:secrets-store.csi.x-k8s.io/v1:SecretProviderClass"
ROLE = "azure-native:authorization:RoleAssignment"
SUBNET_ID = f"{GATEWAY_VNET}/subnets/agc"
INGRESS = AKS_INGRESS_STACK["aks"]["ingress"]

#: The ingress stack migrating: the gateway beside the Ingress on the same certificate, an existing delegated subnet,
#: language identification (port 5003) and a longer stream budget.
SIDE_BY_SIDE_STACK = with_changes(
    AKS_INGRESS_STACK,
    aks={**AKS_INGRESS_STACK["aks"], "gateway": {**INGRESS, "subnetId": SUBNET_ID}},
    containers={**AKS_INGRESS_STACK["containers"], "language-identification": {}},
    streamBudgetSeconds=5400,
)


@pytest.fixture(scope="module")
def gateway_plan() -> offline.Plan:
    return plan_program(AKS_GATEWAY_STACK)


@pytest.fixture(scope="module")
def side_by_side_plan() -> offline.Plan:
    return plan_program(SIDE_BY_SIDE_STACK)


# --- pinned schemas -----------------------------------------------------------------------------------------------


def closed(schema: Any) -> Any:
    """A CRD schema as the API server applies it with strict field validation (`kubectl --validate=strict`, Pulumi's
    server-side apply): an object's unknown fields are errors unless the CRD preserves them."""
    if isinstance(schema, list):
        return [closed(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    found = {key: closed(value) for key, value in schema.items()}
    # Only whole object schemas; `oneOf` branches that only constrain some properties stay open.
    is_object = found.get("type") == "object" and "properties" in found
    if is_object and "additionalProperties" not in found and not found.get("x-kubernetes-preserve-unknown-fields"):
        found["additionalProperties"] = False
    return found


def crd_schema(file: str) -> dict[str, Any]:
    pinned = json.loads((DATA / "gateway-api" / file).read_text())
    assert (pinned["bundleVersion"], pinned["channel"], pinned["version"]) == (
        catalog.GATEWAY.gateway_api_bundle,
        "standard",
        "v1",
    )
    schema: dict[str, Any] = closed(pinned["openAPIV3Schema"])
    return schema


def agc_schema(kind: str) -> dict[str, Any]:
    pinned = json.loads((DATA / "agc" / "alb-networking-v1.json").read_text())
    return {**pinned[kind], "definitions": pinned["definitions"]}


SCHEMAS: Final[dict[str, dict[str, Any]]] = {
    GATEWAY: crd_schema("gateways-v1.json"),
    ROUTE: crd_schema("httproutes-v1.json"),
    HEALTH: agc_schema("HealthCheckPolicy"),
    SPC: SECRET_PROVIDER_CLASS_SCHEMA,
}


@functools.cache
def validator(type_: str) -> Any:
    """A checked, compiled validator per pinned schema (checking the 120 kB HTTPRoute schema per call is slow)."""
    schema = SCHEMAS[type_]
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


@pytest.mark.parametrize("plan_name", ["gateway_plan", "side_by_side_plan"])
def test_every_gateway_object_is_valid_against_its_pinned_schema(
    plan_name: str, request: pytest.FixtureRequest, validate_kubernetes: Callable[[dict[str, Any]], str]
) -> None:
    plan: offline.Plan = request.getfixturevalue(plan_name)
    gateway_children = {
        r.urn for r in plan.registrations if "-gateway" in r.name and r.type.startswith("kubernetes:") and r.custom
    }
    checked = set()
    for resource in plan.registrations:
        if resource.urn not in gateway_children or resource.type == "kubernetes:helm.sh/v3:Release":
            continue
        body = manifest(resource)
        if resource.type in SCHEMAS:
            validator(resource.type).validate(body)
        else:
            validate_kubernetes(body)
        checked.add(resource.type)
    assert {GATEWAY, ROUTE, HEALTH, SPC, "kubernetes:apps/v1:Deployment"} <= checked


@pytest.mark.parametrize(
    ("type_", "path", "value"),
    [
        (ROUTE, ["spec", "rules", 0, "backendRefs", 0, "prot"], 5000),
        (ROUTE, ["spec", "hostnames", 0], "Not_A_Host"),
        (GATEWAY, ["spec", "listeners", 0, "tls", "mode"], "Terminated"),
        (ROUTE, ["spec", "rules", 0, "timeouts", "request"], "3600 s"),
        (ROUTE, ["spec", "rules", 0, "timeouts", "request"], "123456s"),
        (HEALTH, ["spec", "default", "protocol"], "GRPC"),
        (HEALTH, ["spec", "default", "http", "paths"], "/ready"),
    ],
)
def test_the_pinned_schemas_catch_a_wrong_field(
    gateway_plan: offline.Plan, type_: str, path: list[Any], value: Any
) -> None:
    body = copy.deepcopy(manifest(gateway_plan.of_type(type_)[0]))
    validator(type_).validate(body)
    target = body
    for part in path[:-1]:
        target = target[part]
    target[path[-1]] = value
    with pytest.raises(jsonschema.ValidationError):
        validator(type_).validate(body)


# --- the Gateway and its routes --------------------------------------------------------------------------------


def test_the_listener_terminates_tls_for_every_host_with_the_synced_certificate(gateway_plan: offline.Plan) -> None:
    gateway = gateway_plan.one(GATEWAY)
    (listener,) = gateway.get("spec.listeners")
    assert listener["hostname"] == "*.speech.contoso.com"
    assert (listener["port"], listener["protocol"]) == (catalog.TLS_PORT, "HTTPS")
    assert listener["tls"] == {
        "mode": "Terminate",
        "certificateRefs": [{"kind": "Secret", "group": "", "name": TLS_SECRET}],
    }
    spc = gateway_plan.named("speech-aks-gateway-tls-secret-provider-class")
    (synced,) = spc.get("spec.secretObjects")
    assert (synced["secretName"], synced["type"]) == (TLS_SECRET, "kubernetes.io/tls")
    assert {d["key"] for d in synced["data"]} == {"tls.key", "tls.crt"}
    assert {d["objectName"] for d in synced["data"]} == {"speech-wildcard"}
    controller = gateway_plan.one("azure-native:servicenetworking:TrafficControllerInterface")
    frontend = gateway_plan.one("azure-native:servicenetworking:FrontendsInterface")
    assert gateway.get("spec.gatewayClassName") == "azure-alb-external"
    assert gateway.get("metadata.annotations")["alb.networking.azure.io/alb-id"] == controller.id
    assert gateway.get("metadata.annotations")["pulumi.com/waitFor"] == "condition=Programmed"
    assert int(gateway.get("metadata.annotations")["pulumi.com/timeoutSeconds"]) > 600
    assert any("documented as preview" in w for w in gateway_plan.warnings)
    assert gateway.get("spec.addresses") == [
        {"type": "alb.networking.azure.io/alb-frontend", "value": frontend.outputs["name"]}
    ]


def _services(plan: offline.Plan) -> dict[str, dict[str, Any]]:
    return {s.get("metadata.name"): s.get("spec") for s in plan.of_type("kubernetes:core/v1:Service")}


def _deployments(plan: offline.Plan) -> dict[str, dict[str, Any]]:
    return {d.get("metadata.name"): d.get("spec") for d in plan.of_type("kubernetes:apps/v1:Deployment")}


@pytest.mark.parametrize("plan_name", ["gateway_plan", "side_by_side_plan"])
def test_each_deployment_has_a_route_to_its_service_port(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: offline.Plan = request.getfixturevalue(plan_name)
    services = _services(plan)
    routes = {r.get("metadata.name"): r.get("spec") for r in plan.of_type(ROUTE)}
    kinds = {c.name: c.kind for c in config.parse(_values(plan_name)).containers}
    assert set(routes) == set(kinds)
    for deployment, route in routes.items():
        assert route["hostnames"] == [f"{deployment}.speech.contoso.com"]
        assert route["parentRefs"] == [{"name": "speech", "sectionName": "https"}]
        (rule,) = route["rules"]
        (backend,) = rule["backendRefs"]
        assert backend == {"name": deployment, "port": catalog.CONTAINERS[kinds[deployment]].port}
        assert backend["port"] in {p["port"] for p in services[deployment]["ports"]}
    if Kind.LANGUAGE_IDENTIFICATION in kinds.values():
        assert routes["language-identification"]["rules"][0]["backendRefs"][0]["port"] == 5003


def _values(plan_name: str) -> dict[str, Any]:
    return AKS_GATEWAY_STACK if plan_name == "gateway_plan" else SIDE_BY_SIDE_STACK


@pytest.mark.parametrize(("plan_name", "budget"), [("gateway_plan", 3600), ("side_by_side_plan", 5400)])
def test_every_route_times_out_at_the_stream_budget_not_agcs_60_seconds(
    plan_name: str, budget: int, request: pytest.FixtureRequest
) -> None:
    plan: offline.Plan = request.getfixturevalue(plan_name)
    for route in plan.of_type(ROUTE):
        (rule,) = route.get("spec.rules")
        assert rule["timeouts"] == {"request": f"{budget}s"}
    assert budget > catalog.GATEWAY.default_request_timeout_seconds
    # No AGC RoutePolicy: the HTTPRoute's own timeout is what AGC's docs recommend, and it would override one.
    assert plan.of_type("kubernetes:alb.networking.azure.io/v1:RoutePolicy") == []


def test_the_longest_stream_budget_is_a_valid_route_timeout(gateway_plan: offline.Plan) -> None:
    """Gateway API durations allow 5 digits per unit: the largest budget the config accepts must still fit."""
    body = copy.deepcopy(manifest(gateway_plan.of_type(ROUTE)[0]))
    body["spec"]["rules"][0]["timeouts"]["request"] = route_timeout(catalog.MAX_STREAM_BUDGET_SECONDS)
    validator(ROUTE).validate(body)
    values = with_changes(AKS_GATEWAY_STACK, streamBudgetSeconds=catalog.MAX_STREAM_BUDGET_SECONDS)
    assert config.parse(values).stream_budget_seconds == catalog.MAX_STREAM_BUDGET_SECONDS


def test_health_checks_probe_each_containers_readiness_path_on_its_port(side_by_side_plan: offline.Plan) -> None:
    deployments = _deployments(side_by_side_plan)
    checks = {h.get("spec.targetRef.name"): h.get("spec") for h in side_by_side_plan.of_type(HEALTH)}
    assert set(checks) == {r.get("metadata.name") for r in side_by_side_plan.of_type(ROUTE)}
    for name, check in checks.items():
        assert check["targetRef"]["kind"] == "Service"
        container = next(c for c in deployments[name]["template"]["spec"]["containers"] if c["name"] != "drain")
        probe = container["readinessProbe"]["httpGet"]
        assert check["default"]["http"]["path"] == probe["path"]
        assert check["default"]["port"] == _services(side_by_side_plan)[name]["ports"][0]["port"]
        assert check["default"]["http"]["match"] == {"statusCodes": [{"start": 200, "end": 299}]}


# --- TLS from the vault, roles, dependencies --------------------------------------------------------------------


def _grants_to(plan: offline.Plan, principal: str) -> dict[str, str]:
    """Role GUID -> scope of every grant to this principal."""
    return {
        str(r.get("roleDefinitionId")).rsplit("/", 1)[-1]: r.get("scope")
        for r in plan.of_type(ROLE)
        if r.get("principalId") == principal
    }


def _identity(plan: offline.Plan, name: str) -> offline.Registration:
    return plan.named(name)


def test_the_alb_controller_holds_the_documented_roles_on_the_narrowest_scopes(gateway_plan: offline.Plan) -> None:
    identity = _identity(gateway_plan, "speech-aks-gateway-alb-controller-identity")
    grants = _grants_to(gateway_plan, identity.outputs["principalId"])
    cluster = gateway_plan.one("azure-native:containerservice:ManagedCluster")
    assert grants == {
        catalog.Role.APPGW_FOR_CONTAINERS_CONFIGURATION_MANAGER.value: gateway_plan.one(
            "azure-native:servicenetworking:TrafficControllerInterface"
        ).id,
        catalog.Role.NETWORK_CONTRIBUTOR.value: gateway_plan.one("azure-native:network:Subnet").id,
        catalog.Role.READER.value: "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/"
        + cluster.outputs["nodeResourceGroup"],
    }
    federation = gateway_plan.named("speech-aks-gateway-alb-controller-federation")
    assert federation.get("subject") == "system:serviceaccount:azure-alb-system:alb-controller-sa"
    release = gateway_plan.one("kubernetes:helm.sh/v3:Release")
    assert (release.get("chart"), release.get("version")) == (catalog.GATEWAY.chart, catalog.GATEWAY.chart_version)
    values = release.get("values")["albController"]
    assert (values["namespace"], values["podIdentity"], values["installGatewayApiCRDs"]) == (
        "azure-alb-system",
        {"clientID": identity.outputs["clientId"]},
        True,
    )
    # The controller runs on the system pool: it tolerates exactly the taint that pool has.
    (system,) = cluster.get("agentPoolProfiles")
    (toleration,) = values["controller"]["tolerations"]
    key, value_effect = system["nodeTaints"][0].split("=")
    assert (toleration["key"], toleration["operator"], toleration["effect"]) == (
        key,
        "Exists",
        value_effect.split(":")[1],
    )
    (wait,) = [s for s in gateway_plan.of_type("time:index/sleep:Sleep") if s.urn in release.dependencies]
    assert {
        r.urn for r in gateway_plan.of_type(ROLE) if r.get("principalId") == identity.outputs["principalId"]
    } <= set(wait.dependencies)


def test_the_certificate_is_readable_by_its_own_identity_only_and_synced_after_the_check(
    gateway_plan: offline.Plan,
) -> None:
    identity = _identity(gateway_plan, "speech-aks-gateway-tls-identity")
    vault = gateway_plan.one("azure-native:keyvault:Vault")
    assert _grants_to(gateway_plan, identity.outputs["principalId"]) == {
        catalog.Role.KEY_VAULT_SECRETS_USER.value: f"{vault.id}/secrets/speech-wildcard"
    }
    spc = gateway_plan.named("speech-aks-gateway-tls-secret-provider-class")
    assert spc.get("spec.parameters.clientID") == identity.outputs["clientId"]
    sleep = gateway_plan.named("speech-aks-gateway-tls-propagation")
    assert sleep.urn in spc.dependencies
    holder = gateway_plan.named("speech-aks-gateway-tls-holder")
    check = gateway_plan.named("speech-aks-certificate-check")
    assert {check.urn, spc.urn} <= set(holder.dependencies)
    pod = holder.get("spec.template.spec")
    assert pod["volumes"][0]["csi"]["volumeAttributes"] == {"secretProviderClass": TLS_SECRET}
    assert holder.get("spec.replicas") == 2
    (hold,) = pod["containers"]
    mounted = {"command": ["test", "-s", "/mnt/gateway-tls/speech-wildcard"]}
    assert hold["readinessProbe"]["exec"] == hold["livenessProbe"]["exec"] == mounted
    isolated = gateway_plan.named("speech-aks-gateway-tls-network-policy")
    assert isolated.get("spec.policyTypes") == ["Ingress", "Egress"]
    assert (isolated.get("spec.ingress"), isolated.get("spec.egress")) == (None, None)
    assert isolated.get("spec.podSelector.matchLabels") == holder.get("spec.selector.matchLabels")
    budget = gateway_plan.named("speech-aks-gateway-tls-disruption-budget")
    assert budget.get("spec.unhealthyPodEvictionPolicy") == "AlwaysAllow"
    gateway = gateway_plan.one(GATEWAY)
    association = gateway_plan.one("azure-native:servicenetworking:AssociationsInterface")
    release = gateway_plan.one("kubernetes:helm.sh/v3:Release")
    assert {holder.urn, association.urn, release.urn} <= set(gateway.dependencies)
    for policy in gateway_plan.of_type(ROUTE) + gateway_plan.of_type(HEALTH):
        assert release.urn in policy.dependencies


def test_the_association_uses_a_delegated_subnet_in_the_clusters_vnet(gateway_plan: offline.Plan) -> None:
    subnet = gateway_plan.one("azure-native:network:Subnet")
    assert (subnet.get("resourceGroupName"), subnet.get("virtualNetworkName")) == ("rg-network", "vnet-speech")
    assert subnet.get("addressPrefix") == "10.225.0.0/24"
    assert subnet.get("delegations") == [
        {"name": "trafficControllers", "serviceName": "Microsoft.ServiceNetworking/trafficControllers"}
    ]
    association = gateway_plan.one("azure-native:servicenetworking:AssociationsInterface")
    assert association.get("subnet") == {"id": subnet.id}
    assert association.get("associationType") == "subnets"


@pytest.mark.parametrize("plan_name", ["gateway_plan", "side_by_side_plan"])
def test_the_speech_pods_admit_the_gateways_subnet(plan_name: str, request: pytest.FixtureRequest) -> None:
    plan: offline.Plan = request.getfixturevalue(plan_name)
    policy = plan.named("speech-aks-network-policy-policy")
    blocks = [p["ipBlock"]["cidr"] for rule in policy.get("spec.ingress") for p in rule["from"] if "ipBlock" in p]
    assert blocks == ["10.225.0.0/24"]  # created (gateway_plan) or read from Azure (the mock's existing subnet)
    ports = [rule["ports"] for rule in policy.get("spec.ingress")]
    assert ports[0] == ports[1]


# --- DNS and outputs ----------------------------------------------------------------------------------------------


def test_each_host_gets_a_cname_to_the_gateway_address(gateway_plan: offline.Plan) -> None:
    address = gateway_plan.outputs["gatewayAddress"]
    assert address == gateway_plan.one("azure-native:servicenetworking:FrontendsInterface").outputs["fqdn"]
    records = {r.get("relativeRecordSetName"): r for r in gateway_plan.of_type("azure-native:dns:RecordSet")}
    assert set(records) == {"speech-to-text.speech", "neural-text-to-speech.speech"}
    for record in records.values():
        assert (record.get("zoneName"), record.get("resourceGroupName")) == ("contoso.com", "rg-dns")
        assert (record.get("recordType"), record.get("ttl")) == ("CNAME", 300)
        assert record.get("cnameRecord") == {"cname": address}
    endpoints = gateway_plan.outputs["containers"]
    assert endpoints["speech-to-text"]["url"] == "wss://speech-to-text.speech.contoso.com:443"


def test_without_a_zone_no_records_and_without_a_gateway_no_address(
    side_by_side_plan: offline.Plan, aks_plan: offline.Plan
) -> None:
    assert side_by_side_plan.of_type("azure-native:dns:RecordSet") == []
    assert side_by_side_plan.outputs["gatewayAddress"].endswith(".alb.azure.com")
    assert "gatewayAddress" not in aks_plan.outputs
    assert aks_plan.of_type(GATEWAY) == []


def test_the_gateways_azure_resources_use_ga_api_versions_or_listed_exceptions(gateway_plan: offline.Plan) -> None:
    types = {r.type for r in gateway_plan.registrations if r.type.startswith("azure-native:")}
    previews = {t for t in types if "preview" in api_version(t)}
    assert previews <= set(PREVIEW_EXCEPTIONS)
    assert "azure-native:servicenetworking:TrafficControllerInterface" in types - previews


# --- migration from aks.ingress --------------------------------------------------------------------------------


def test_an_ingress_stack_keeps_its_ingress_and_is_told_to_move(side_by_side_plan: offline.Plan) -> None:
    ingress_only = plan_program(AKS_INGRESS_STACK)
    assert ingress_only.of_type(GATEWAY) == []
    assert any("aks.ingress is deprecated" in w and "Add aks.gateway" in w for w in ingress_only.warnings)
    # Side by side: one Ingress, one Gateway, one certificate check for their shared certificate; the Ingress's
    # resources keep their names.
    assert len(side_by_side_plan.of_type("kubernetes:networking.k8s.io/v1:Ingress")) == 1
    assert len(side_by_side_plan.of_type(GATEWAY)) == 1
    assert [j.name for j in side_by_side_plan.of_type("kubernetes:batch/v1:Job") if "certificate" in j.name] == [
        "speech-aks-certificate-check"
    ]
    assert {r.urn for r in ingress_only.registrations} <= {r.urn for r in side_by_side_plan.registrations}
    assert any("point DNS at the gateway address" in w for w in side_by_side_plan.warnings)


def test_a_second_certificate_gets_its_own_check() -> None:
    gateway = {**INGRESS, "certificateName": "speech-gateway-cert", "subnetId": SUBNET_ID}
    plan = plan_program(with_changes(AKS_INGRESS_STACK, aks={**AKS_INGRESS_STACK["aks"], "gateway": gateway}))
    jobs = {j.get("metadata.name"): j for j in plan.of_type("kubernetes:batch/v1:Job") if "certificate" in j.name}
    assert set(jobs) == {"speech-certificate-check", "speech-gateway-certificate-check"}
    holder = plan.named("speech-aks-gateway-tls-holder")
    assert jobs["speech-gateway-certificate-check"].urn in holder.dependencies


# --- bad input ---------------------------------------------------------------------------------------------------


def _problems(gateway: dict[str, Any], aks: dict[str, Any]) -> list[str]:
    """The config errors of the gateway stack with `aks.gateway` replaced and `aks` keys changed (None: removed)."""
    values = with_changes(AKS_GATEWAY_STACK)
    values["aks"]["gateway"] = gateway
    for key, value in aks.items():
        if value is None:
            values["aks"].pop(key)
        else:
            values["aks"][key] = value
    with pytest.raises(config.ConfigError) as error:
        config.parse(values)
    return error.value.problems


BASE = AKS_GATEWAY_STACK["aks"]["gateway"]


@pytest.mark.parametrize(
    ("gateway", "aks", "key", "says"),
    [
        ({k: v for k, v in BASE.items() if k != "subnetPrefix"}, {}, "aks.gateway.subnetId", "give subnetId"),
        ({**BASE, "subnetId": SUBNET_ID}, {}, "aks.gateway.subnetId", "not both"),
        (BASE, {"cluster": {}}, "aks.gateway.subnetPrefix", "AKS-managed VNet"),
        (
            BASE,
            {"cluster": None, "existingCluster": {"name": "aks", "resourceGroupName": "rg"}},
            "aks.gateway.subnetPrefix",
            "existing cluster",
        ),
        ({**BASE, "subnetPrefix": "10.225.0.0/25"}, {}, "aks.gateway.subnetPrefix", "exactly a /24"),
        ({**BASE, "subnetPrefix": "10.224.0.0/23"}, {}, "aks.gateway.subnetPrefix", "no larger"),
        ({**BASE, "subnetPrefix": "10.225.0"}, {}, "aks.gateway.subnetPrefix", "CIDR"),
        (
            {**BASE, "dnsZoneId": BASE["dnsZoneId"].replace("contoso.com", "fabrikam.com")},
            {},
            "aks.gateway.dnsZoneId",
            "does not hold the domain",
        ),
        ({**BASE, "dnsZoneId": "contoso.com"}, {}, "aks.gateway.dnsZoneId", "DNS zone resource id"),
        ({k: v for k, v in BASE.items() if k != "certificateName"}, {}, "aks.gateway.certificateName", "required"),
        ({**BASE, "domain": "Speech_Contoso"}, {}, "aks.gateway.domain", "DNS domain"),
        ({**BASE, "routing": "path"}, {}, "aks.gateway.routing", ""),
        (
            BASE,
            {"cluster": {**AKS_GATEWAY_STACK["aks"]["cluster"], "kubernetesVersion": "1.31"}},
            "aks.cluster.kubernetesVersion",
            "older than the 1.32",
        ),
    ],
)
def test_bad_gateway_config_names_the_key(gateway: dict[str, Any], aks: dict[str, Any], key: str, says: str) -> None:
    problems = _problems(gateway, aks)
    matching = [p for p in problems if p.startswith(key)]
    assert matching, problems
    assert says in matching[0]


def test_the_plan_shows_each_hosts_route_timeout_probe_and_record(gateway_plan: offline.Plan) -> None:
    from plan.gateway import gateway_rows

    rows = {row[0]: row[1:] for row in gateway_rows(gateway_plan)}
    address = gateway_plan.outputs["gatewayAddress"]
    assert rows["speech-to-text.speech.contoso.com"] == ["speech-to-text:5000", "3600s", "/ready", f"CNAME {address}"]
    assert rows["neural-text-to-speech.speech.contoso.com"][2] == "/synthesize/health"


def test_the_certificate_alert_watches_the_gateways_certificate() -> None:
    gateway = {**INGRESS, "certificateName": "speech-gateway-cert", "subnetId": SUBNET_ID}
    plan = plan_program(with_changes(AKS_INGRESS_STACK, aks={**AKS_INGRESS_STACK["aks"], "gateway": gateway}))
    subscription = plan.one("azure-native:eventgrid:SystemTopicEventSubscription")
    assert subscription.get("filter.subjectBeginsWith") == "speech-gateway-cert"


def test_a_public_gateway_beside_an_internal_ingress_is_called_out() -> None:
    aks = {**SIDE_BY_SIDE_STACK["aks"], "ingress": {**INGRESS, "internal": True}}
    plan = plan_program(with_changes(SIDE_BY_SIDE_STACK, aks=aks))
    assert any("frontends are public" in w for w in plan.warnings)
    assert not any("frontends are public" in w for w in plan_program(SIDE_BY_SIDE_STACK).warnings)


def test_the_gateways_components_are_typed_parent_their_children_and_use_the_cluster_provider(
    gateway_plan: offline.Plan,
) -> None:
    host = gateway_plan.one("speech-containers:aks:AksHost")
    gateway = gateway_plan.one("speech-containers:aks:SpeechGateway")
    tls = gateway_plan.one("speech-containers:aks:GatewayTls")
    assert gateway.parent == tls.parent == host.urn
    assert gateway_plan.one("speech-containers:aks:AlbController").parent == gateway.urn
    children = [r for r in gateway_plan.registrations if r.custom and r.name.startswith("speech-aks-gateway")]
    assert len(children) > 20
    components = {gateway.urn, tls.urn, gateway_plan.one("speech-containers:aks:AlbController").urn}
    provider = gateway_plan.one("pulumi:providers:kubernetes")
    for resource in children:
        assert resource.parent in components, resource.name
        if resource.type.startswith("kubernetes:"):
            assert resource.provider.startswith(provider.urn), resource.name
