"""A loopback TCP server for tests that work below HTTP (proxies, TLS): ``with raw_server(handle) as
port``; each accepted connection goes to ``handle``, in the server's thread or in one of its own."""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def raw_server(handle: Callable[[socket.socket], None], *, thread_each: bool = False) -> Iterator[int]:
    """Serve on a free port until the block ends; yields the port."""
    listener = socket.create_server(("127.0.0.1", 0))

    def serve() -> None:
        while True:
            try:
                connection, _ = listener.accept()
            except OSError:
                return  # the listener was closed
            if thread_each:
                threading.Thread(target=handle, args=(connection,), daemon=True).start()
            else:
                handle(connection)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield listener.getsockname()[1]
    finally:
        listener.close()
        thread.join(timeout=5)
