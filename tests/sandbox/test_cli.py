"""The command line: flags, and serving in the foreground."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import requests

from airflow_provider_whatsapp.sandbox.cli import config_from_args, parse_args


def test_flags_make_the_config() -> None:
    config = config_from_args(
        parse_args(
            [
                "--api-key",
                "a",
                "--api-key",
                "b",
                "--no-window",
                "--rate-limit",
                "0",
                "--drop-rate",
                "0.1",
                "--seed",
                "3",
            ]
        )
    )
    assert config.api_keys == ("a", "b")
    assert config.enforce_window is False
    assert config.rate_limit == 0
    assert (config.faults.drop_rate, config.faults.seed) == (0.1, 3)
    assert parse_args([]).port == 8765


def test_python_dash_m_serves() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    command = [
        sys.executable,
        "-m",
        "airflow_provider_whatsapp.sandbox",
        "--port",
        str(port),
        "--api-key",
        "cli",
    ]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                answer = requests.get(
                    f"http://127.0.0.1:{port}/connections", headers={"Authorization": "Bearer cli"}, timeout=1
                )
                break
            except requests.ConnectionError:
                time.sleep(0.1)
        assert answer.json()["connections"][0]["status"] == "ACTIVE"
    finally:
        process.terminate()
        process.wait(timeout=10)
