"""Sample stack configs and helpers to plan the real program with them under the recording mocks."""

from __future__ import annotations

import copy
import functools
import hashlib
import json
import os
import pickle
from pathlib import Path
from typing import Any

from components import program
from components.config import NAMESPACE
from plan import offline

#: Minimal valid stacks; tests copy and change them.
ACI_STACK: dict[str, Any] = {
    "eula": "accept",
    "host": "aci",
    "location": "eastus",
    "aci": {"dnsNameLabelPrefix": "contoso-speech"},
    "containers": {
        "speech-to-text": {"locale": "en-us", "version": "5.1.0"},
        "neural-text-to-speech": {"voice": "jenny"},
    },
}

AKS_STACK: dict[str, Any] = {
    "eula": "accept",
    "host": "aks",
    "location": "eastus",
    "aks": {"pool": {"zones": ["1", "2", "3"]}},
    "containers": {
        "speech-to-text": {"replicas": 2, "maxReplicas": 4},
        "neural-text-to-speech": {},
    },
}

#: AKS with TLS in front: hosts `<kind>.speech.contoso.com`, certificate from the stack's vault.
AKS_INGRESS_STACK: dict[str, Any] = {
    **AKS_STACK,
    "aks": {**AKS_STACK["aks"], "ingress": {"domain": "speech.contoso.com", "certificateName": "speech-wildcard"}},
}


#: AKS behind Application Gateway for Containers: the stack creates the delegated subnet in the cluster's VNet and a
#: CNAME per host in the contoso.com zone.
GATEWAY_VNET = (
    "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-network/providers/Microsoft.Network"
    "/virtualNetworks/vnet-speech"
)
AKS_GATEWAY_STACK: dict[str, Any] = {
    **AKS_STACK,
    "aks": {
        **AKS_STACK["aks"],
        "cluster": {"vnetSubnetId": f"{GATEWAY_VNET}/subnets/aks-nodes"},
        "gateway": {
            "domain": "speech.contoso.com",
            "certificateName": "speech-wildcard",
            "subnetPrefix": "10.225.0.0/24",
            "dnsZoneId": "/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/rg-dns/providers/"
            "Microsoft.Network/dnszones/contoso.com",
        },
    },
}


def namespaced(values: dict[str, Any]) -> dict[str, Any]:
    return {f"{NAMESPACE}:{key}": value for key, value in values.items()}


_shared: list[Path] = []


def share_plans(directory: Path) -> None:
    """Let pytest-xdist's workers share plans through `directory`: a plan takes half a second or more, reading one
    a hundredth (tests/conftest.py turns this on under xdist)."""
    directory.mkdir(parents=True, exist_ok=True)
    _shared[:] = [directory]


def plan_program(values: dict[str, Any], stack: str = "test", secret: tuple[str, ...] = ()) -> offline.Plan:
    """Run the whole program offline with these `speech-containers` values (memoized: plans are read-only);
    `secret`: the top-level keys set as secrets."""
    return _plan_cached(json.dumps(values, sort_keys=True), stack, secret)


@functools.cache
def _plan_cached(values_json: str, stack: str, secret: tuple[str, ...] = ()) -> offline.Plan:
    """The plan, from the other worker's copy when it made it first; a worker that makes one leaves a copy."""
    key = f"{stack}:{values_json}" + (f":{','.join(secret)}" if secret else "")
    path = _shared[0] / f"{hashlib.sha256(key.encode()).hexdigest()[:24]}.pickle" if _shared else None
    if path is not None and path.is_file():
        shared: offline.Plan = pickle.loads(path.read_bytes())
        return shared
    secret_keys = tuple(f"{NAMESPACE}:{k}" for k in secret)
    plan = offline.run(program.main, namespaced(json.loads(values_json)), stack=stack, secret_keys=secret_keys)
    if path is not None:
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(pickle.dumps(plan))
        os.replace(partial, path)
    return plan


def with_changes(base: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A deep copy of `base` with top-level keys replaced (None removes the key)."""
    values = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
    return values
