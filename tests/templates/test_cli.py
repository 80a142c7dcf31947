"""``whatsapp-templates`` against the sandbox: export, plan and apply, on an Airflow connection or on
``MATON_API_KEY`` with ``--host``; exit status 2 (nothing sent) for bad files, 1 for a failed write."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from airflow_provider_whatsapp.cli.templates import KEY_CONN_ID, main

from .conftest import DELIVERY_WINDOW, ORDER_SHIPPED, Account, with_body, write_templates


@pytest.fixture
def key_mode(account: Account, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """``MATON_API_KEY`` set, no Airflow connection: the global options that name the account."""
    monkeypatch.delenv("AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT")
    monkeypatch.setenv("MATON_API_KEY", account.admin.api_key)
    monkeypatch.setenv(f"AIRFLOW_CONN_{KEY_CONN_ID.upper()}", "")  # restored after the test
    return ["--host", account.admin.base_url, "--waba-id", account.waba_id]


def test_export_edit_plan_apply_with_a_maton_api_key(
    account: Account, key_mode: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    account.create(ORDER_SHIPPED)
    account.approve()
    folder = tmp_path / "templates"

    assert main([*key_mode, "export", "--out", str(folder)]) == 0
    exported = folder / "order_shipped.yaml"
    exported.write_text(
        yaml.safe_dump(with_body(ORDER_SHIPPED, "Hi {{1}}, it comes {{2}}."), sort_keys=False)
    )
    write_templates(folder, DELIVERY_WINDOW, name="delivery_window.yaml")
    capsys.readouterr()
    created = account.writes()

    assert main([*key_mode, "plan", str(folder)]) == 0
    planned = capsys.readouterr().out
    assert account.writes() == created
    assert main([*key_mode, "apply", str(folder)]) == 0
    applied = capsys.readouterr().out
    assert main([*key_mode, "apply", str(folder)]) == 0
    again = capsys.readouterr().out

    assert planned.splitlines()[0] == "1 to create, 1 to update, 1 unchanged"
    assert "update     order_shipped    en_US     APPROVED  BODY text" in planned
    assert "create     delivery_window  en_US     PENDING   done    new UTILITY template" in applied
    assert len(account.writes()) == len(created) + 2
    assert again.splitlines()[0] == "3 unchanged"


def test_export_to_stdout_then_apply_of_it_writes_nothing(
    docs_account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["export"]) == 0
    exported = tmp_path / "all.yaml"
    exported.write_text(capsys.readouterr().out)

    assert main(["--conn-id", "maton_whatsapp_default", "apply", str(exported), "--json"]) == 0

    plan = json.loads(capsys.readouterr().out)
    assert {row["action"] for row in plan} == {"unchanged"}
    assert len(plan) == 5
    assert docs_account.writes() == []


def test_bad_files_exit_2_and_send_nothing(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_templates(tmp_path, {**DELIVERY_WINDOW, "parameter_format": "POSITIONAL"})

    assert main(["apply", str(files)]) == 2

    error = capsys.readouterr().err
    assert error.splitlines() == [
        "whatsapp-templates: nothing was sent:",
        f"  {files}: delivery_window (en_US): components.0 (BODY).text: "
        "{{first_name}}, {{order_id}}, {{window}}: named variables need parameter_format NAMED",
    ]
    assert account.admin.requests_log() == []


def test_a_failed_write_exits_1(account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    account.admin.set_faults(script=["ok", "500"])

    assert main(["apply", str(write_templates(tmp_path, ORDER_SHIPPED)), "--json"]) == 1

    [created] = [row for row in json.loads(capsys.readouterr().out) if row["action"] == "create"]
    assert created["result"] == "failed"
    assert "WhatsAppServerError" in created["detail"]


def test_the_account_must_be_named(
    key_mode: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--host", key_mode[1], "plan", str(tmp_path)]) == 2
    assert main(["--conn-id", "maton_whatsapp_default", "--host", key_mode[1], "export"]) == 2

    errors = capsys.readouterr().err
    assert "--waba-id: required with MATON_API_KEY" in errors
    assert "--host: goes with MATON_API_KEY, not an Airflow connection" in errors


def test_the_console_script_is_installed(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED)
    command = Path(sys.executable).parent / "whatsapp-templates"

    done = subprocess.run(
        [str(command), "plan", str(files)],
        env=dict(os.environ),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[:3] == [
        "1 to create, 1 unmanaged",
        "action     template       language  status    detail",
        "---------  -------------  --------  --------  " + "-" * 55,
    ]
    assert account.admin.api_key not in done.stdout + done.stderr
