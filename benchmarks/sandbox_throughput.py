"""Requests per second the sandbox sustains over loopback, with no rate limit and no faults.

The server runs in a child process (a ``SandboxServer``, so the client threads do not share its GIL).
A few client threads, each with its own kept-alive connection, send POST text messages, then GET the
phone number. It runs twice: with a pooled ``requests.Session`` per thread (what the hook uses; its own
CPU cost bounds the figure on small machines), and with the lighter ``http.client``, closer to what the
server alone sustains. Each phase is bounded by a request count and a time limit.

    .venv/bin/python benchmarks/sandbox_throughput.py [--clients 4] [--requests 4000] [--seconds 15]
"""

from __future__ import annotations

import argparse
import functools
import http.client
import json
import multiprocessing
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection

import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer

API_KEY = "bench-key"
HEADERS = {"Authorization": f"Bearer {API_KEY}", "Content-Type": "application/json"}
MESSAGE = {
    "messaging_product": "whatsapp",
    "recipient_type": "individual",
    "to": "+31612345678",
    "type": "text",
    "text": {"body": "benchmark"},
}
Call = Callable[[], int]


def serve(pipe: Connection) -> None:
    """Child process: run the sandbox until the parent says stop."""
    config = SandboxConfig(api_keys=(API_KEY,), rate_limit=0, enforce_window=False)
    with SandboxServer(config) as server:
        pipe.send((server.url, server.app.sandbox.keys[API_KEY].phone_number_id))
        pipe.recv()


def requests_call(method: str, url: str, body: bytes | None) -> Call:
    """One thread's caller over a pooled ``requests.Session``."""
    session = requests.Session()
    return lambda: session.request(method, url, headers=HEADERS, data=body, timeout=10).status_code


def http_client_call(method: str, url: str, body: bytes | None) -> Call:
    """One thread's caller over one kept-alive ``http.client`` connection."""
    host, _, path = url.removeprefix("http://").partition("/")
    connection = http.client.HTTPConnection(host, timeout=10)

    def call() -> int:
        connection.request(method, "/" + path, body=body, headers=HEADERS)
        answer = connection.getresponse()
        answer.read()
        return answer.status

    return call


def run_phase(clients: int, total: int, seconds: float, make_call: Callable[[], Call]) -> tuple[int, float]:
    """Spread ``total`` calls over ``clients`` threads; answer (completed calls, elapsed seconds)."""
    counter = iter(range(total))
    lock = threading.Lock()
    done = [0]
    failures: list[int] = []
    deadline = time.monotonic() + seconds

    def worker() -> None:
        call = make_call()
        while time.monotonic() < deadline:
            with lock:
                if next(counter, None) is None:
                    return
            status = call()
            with lock:
                done[0] += 1
                if status != 200:
                    failures.append(status)

    threads = [threading.Thread(target=worker) for _ in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise RuntimeError(f"{len(failures)} requests failed, e.g. HTTP {failures[0]}")
    return done[0], elapsed


def main() -> None:
    """Start the server, measure each client and phase, print requests/s."""
    parser = argparse.ArgumentParser(description="Requests/s the WhatsApp sandbox sustains over loopback.")
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--requests", type=int, default=4000)
    parser.add_argument("--seconds", type=float, default=15.0)
    args = parser.parse_args()

    parent, child = multiprocessing.Pipe()
    server = multiprocessing.get_context("spawn").Process(target=serve, args=(child,), daemon=True)
    server.start()
    try:
        if not parent.poll(60):
            raise RuntimeError("the sandbox process did not start within 60 s")
        url, phone_number_id = parent.recv()
        phases = (
            ("POST text message", "POST", f"{url}/whatsapp-business/v21.0/{phone_number_id}/messages"),
            ("GET phone number", "GET", f"{url}/whatsapp-business/v21.0/{phone_number_id}"),
        )
        body = json.dumps(MESSAGE).encode()
        warm_up = functools.partial(requests_call, "POST", phases[0][2], body)
        run_phase(args.clients, 200, 5, warm_up)  # imports, validator compilation
        print(f"sandbox {url}: {args.clients} client threads, rate limit off, no faults")
        for client_name, caller in (("requests", requests_call), ("http.client", http_client_call)):
            for name, method, target in phases:
                make_call = functools.partial(caller, method, target, body if method == "POST" else None)
                count, elapsed = run_phase(args.clients, args.requests, args.seconds, make_call)
                rate = count / elapsed
                print(f"{client_name:11s} {name:17s} {count:5d} requests in {elapsed:5.2f} s = {rate:5.0f}/s")
    finally:
        parent.send("stop")
        server.join(timeout=15)
        if server.is_alive():
            server.terminate()


if __name__ == "__main__":
    main()
