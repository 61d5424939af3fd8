"""A stand-in for the Pulumi CLI, installed as `pulumi` on PATH: the stack lives in a JSON file.

`up` deploys the configured activeKey to the fake ACI containers (through the fake cloud's control endpoint),
to the groups named by `--target` URNs only if any are given (the fake cloud tags each group with the key's name
in the same update), and then publishes it as the stack output `activeKey` unless targeted: a targeted update
leaves the stack's outputs as they were, unless the stack says `targeted_up_refreshes_outputs` (Pulumi does not
promise either, and the rotation must be safe both ways). An `up` numbered in `hang_ups` locks the stack and
hangs like one stuck on a resource: the first SIGINT cancels it gracefully (unlocked, exit 255), unless
`ignore_sigint` makes it a process only SIGKILL stops (the stack stays locked). Most tests call `main`
in-process (process start-up costs more than the rest of a command); a few run it as the `pulumi` executable.
"""

import json
import os
import signal
import sys
import time


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
        ups = sum(call.startswith("up ") for call in stack["calls"])
        if ups in stack["fail_ups"]:
            _save(path, stack)
            print("error: update failed: container group is busy", file=sys.stderr)
            return 255
        if ups in stack.get("hang_ups", []):
            _hang(path, stack)
        key = stack["config"]["activeKey"]
        targets = [argv[i + 1].rsplit("::", 1)[1] for i, arg in enumerate(argv) if arg == "--target"]
        try:
            _post(stack["deploy_url"], {"activeKey": key, "instances": targets or None})
        except OSError as error:
            _save(path, stack)
            print(f"error: {error}", file=sys.stderr)
            return 255
        if not targets or stack["targeted_up_refreshes_outputs"]:
            stack["outputs"]["activeKey"] = key
    else:
        print(f"error: unexpected command {argv}", file=sys.stderr)
        return 255
    _save(path, stack)
    return 0


def _hang(path: str, stack: dict[str, object]) -> None:
    def cancel(_signal: int, _frame: object) -> None:
        stack["locked"] = False
        _save(path, stack)
        print("error: update canceled", file=sys.stderr)
        sys.exit(255)

    signal.signal(signal.SIGINT, signal.SIG_IGN if stack.get("ignore_sigint") else cancel)
    stack["locked"], stack["hanging_pid"] = True, os.getpid()
    _save(path, stack)
    while True:
        time.sleep(0.01)


def _post(url: str, document: object) -> None:
    """A bare HTTP POST: importing urllib.request would double this script's start-up, paid by every `up`."""
    import socket
    from urllib.parse import urlsplit

    parts, body = urlsplit(url), json.dumps(document).encode()
    head = f"POST {parts.path} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Length: {len(body)}\r\n"
    with socket.create_connection((parts.hostname, parts.port), timeout=5) as connection:
        connection.sendall(f"{head}Connection: close\r\n\r\n".encode() + body)
        status_line = connection.makefile("rb").readline()
    if status_line.split()[1:2] != [b"200"]:
        raise OSError(f"deploy failed: {status_line!r}")


def _save(path: str, stack: dict[str, object]) -> None:
    with open(path, "w") as file:
        json.dump(stack, file)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:], os.environ["FAKE_PULUMI_STATE"]))
