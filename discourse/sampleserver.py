"""Serve a folder over HTTP on 127.0.0.1, filling in ``{{BASE}}`` with the server's base URL.

The bundled sample corpus (corpora/sample/site) is written with ``{{BASE}}`` in its
absolute links so it can be served on any free port; `make demo` crawls it this way.
"""

from __future__ import annotations

import mimetypes
import threading
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

_TEMPLATED = {".html", ".htm", ".xml", ".rdf", ".txt", ".atom", ".rss"}
_TYPES = {".rdf": "application/rdf+xml", ".xml": "application/xml", ".atom": "application/atom+xml"}


class _Handler(SimpleHTTPRequestHandler):
    base = ""

    def log_message(self, *args) -> None:
        pass

    def guess_type(self, path) -> str:
        suffix = Path(str(path)).suffix.lower()
        if suffix in _TYPES:
            return _TYPES[suffix]
        if suffix in (".html", ".htm"):
            return "text/html"  # charset comes from the page's own <meta>
        return mimetypes.guess_type(str(path))[0] or "application/octet-stream"

    def send_head(self):
        path = Path(self.translate_path(self.path))
        if path.is_file() and path.suffix.lower() in _TEMPLATED:
            body = path.read_bytes().replace(b"{{BASE}}", self.base.encode())
            self.send_response(200)
            self.send_header("Content-Type", self.guess_type(path))
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)
            return None
        return super().send_head()


class SampleServer:
    """``with SampleServer(folder) as server: server.base`` -> ``http://127.0.0.1:PORT``."""

    def __init__(self, root: str | Path, host: str = "127.0.0.1", port: int = 0):
        handler = type("Handler", (_Handler,), {})
        self.httpd = ThreadingHTTPServer((host, port), partial(handler, directory=str(root)))
        self.httpd.daemon_threads = True
        self.base = f"http://{host}:{self.httpd.server_address[1]}"
        handler.base = self.base
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> SampleServer:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
