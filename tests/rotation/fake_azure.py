"""Fake Azure: the Entra ID token endpoint, Key Vault secrets (with the 401 challenge handshake), the ARM account
and container group APIs, and the ACI containers' /status and readiness paths."""

from __future__ import annotations

import time
from urllib.parse import parse_qs

from tests.rotation.fake_http import FakeCloudServer, Raw, Reply, Request, error
from tests.rotation.fake_world import (
    ACCOUNT,
    ACCOUNT_ID,
    ACI_DEPLOYMENTS,
    ACI_GROUP_PREFIX,
    SECRET_NAME,
    SUBSCRIPTION,
    TENANT,
    Json,
    World,
)

TTS_HEALTH_PATH = "/synthesize/health"

# ---- Entra ID ---------------------------------------------------------------------------------------------


def openid_configuration(server: FakeCloudServer, request: Request) -> Reply:
    base = f"{server.base_url}/{request.params['tenant']}"
    return 200, {
        "token_endpoint": f"{base}/oauth2/v2.0/token",
        "authorization_endpoint": f"{base}/oauth2/v2.0/authorize",
        "device_authorization_endpoint": f"{base}/oauth2/v2.0/devicecode",
        "issuer": f"{base}/v2.0",
        "tenant_region_scope": None,
    }


def token(server: FakeCloudServer, request: Request) -> Reply:
    if server.world.sign_in_refused:  # Entra ID's OAuth error, not ARM's
        return 400, {"error": "invalid_request", "error_description": server.world.sign_in_refused}
    form = parse_qs(request.body.decode())
    scope = form.get("scope", [""])[0]
    return 200, {"token_type": "Bearer", "expires_in": 3600, "ext_expires_in": 3600, "access_token": f"t|{scope}"}


# ---- Key Vault ----------------------------------------------------------------------------------------------


def _vault_unauthorized(server: FakeCloudServer, request: Request) -> Reply | None:
    if request.header("Authorization").startswith("Bearer t|"):
        return None
    request.reply_headers["WWW-Authenticate"] = (
        f'Bearer authorization="{server.base_url}/{TENANT}", resource="{server.vault_challenge_resource}"'
    )
    return 401, error("Unauthorized", "AKV10000: Request is missing a Bearer or PoP token.")


def _versions(world: World, name: str) -> list[Json] | None:
    """A secret's versions; None when it does not exist (the main secret can be made missing)."""
    if name == SECRET_NAME and not world.secret_exists:
        return None
    return world.secrets.get(name)


#: When the seeded versions were stored (2023-11-14Z): long enough ago for any rotation period.
SEEDED_AT = 1_700_000_000


def _item(server: FakeCloudServer, name: str, version: Json) -> Json:
    created = version.get("created", SEEDED_AT)
    attributes = {"enabled": True, "created": created, "updated": created, "recoveryLevel": "Recoverable"}
    if version.get("exp") is not None:
        attributes["exp"] = version["exp"]
    return {
        "id": f"{server.base_url}/secrets/{name}/{version['version']}",
        "attributes": attributes,
        "tags": dict(version["tags"]),
    }


def _refused_by_policy(world: World, operation: str, expires: int | None) -> Reply | None:
    """Key Vault's answer to a write an Azure Policy in Deny mode refuses (it names the policy, not its id): the
    policies judge the version as it would be after the write."""
    if world.secrets_must_expire and expires is None:
        policy = "Key Vault secrets should have an expiration date"
    elif world.secrets_min_days_left is not None and expires is not None:
        if expires - time.time() >= world.secrets_min_days_left * 86_400:
            return None
        policy = "Secrets should have more than the specified number of days before expiration"
    else:
        return None
    return 403, error("ForbiddenByPolicy", f"Operation: '{operation}' is not allowed by policy: {policy}")


def _secret_missing(name: str) -> Reply:
    return 404, error("SecretNotFound", f"A secret with (name/id) {name} was not found in this key vault.")


def get_secret(server: FakeCloudServer, request: Request) -> Reply:
    unauthorized = _vault_unauthorized(server, request)
    if unauthorized:
        return unauthorized
    name = request.params["name"]
    versions = _versions(server.world, name)
    if versions is None:
        return _secret_missing(name)
    return 200, _item(server, name, versions[-1]) | {"value": versions[-1]["value"]}


