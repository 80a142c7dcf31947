"""Client cost per message and messages/s, MatonWhatsAppHook beside a plain urllib loop, in one run.

The sandbox runs in a subprocess (no latency, no faults) so that this process's CPU time is the
client's alone. Part 1: N template sends with rate limiting off in the sandbox. Part 2 (``--burst``):
a burst under the sandbox's default 10 requests/s limit, where the urllib loop in the style of the
gateway's own examples stops at its first 429 and the hook paces, honours Retry-After and delivers all.

    .venv/bin/python benchmarks/client_overhead.py [--messages 500] [--burst 300]
"""

from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

# Time the client, not its per-message log line.
os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
RECIPIENT = "+31612345789"
TEMPLATE = {"name": "hello_world", "language": {"code": "en_US"}}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def sandbox(*flags: str) -> Iterator[str]:
    """A sandbox subprocess on a free port; yields its URL."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "airflow_provider_whatsapp.sandbox", "--port", str(port), *flags],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"{url}/_sandbox/health", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


def urllib_sender(url: str, key: dict[str, Any]) -> Callable[[int], None]:
    """One send, written like the gateway's own examples: urllib, a fresh request each time, no retry."""

    def send(i: int) -> None:
        body = {
            "messaging_product": "whatsapp",
            "to": RECIPIENT,
            "type": "template",
            "template": TEMPLATE,
            "biz_opaque_callback_data": f"m{i}",
        }
        request = urllib.request.Request(
            f"{url}/whatsapp-business/v21.0/{key['phone_number_id']}/messages",
            data=json.dumps(body).encode(),
            method="POST",
        )
        request.add_header("Authorization", f"Bearer {key['api_key']}")
        request.add_header("Content-Type", "application/json")
        json.load(urllib.request.urlopen(request))

    return send


def hook_sender(url: str, key: dict[str, Any], requests_per_second: float) -> Callable[[int], None]:
    """One send through MatonWhatsAppHook, configured through an AIRFLOW_CONN_* variable."""
    conn_id = f"bench_{key['api_key'][-8:]}"
    os.environ[f"AIRFLOW_CONN_{conn_id.upper()}"] = json.dumps(
        {
            "conn_type": "maton_whatsapp",
            "host": url,
            "password": key["api_key"],
            "extra": {
                "phone_number_id": key["phone_number_id"],
                "waba_id": key["waba_id"],
                "requests_per_second": requests_per_second,
                "max_retries": 10,
            },
        }
    )
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

    hook = MatonWhatsAppHook(conn_id)
    hook.config  # noqa: B018 - read the Airflow connection outside the timed loop

    def send(i: int) -> None:
        hook.send_template(RECIPIENT, "hello_world", biz_opaque_callback_data=f"m{i}")

    return send


def timed(send: Callable[[int], None], count: int) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds and messages sent before the first exception."""
    wall, cpu = time.perf_counter(), time.process_time()
    sent = 0
    try:
        for i in range(count):
            send(i)
            sent += 1
    except (urllib.error.URLError, OSError, Exception) as error:
        print(f"    stopped after {sent} sends: {type(error).__name__}: {str(error)[:80]}")
    return time.perf_counter() - wall, time.process_time() - cpu, sent


def overhead(count: int) -> None:
    print(f"Part 1: {count} template sends each, sandbox with no rate limit, latency or faults")
    print(f"  {'client':<28}{'messages/s':>12}{'CPU ms/message':>17}{'stored':>8}")
    with sandbox("--rate-limit", "0") as url:
        for name, make in (
            ("urllib loop (gateway docs)", lambda key: urllib_sender(url, key)),
            ("MatonWhatsAppHook", lambda key: hook_sender(url, key, 0)),
        ):
            admin = SandboxAdminClient.new_key(url)
            send = make(admin.ids)
            send(-1)  # warm up: imports, first connection
            wall, cpu, sent = timed(send, count)
            kept = len(admin.messages()) - 1
            print(f"  {name:<28}{sent / wall:>12.0f}{cpu / max(sent, 1) * 1e3:>17.3f}{kept:>8}")


def burst(count: int) -> None:
    print(f"Part 2: a burst of {count} sends under the sandbox's default limit (10 requests/s per key)")
    print(f"  {'client':<28}{'delivered':>10}{'duplicates':>12}{'seconds':>9}")
    with sandbox() as url:
        for name, make in (
            ("urllib loop (gateway docs)", lambda key: urllib_sender(url, key)),
            ("MatonWhatsAppHook (10/s)", lambda key: hook_sender(url, key, 10)),
        ):
            admin = SandboxAdminClient.new_key(url)
            time.sleep(1.1)  # a full bucket for each client
            wall, _, _ = timed(make(admin.ids), count)
            messages = admin.messages()
            trackers = [m.get("biz_opaque_callback_data") for m in messages]
            duplicates = len(trackers) - len(set(trackers))
            print(f"  {name:<28}{len(messages):>7}/{count:<3}{duplicates:>11}{wall:>9.1f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=500, help="sends per client in part 1")
    parser.add_argument("--burst", type=int, default=300, help="sends per client in part 2 (0 skips it)")
    args = parser.parse_args()
    overhead(args.messages)
    if args.burst:
        burst(args.burst)


if __name__ == "__main__":
    main()
