"""The fake cloud's HTTP plumbing: routing, injected faults (error replies, dropped connections), rendezvous."""

from __future__ import annotations

import json
import re
import socket
import ssl
import sys
from collections.abc import Callable, Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from threading import BrokenBarrierError
from typing import Any
from urllib.parse import parse_qs, unquote, urlparse

from tests.rotation.fake_world import Fault, Json, World

REQUEST_TIMEOUT_S = 5.0
RENDEZVOUS_TIMEOUT_S = 1.0


@dataclass(frozen=True)
class Raw:
    """Bytes written to the socket as they are, instead of an HTTP response."""

    data: bytes


Reply = tuple[int, Json | Raw]
Handler = Callable[["FakeCloudServer", "Request"], Reply]
Route = tuple[str, re.Pattern[str], str, Handler]
#: A reply that closes the connection without answering.
DROPPED: Reply = (0, Raw(b""))


@dataclass
class Request:
    handler: FakeCloudHandler
    route: str
    params: dict[str, str]
    query: dict[str, list[str]]
    body: bytes
    reply_headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Json:
        document: Json = json.loads(self.body or b"{}")
        return document

    def header(self, name: str) -> str:
        return self.handler.headers.get(name) or ""


class FakeCloudHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: FakeCloudServer

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests assert on behaviour, not on access logs."""

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(REQUEST_TIMEOUT_S)
        # Headers and body go out in two writes: without this, Nagle's algorithm delays each reply by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def _dispatch(self, method: str) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        url = urlparse(self.path)
        for route_method, pattern, name, handler in self.server.routes:
            match = pattern.fullmatch(unquote(url.path))
            if route_method == method and match:
                request = Request(self, name, match.groupdict(), parse_qs(url.query), body)
                status, reply = self.server.handle(request, handler)
                self._reply(status, reply, request.reply_headers)
                return
        self._reply(404, {"error": {"code": "NoRoute", "message": f"{method} {url.path}"}}, {})

    def _reply(self, status: int, reply: Json | Raw, headers: dict[str, str]) -> None:
        if isinstance(reply, Raw):
            self.wfile.write(reply.data)
            self.close_connection = True
            return
        payload = json.dumps(reply).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class FakeCloudServer(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def __init__(self, world: World, tls: ssl.SSLContext | None, routes: Sequence[Route]) -> None:
        super().__init__(("127.0.0.1", 0), FakeCloudHandler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True, do_handshake_on_connect=False)
        self.world = world
        self.routes = routes
        self.scheme = "https" if tls is not None else "http"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Quiet about clients that refuse the certificate or hang up: they do so on purpose."""
        if not isinstance(sys.exc_info()[1], ssl.SSLError | ConnectionError):
            super().handle_error(request, client_address)

    @property
    def vault_challenge_resource(self) -> str:
        # Key Vault checks that the vault's host ends with ".<challenge resource>": "127.0.0.1:<port>" ends with
        # ".0.0.1:<port>", so this challenge passes the SDK's verification as a real vault.azure.net one would.
        return self.world.vault_challenge_resource or f"https://0.0.1:{self.server_address[1]}"

    @property
    def base_url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.server_address[1]}"

    def handle(self, request: Request, handler: Handler) -> Reply:
        """Runs `handler` under the world's lock (after any rendezvous), applying faults, then audits the world."""
        self._meet(request.route)
        world = self.world
        with world.lock:
            if request.route in world.forbidden_routes:
                return 403, error("Forbidden", f"caller lacks permission for {request.route}")
            if request.route.startswith(("kv.", "lease.")) and not request.header("Authorization"):
                # Key Vault's auth handshake, which the SDK does once per vault and process: not counted, so a
                # fault's occurrence means the same whichever test ran first.
                return handler(self, request)
            fault = world.take_fault(request.route)
            if fault is not None and not fault.after_effect:
                return _failed(fault, "injected failure of")
            reply = handler(self, request)
            world.audit()
            return reply if fault is None else _failed(fault, "injected failure after")

    def _meet(self, route: str) -> None:
        barrier = self.world.rendezvous.get(route)
        if barrier is None:
            return
        with suppress(BrokenBarrierError):  # the other party never came: go on alone
            barrier.wait(RENDEZVOUS_TIMEOUT_S)
        self.world.rendezvous.pop(route, None)


def _failed(fault: Fault, what: str) -> Reply:
    if fault.status == 0:
        return DROPPED
    return fault.status, error("InjectedFault", f"{what} {fault.route}")


def error(code: str, message: str) -> Json:
    return {"error": {"code": code, "message": message}}
