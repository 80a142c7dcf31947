"""``whatsapp-sandbox`` and ``python -m airflow_provider_whatsapp.sandbox``: serve in the foreground."""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from dataclasses import fields

import uvicorn

from .app import create_app
from .config import DEFAULT_API_KEY, FaultDefaults, SandboxConfig


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The command line flags (see the sandbox README)."""
    parser = argparse.ArgumentParser(
        prog="whatsapp-sandbox",
        description="Local stand-in for Maton's WhatsApp gateway, control plane and the WhatsApp Cloud API.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (default 8765)")
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


def main(argv: Sequence[str] | None = None) -> None:
    """Serve until interrupted."""
    args = parse_args(argv)
    config = config_from_args(args)
    app = create_app(config)
    first = app.sandbox.keys[config.api_keys[0]]
    print(
        f"WhatsApp sandbox on http://{args.host}:{args.port}  key={config.api_keys[0]} "
        f"waba_id={first.waba_id} phone_number_id={first.phone_number_id}",
        flush=True,
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level="warning", access_log=False, lifespan="off")