def set_secret(server: FakeCloudServer, request: Request) -> Reply:
    unauthorized = _vault_unauthorized(server, request)
    if unauthorized:
        return unauthorized
    world, name, body = server.world, request.params["name"], request.json()
    refused = _refused_by_policy(world, "SecretSet", body.get("attributes", {}).get("exp"))
    if refused:
        return refused
    versions = world.secrets.setdefault(name, [])
    prefix = "v" if name == SECRET_NAME else "l"
    versions.append(
        {
            "version": f"{prefix}{len(versions)}",
            "value": body["value"],
            "tags": body.get("tags", {}),
            "created": int(time.time()),
            "exp": body.get("attributes", {}).get("exp"),
        }
    )
    if name == SECRET_NAME:
        world.secret_exists = True
    return 200, _item(server, name, versions[-1]) | {"value": versions[-1]["value"]}


def update_secret(server: FakeCloudServer, request: Request) -> Reply:
    unauthorized = _vault_unauthorized(server, request)
    if unauthorized:
        return unauthorized
    name = request.params["name"]
    matching = [v for v in _versions(server.world, name) or [] if v["version"] == request.params["version"]]
    if not matching:
        return _secret_missing(name)
    body = request.json()
    refused = _refused_by_policy(
        server.world, "SecretUpdate", body.get("attributes", {}).get("exp", matching[0].get("exp"))
    )
    if refused:
        return refused
    if "tags" in body:
        matching[0]["tags"] = body["tags"]
    if "exp" in body.get("attributes", {}):  # a PATCH: only the attributes it names change
        matching[0]["exp"] = body["attributes"]["exp"]
    return 200, _item(server, name, matching[0])


def list_secret_versions(server: FakeCloudServer, request: Request) -> Reply:
    unauthorized = _vault_unauthorized(server, request)
    if unauthorized:
        return unauthorized
    name = request.params["name"]
    versions = _versions(server.world, name)
    if versions is None:
        return _secret_missing(name)
    return 200, {"value": [_item(server, name, version) for version in versions], "nextLink": None}


# ---- ARM ----------------------------------------------------------------------------------------------------


def _arm_checked(server: FakeCloudServer, request: Request, resource_type: str, exists: bool) -> Reply | None:
    if request.header("Authorization") != f"Bearer t|{server.base_url}/.default":
        return 401, error("AuthenticationFailed", "missing or wrong ARM token")
    if request.params["sub"] != SUBSCRIPTION or not exists:
        return 404, error("ResourceNotFound", f"The Resource '{resource_type}/{request.params['name']}' was not found.")
    return None


def _account_checked(server: FakeCloudServer, request: Request) -> Reply | None:
    exists = request.params["name"] == ACCOUNT and server.world.account_exists
    return _arm_checked(server, request, "Microsoft.CognitiveServices/accounts", exists)


def get_account(server: FakeCloudServer, request: Request) -> Reply:
    return _account_checked(server, request) or (
        200,
        {"id": ACCOUNT_ID, "name": ACCOUNT, "kind": "SpeechServices", "location": "westeurope", "properties": {}},
    )


def list_keys(server: FakeCloudServer, request: Request) -> Reply:
    keys = server.world.keys
    return _account_checked(server, request) or (200, {"key1": keys["Key1"], "key2": keys["Key2"]})


def regenerate_key(server: FakeCloudServer, request: Request) -> Reply:
    problem = _account_checked(server, request)
    if problem is not None:
        return problem
    server.world.regenerate(request.json()["keyName"])
    return list_keys(server, request)


def get_container_group(server: FakeCloudServer, request: Request) -> Reply:
    name, world = request.params["name"], server.world
    assert request.query.get("api-version") == ["2023-05-01"]
    problem = _arm_checked(server, request, "Microsoft.ContainerInstance/containerGroups", name in world.aci_keys)
    tag = world.aci_key_tags.get(name)
    ip = {"ipAddress": {"ip": world.aci_ips[name], "type": "Private"}} if name in world.aci_ips else {}
    return problem or (
        200,
        {
            "id": f"{ACI_GROUP_PREFIX}/{name}",
            "name": name,
            "tags": {"speech-key-name": tag} if tag else {},
            "properties": ip,
        },
    )


