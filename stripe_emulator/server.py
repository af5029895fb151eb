"""The HTTP server: routes each request to the API, control, or browser handlers."""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlsplit

from stripe_emulator import api, browser_routes, control
from stripe_emulator.charges import RECEIPT_PREFIX
from stripe_emulator.emulator import Emulator
from stripe_emulator.pages import notice_page
from stripe_emulator.responses import Response, html_response

#: Idle keep-alive connections are closed after this many seconds, so threads always end.
IDLE_CONNECTION_SECONDS = 30
MAX_BODY_BYTES = 1_000_000


class EmulatorHTTPServer(ThreadingHTTPServer):
    """A threaded server that knows its :class:`Emulator`."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address: tuple[str, int], emulator: Emulator) -> None:
        super().__init__(address, RequestHandler)
        self.emulator = emulator
        self.stopping = threading.Event()
        host, port = self.server_address[:2]
        if not emulator.base_url:
            emulator.base_url = f"http://{host}:{port}"


class RequestHandler(BaseHTTPRequestHandler):
    """One connection; HTTP/1.1 keep-alive so clients can reuse it."""

    protocol_version = "HTTP/1.1"
    server_version = "stripe-emulator"
    timeout = IDLE_CONNECTION_SECONDS
    server: EmulatorHTTPServer

    def log_message(self, format: str, *args: object) -> None:
        """Stay quiet: tests and benchmarks would drown in access logs."""

    def do_GET(self) -> None:
        """Serve GET."""
        self._dispatch("GET")

    def do_POST(self) -> None:
        """Serve POST."""
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        """Serve DELETE."""
        self._dispatch("DELETE")

    def do_OPTIONS(self) -> None:
        """Serve CORS preflights."""
        self._dispatch("OPTIONS")

    def _base_url(self) -> str:
        host = self.headers.get("Host")
        return f"http://{host}" if host else self.server.emulator.base_url

    def _read_body(self) -> bytes | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY_BYTES:
            return None
        return self.rfile.read(length) if length else b""

    def _dispatch(self, method: str) -> None:
        body = self._read_body()
        if body is None:
            self.close_connection = True
            self._send(Response(413, b"Request body too large"))
            return
        try:
            response = self._route(method, body)
        except Exception:
            self.server.handle_error(self.request, self.client_address)
            response = api.fault_response("500")
        self._send(response)

    def _route(self, method: str, body: bytes) -> Response:
        emulator = self.server.emulator
        url = urlsplit(self.path)
        path = url.path
        if path.startswith("/v1/"):
            if method == "OPTIONS":
                return api.preflight(self.headers.get("Access-Control-Request-Headers"))
            headers = {name.lower(): value for name, value in self.headers.items()}
            return api.handle(
                emulator,
                method,
                path,
                url.query,
                body,
                headers,
                self._base_url(),
                lambda seconds: api.wait_until(seconds, self.server.stopping.is_set),
            )
        if path.startswith("/_emulator/"):
            return control.handle(emulator, method, path, body, self._base_url())
        if path in browser_routes.STRIPE_JS_PATHS and method == "GET":
            return browser_routes.stripe_js()
        if path.startswith("/c/pay/") and method in ("GET", "POST"):
            rest = path[len("/c/pay/") :]
            return browser_routes.checkout_page(emulator, method, rest, body, self._base_url())
        if path.startswith(RECEIPT_PREFIX) and method == "GET":
            return browser_routes.receipt_page(emulator, path[len(RECEIPT_PREFIX) :])
        if path.startswith("/3ds/") and method in ("GET", "POST"):
            intent_id = path[len("/3ds/") :]
            return browser_routes.authentication_page(
                emulator, method, intent_id, body, self._base_url()
            )
        return html_response(notice_page("Not found", f"Nothing at {path}."), 404)

    def _send(self, response: Response) -> None:
        if response.drop:
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        try:
            self.send_response(response.status)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            # Headers and body leave in one write: one packet for small answers.
            self._headers_buffer.append(b"\r\n" + response.body)
            self.flush_headers()
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True


def make_server(emulator: Emulator, host: str = "127.0.0.1", port: int = 0) -> EmulatorHTTPServer:
    """Bind the server (``port=0`` picks a free port); call ``serve_forever`` to run it."""
    return EmulatorHTTPServer((host, port), emulator)
