"""A real HTTP server on 127.0.0.1 for network tests (in the spirit of Scrapy's mockserver).

Routes map a path to a handler ``fn(handler) -> Response``; every request is recorded.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclasses.dataclass
class Response:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    delay: float = 0.0  # seconds before answering
    chunks: list[bytes] | None = None  # stream these instead of body
    chunk_delay: float = 0.0


def html(body: str, status: int = 200, charset: str = "utf-8", **headers) -> Response:
    return Response(
        status, body.encode(charset), {"Content-Type": f"text/html; charset={charset}", **headers}
    )


class LocalServer:
    def __init__(self, host: str = "127.0.0.1"):
        self.routes: dict[str, Callable[[BaseHTTPRequestHandler], Response] | Response] = {}
        self.requests: list[tuple[float, str, str, dict]] = []  # (time, host, path, headers)
        self._lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # keep test output clean
                pass

            def do_GET(self):
                with outer._lock:
                    outer.requests.append(
                        (
                            time.monotonic(),
                            self.headers.get("Host", ""),
                            self.path,
                            dict(self.headers),
                        )
                    )
                route = outer.routes.get(self.path) or outer.routes.get(self.path.split("?")[0])
                if route is None:
                    resp = Response(404, b"not found", {"Content-Type": "text/plain"})
                else:
                    resp = route(self) if callable(route) else route
                if resp.delay:
                    time.sleep(resp.delay)
                try:
                    self.send_response(resp.status)
                    for k, v in resp.headers.items():
                        self.send_header(k, v)
                    if resp.chunks is None:
                        self.send_header("Content-Length", str(len(resp.body)))
                        self.end_headers()
                        self.wfile.write(resp.body)
                    else:
                        self.send_header("Connection", "close")
                        self.end_headers()
                        for chunk in resp.chunks:
                            self.wfile.write(chunk)
                            self.wfile.flush()
                            if resp.chunk_delay:
                                time.sleep(resp.chunk_delay)
                        self.close_connection = True
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.httpd = ThreadingHTTPServer((host, 0), Handler)
        self.httpd.handle_error = lambda request, address: None  # clients hanging up is expected
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.base = f"http://{host}:{self.port}"
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return self.base + path

    def hits(self, path: str) -> list[tuple[float, str, str, dict]]:
        return [r for r in self.requests if r[2] == path]

    def __enter__(self) -> LocalServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