def _gateway_document(world: World) -> Json:
    assert world.gateway_pools is not None
    state = "Updating" if world.gateway_updating else "Succeeded"
    world.gateway_updating = max(0, world.gateway_updating - 1)
    pools = [
        {"name": name, "properties": {"backendAddresses": [{"ipAddress": ip} for ip in ips]}}
        for name, ips in world.gateway_pools.items()
    ]
    return {
        "etag": f'W/"{world.gateway_etag}"',
        "properties": {"provisioningState": state, "backendAddressPools": pools},
    }


def get_gateway(server: FakeCloudServer, request: Request) -> Reply:
    world = server.world
    assert request.query.get("api-version") == ["2024-05-01"]
    problem = _arm_checked(server, request, "Microsoft.Network/applicationGateways", world.gateway_pools is not None)
    if problem:
        return problem
    document = _gateway_document(world)
    if world.concurrent_member is not None and world.gateway_pools is not None:
        # Someone else's PUT lands right after this read: what the reader holds is stale now.
        world.gateway_pools["pool-en-us"].append(world.concurrent_member)
        world.gateway_etag += 1
        world.concurrent_member = None
    return 200, document


def put_gateway(server: FakeCloudServer, request: Request) -> Reply:
    """A whole-gateway PUT: refused while another update runs or when throttled (the statuses queued in
    gateway_rejections), or when If-Match is stale; else it applies the pools and stays Updating for a while."""
    world = server.world
    problem = _arm_checked(server, request, "Microsoft.Network/applicationGateways", world.gateway_pools is not None)
    if problem:
        return problem
    if world.gateway_rejections:
        status = world.gateway_rejections.pop(0)
        return status, error("AnotherOperationInProgress" if status == 409 else "TooManyRequests", "try again")
    if request.header("If-Match") != f'W/"{world.gateway_etag}"':
        return 412, error("PreconditionFailed", "the gateway changed since it was read")
    before = {ip for ips in (world.gateway_pools or {}).values() for ip in ips}
    world.gateway_pools = {
        p["name"]: [a["ipAddress"] for a in p["properties"]["backendAddresses"]]
        for p in request.json()["properties"]["backendAddressPools"]
    }
    after = {ip for ips in world.gateway_pools.values() for ip in ips}
    for ip in before - after:
        world.removed_at[ip] = time.monotonic()
        world.aci_log.append(f"drain {ip}")
    for ip in after - before:
        world.removed_at.pop(ip, None)
        world.aci_log.append(f"serve {ip}")
    world.gateway_etag += 1
    world.gateway_updating = world.gateway_update_polls
    return 202, {}


# ---- ACI containers and the fake Pulumi's deployment --------------------------------------------------------


def _kind(instance: str) -> str:
    return ACI_DEPLOYMENTS[instance.rsplit("-", 1)[0]]


def aci_status(server: FakeCloudServer, request: Request) -> Reply:
    """Answers while the model still loads, as /status may: only readiness tells when a group can serve."""
    world, instance = server.world, request.params["instance"]
    if instance in world.starting_aci_instances:
        return 503, error("Starting", "the container is starting")
    if instance in world.garbage_status:
        return 0, Raw(b"garbage\r\n\r\n")
    valid = world.key_valid(world.aci_keys[instance])
    world.aci_log.append(f"{'valid' if valid else 'invalid'} {instance}")
    return 200, {"apiStatus": "Valid" if valid else "Invalid", "apiStatusMessage": "fake"}


def aci_ready(server: FakeCloudServer, request: Request) -> Reply:
    """Neural TTS answers its documented health check and not /ready; the other kinds answer /ready."""
    world, instance = server.world, request.params["instance"]
    health_path = TTS_HEALTH_PATH if _kind(instance) == "neural-text-to-speech" else "/ready"
    if request.params["path"] != health_path:
        return 404, error("NotFound", request.params["path"])
    loading = world.restarting.pop(instance, 0)
    if loading > 1:
        world.restarting[instance] = loading - 1
    if loading or instance in world.starting_aci_instances:
        return 503, error("Loading", "the model is loading")
    world.aci_log.append(f"ready {instance}")
    return 200, {"status": "ready"}


def aci_deploy(server: FakeCloudServer, request: Request) -> Reply:
    body = request.json()
    missing = set(body["instances"] or ()) - set(server.world.aci_keys)
    if missing:
        return 404, error("ResourceNotFound", f"container groups {sorted(missing)} not found")
    server.world.deploy_aci(body["activeKey"], body["instances"])
    return 200, {}
