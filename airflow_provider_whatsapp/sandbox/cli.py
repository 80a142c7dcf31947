"""``whatsapp-sandbox`` and ``python -m airflow_provider_whatsapp.sandbox``: serve in the foreground.

At start it prints where the inbox, the gateway and the admin API are, and an ``AIRFLOW_CONN_...`` line
for the first key; then one line per request (method, path, status, milliseconds).
"""

from __future__ import annotations

import argparse
import socket
import sys
import time
from collections.abc import Sequence
from dataclasses import fields
from typing import TextIO

from .app import RequestRecord, SandboxApp, create_app
from .config import DEFAULT_API_KEY, FaultDefaults, SandboxConfig, airflow_connection_json
from .server import uvicorn_server

EPILOG = """\
Where things are, on http://HOST:PORT:
  /                        the web inbox: every conversation as WhatsApp shows it, customer replies,
                           button presses, search, faults, reset
  /whatsapp-business/...   the gateway (Graph API: messages, media, templates, phone numbers)
  /connections             Maton's control plane
  /_sandbox/...            the admin API (Authorization: Bearer <key>); its routes: /_sandbox/docs
"""


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line flags (see the sandbox README)."""
    parser = argparse.ArgumentParser(
        prog="whatsapp-sandbox",
        description="Local stand-in for Maton's WhatsApp gateway, control plane and the WhatsApp Cloud API.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--host",
        default="127.0.0.1",
        help="interface to listen on (default 127.0.0.1; the inbox shows every key's messages without a "
        "key, so do not open it to a network others share)",
    )
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    parser.add_argument(
        "--state",
        metavar="FILE",
        default=None,
        help="keep keys, templates, media, messages and windows in this SQLite file across restarts",
    )
    parser.add_argument("--quiet", action="store_true", help="do not print a line per request")
    parser.add_argument(
        "--api-key",
        action="append",
        dest="api_keys",
        help=f"a Maton API key to accept (repeatable; default {DEFAULT_API_KEY})",
    )
    parser.add_argument(
        "--activation-delay",
        type=float,
        default=None,
        help="seconds until a new connection turns ACTIVE by itself",
    )
    parser.add_argument(
        "--template-approval-delay",
        type=float,
        default=2.0,
        help="seconds a new template stays PENDING (default 2)",
    )
    parser.add_argument("--no-window", action="store_true", help="do not enforce the 24-hour customer window")
    parser.add_argument(
        "--rate-limit", type=float, default=10.0, help="requests/s per key (default 10; 0 disables)"
    )
    parser.add_argument("--burst", type=int, default=10, help="token bucket size (default 10)")
    parser.add_argument("--latency-ms", type=float, default=0.0, help="latency added to every request")
    parser.add_argument("--error-rate", type=float, default=0.0, help="fraction answered 500 / 502 / 503")
    parser.add_argument("--rate-limit-rate", type=float, default=0.0, help="fraction answered 429")
    parser.add_argument(
        "--drop-rate", type=float, default=0.0, help="fraction whose connection is cut unprocessed"
    )
    parser.add_argument(
        "--lost-response-rate", type=float, default=0.0, help="fraction processed, then cut before the answer"
    )
    parser.add_argument("--seed", type=int, default=None, help="seed of the random faults")
    return parser.parse_args(argv)


def config_from_args(args: argparse.Namespace) -> SandboxConfig:
    """A ``SandboxConfig`` from parsed flags."""
    return SandboxConfig(
        api_keys=tuple(args.api_keys or (DEFAULT_API_KEY,)),
        activation_delay=args.activation_delay,
        template_approval_delay=args.template_approval_delay,
        enforce_window=not args.no_window,
        rate_limit=args.rate_limit,
        burst=args.burst,
        faults=FaultDefaults(**{f.name: getattr(args, f.name) for f in fields(FaultDefaults)}),
    )


def print_request(record: RequestRecord, out: TextIO = sys.stdout) -> None:
    """One line per request: time, method, path, status (``cut`` when the connection was cut), ms."""
    status = "cut" if record.status is None else str(record.status)
    stamp = time.strftime("%H:%M:%S")
    print(
        f"{stamp} {record.method:<6} {record.path} {status} {record.milliseconds:.1f} ms",
        file=out,
        flush=True,
    )


def banner(app: SandboxApp, config: SandboxConfig, url: str) -> str:
    """What the sandbox prints at start: where everything is, and a connection for the first key."""
    first = app.sandbox.keys[config.api_keys[0]]
    connection = airflow_connection_json(url, first.api_key, first.waba_id, first.phone_number_id)
    return "\n".join(
        [
            f"WhatsApp sandbox on {url}",
            f"  Inbox:     {url}/",
            f"  Gateway:   {url}/whatsapp-business/v21.0/{first.phone_number_id}/messages",
            f"  Admin API: {url}/_sandbox/  (routes: {url}/_sandbox/docs)",
            f"  Key {first.api_key}: waba_id={first.waba_id} phone_number_id={first.phone_number_id}",
            "Airflow connection for it (paste into your shell):",
            f"export AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT='{connection}'",
        ]
    )


def main(argv: Sequence[str] | None = None) -> None:
    """Bind, print the banner, serve until interrupted."""
    args = parse_args(argv)
    config = config_from_args(args)
    app = create_app(config, state_file=args.state)
    if not args.quiet:
        app.on_request = print_request
    listener = socket.socket(socket.AF_INET6 if ":" in args.host else socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((args.host, args.port))
    listener.listen(128)
    port = listener.getsockname()[1]
    shown_host = "127.0.0.1" if args.host in ("0.0.0.0", "::", "") else args.host
    print(banner(app, config, f"http://{shown_host}:{port}"), flush=True)
    server = uvicorn_server(app)
    try:
        server.run(sockets=[listener])
    finally:
        if app.store is not None:
            app.store.close()
