"""A loopback HTTP server that answers as a test scripts it, for answers the sandbox never gives.

``ScriptedHTTP(answer)`` serves on a free port in a thread; ``answer(request)`` returns what to send
back, and every request is recorded (``seen``), so a test can prove that nothing was sent at all.
With ``tls`` (a server-side ``ssl.SSLContext``) it serves https.
A body may be given as chunks with pauses between them, to play a server that drips its answer, and
an answer may be ``SILENT``: the request is read, and nothing comes back until the server stops.
"""

from __future__ import annotations

import json
import ssl
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any


@dataclass(frozen=True)
class Request:
    """What arrived: method, path (with query), headers (lower-case names) and body."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Answer:
    """What to send back. ``chunks`` are written one by one, ``pause`` seconds apart, without a
    Content-Length unless ``length`` is given (then the connection closes after the last chunk)."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"Content-Type": "application/json"})
    body: bytes = b"{}"
    chunks: Iterable[bytes] | None = None
    pause: float = 0.0
    length: int | None = None

    @classmethod
    def json(cls, value: Any, status: int = 200) -> Answer:
        """A JSON answer."""
        return cls(status=status, body=json.dumps(value).encode())


#: No answer at all: the handler waits until the server stops (a client must give up by its timeout).
SILENT = Answer(status=0)


class ScriptedHTTP:
    """``with ScriptedHTTP(answer) as server: server.url``; ``server.seen`` lists the requests."""

    def __init__(self, answer: Callable[[Request], Answer], *, tls: ssl.SSLContext | None = None) -> None:
        self.seen: list[Request] = []
        self._stopping = threading.Event()
        handler = _handler(answer, self.seen, self._stopping)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._scheme = "https" if tls else "http"
        if tls:  # each accepted connection does the TLS handshake first
            self._server.socket = tls.wrap_socket(self._server.socket, server_side=True)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)

    @property
    def url(self) -> str:
        """``http(s)://127.0.0.1:<port>``."""
        return f"{self._scheme}://127.0.0.1:{self._server.server_address[1]}"

    def __enter__(self) -> ScriptedHTTP:
        self._thread.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._stopping.set()
        self._server.shutdown()
        self._server.server_close()


def _handler(
    answer: Callable[[Request], Answer], seen: list[Request], stopping: threading.Event
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # headers and body go out as separate writes

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            request = Request(
                method=self.command,
                path=self.path,
                headers={name.lower(): value for name, value in self.headers.items()},
                body=self.rfile.read(length) if length else b"",
            )
            seen.append(request)
            reply = answer(request)
            if reply is SILENT:
                stopping.wait()
                self.close_connection = True
                return
            self.send_response(reply.status)
            for name, value in reply.headers.items():
                self.send_header(name, value)
            if reply.chunks is None:
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                self.wfile.write(reply.body)
                return
            if reply.length is not None:
                self.send_header("Content-Length", str(reply.length))
            self.send_header("Connection", "close")
            self.end_headers()
            try:
                for chunk in reply.chunks:
                    self.wfile.write(chunk)
                    self.wfile.flush()
                    time.sleep(reply.pause)
            except OSError:  # the client gave up: that is what such tests expect
                pass
            self.close_connection = True

        do_GET = do_POST = do_DELETE = _serve

        def log_message(self, format: str, *args: object) -> None:
            """Quiet."""

    return Handler
