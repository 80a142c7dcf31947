"""The command line: flags, and serving in the foreground."""

from __future__ import annotations

import json
import subprocess
import sys

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


def start(*flags: str) -> tuple[subprocess.Popen[str], list[str]]:
    """``python -m ...sandbox --port 0 <flags>``, and its banner (printed once the port is bound)."""
    command = [sys.executable, "-m", "airflow_provider_whatsapp.sandbox", "--port", "0", *flags]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    assert process.stdout is not None
    lines = [process.stdout.readline() for _ in range(7)]
    return process, lines


def stop(process: subprocess.Popen[str]) -> str:
    """Interrupt the sandbox and answer what it printed after its banner."""
    process.terminate()
    out, _ = process.communicate(timeout=10)
    return out


def test_python_dash_m_serves_and_prints_what_a_user_needs() -> None:
    process, banner = start("--api-key", "cli")
    try:
        url = banner[0].split(" on ")[1].strip()
        assert banner[1].split()[-1] == f"{url}/"
        conn_line = banner[-1].strip()
        assert conn_line.startswith("export AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT='")
        connection = json.loads(conn_line.partition("=")[2].strip("'"))
        assert connection == {
            "conn_type": "maton_whatsapp",
            "host": url,
            "password": "cli",
            "extra": {"phone_number_id": "106540352242922", "waba_id": "102290129340398"},
        }
        answer = requests.get(f"{url}/connections", headers={"Authorization": "Bearer cli"}, timeout=10)
        assert answer.json()["connections"][0]["status"] == "ACTIVE"
        refused = requests.get(f"{url}/connections", headers={"Authorization": "Bearer nope"}, timeout=10)
        assert refused.status_code == 401
        assert requests.get(f"{url}/", timeout=10).status_code == 200
    finally:
        log = stop(process)
    lines = [line.split()[1:] for line in log.splitlines() if "/connections" in line or line.endswith("ms")]
    assert lines[0][:3] == ["GET", "/connections", "200"]
    assert lines[1][:3] == ["GET", "/connections", "401"]
    assert lines[2][:3] == ["GET", "/", "200"]
    assert all(line[-1] == "ms" for line in lines)


def test_help_says_where_the_inbox_and_admin_api_are() -> None:
    help_text = subprocess.run(
        [sys.executable, "-m", "airflow_provider_whatsapp.sandbox", "--help"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "the web inbox" in help_text
    assert "/_sandbox/" in help_text
    assert "--state FILE" in help_text
    assert "do not open it to a network others share" in " ".join(help_text.split())
