"""``SandboxServer``: the sandbox on a free loopback port in a background thread, for tests and demos."""

from __future__ import annotations

import socket
import threading
import time
import urllib.request
from types import TracebackType

import uvicorn

from .app import SandboxApp, create_app
from .config import SandboxConfig

START_TIMEOUT = 15.0
#: Seconds an idle keep-alive connection stays open: nginx's default, like the gateways clients meet.
#: uvicorn's own 5 s closes pooled connections a paced client is about to reuse, and a send whose
#: connection is closed under it has an unknown outcome.
KEEP_ALIVE_SECONDS = 75


def uvicorn_server(app: SandboxApp) -> uvicorn.Server:
    """The uvicorn server every way of starting the sandbox runs."""
    return uvicorn.Server(
        uvicorn.Config(
            app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=2,
            timeout_keep_alive=KEEP_ALIVE_SECONDS,
        )
    )


class SandboxServer:
    """Run the sandbox with uvicorn in a thread; ``with SandboxServer() as server: server.url``.

    ``port=0`` picks a free port; ``state_file`` keeps the state in SQLite (see ``store.py``). ``app``
    gives in-process access to the state for debugging; tests should use the HTTP admin API.
    """

    def __init__(
        self,
        config: SandboxConfig | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        state_file: str | None = None,
    ) -> None:
        self.config = config or SandboxConfig()
        self.host = host
        self.app: SandboxApp = create_app(self.config, state_file=state_file)
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._socket.bind((host, port))
        self.port: int = self._socket.getsockname()[1]
        self._server = uvicorn_server(self.app)
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        """The base url, e.g. ``http://127.0.0.1:54321``."""
        return f"http://{self.host}:{self.port}"

    def start(self) -> SandboxServer:
        """Serve in a daemon thread and wait until ``/_sandbox/health`` answers."""
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [self._socket]}, name="whatsapp-sandbox", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"{self.url}/_sandbox/health", timeout=1) as answer:
                    if answer.status == 200:
                        return self
            except OSError:
                time.sleep(0.02)
        self.stop()
        raise RuntimeError(f"the sandbox did not answer on {self.url} within {START_TIMEOUT} s")

    def stop(self) -> None:
        """Ask uvicorn to exit and wait for the thread."""
        self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self._socket.close()
        if self.app.store is not None:
            self.app.store.close()

    def __enter__(self) -> SandboxServer:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()
