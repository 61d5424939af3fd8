"""A stand-in for the Pulumi CLI, installed as `pulumi` on PATH: the stack lives in a JSON file.

`up` deploys the configured activeKey to the fake ACI containers (through the fake cloud's control endpoint)
and then publishes it as the stack output `activeKey`, as the real stack is asked to do. Most tests call `main`
in-process (process start-up costs more than the rest of a command); one runs it as the `pulumi` executable.
"""

import json
import os
import sys


def main(argv: list[str], path: str) -> int:
    with open(path) as file:
        stack = json.load(file)
    stack["calls"].append(" ".join(argv))
    if argv[argv.index("--stack") + 1] != stack["name"]:
        print(f"error: no stack named {argv[argv.index('--stack') + 1]}", file=sys.stderr)
        return 255
    if argv[:3] == ["stack", "output", "--json"]:
        print(json.dumps(stack["outputs"]))
    elif argv[:3] == ["config", "set", "--path"] and argv[3] == "speech.activeKey":
        stack["config"]["activeKey"] = argv[4]
    elif argv[:2] == ["up", "--yes"]:
        if stack["fail_up"]:
            stack["fail_up"] = False
            _save(path, stack)
            print("error: update failed: container group is busy", file=sys.stderr)
            return 255
        import urllib.request  # only `up` needs it, and it costs a fifth of this script's start-up

        key = stack["config"]["activeKey"]
        request = urllib.request.Request(
            stack["deploy_url"], data=json.dumps({"activeKey": key}).encode(), method="POST"
        )
        urllib.request.urlopen(request, timeout=5).close()
        stack["outputs"]["activeKey"] = key
    else:
        print(f"error: unexpected command {argv}", file=sys.stderr)
        return 255
    _save(path, stack)
    return 0


def _save(path: str, stack: dict[str, object]) -> None:
    with open(path, "w") as file:
        json.dump(stack, file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ["FAKE_PULUMI_STATE"]))
