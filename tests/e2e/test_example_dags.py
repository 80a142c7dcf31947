"""Every example DAG, run in-process with ``dag.test()`` over loopback HTTP to the sandbox.

Each test asserts what the sandbox stored, and every run is checked for the key and for recipients'
full numbers (with or without ``+``) in its XComs and rendered template fields. Failure paths run the
same DAGs with other Params: a bad template parameter, an undeliverable recipient among good ones, a
REJECTED template, a FAILED connection, and a notifier whose key is refused while the task itself
fails. One test runs ``airflow dags test`` in a subprocess, as a user would.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.airflow_compat import DAG_TEST_CALLBACKS_SEE_THE_EXCEPTION
from tests.airflow_fixtures import PendingConnectionWatcher

pytestmark = pytest.mark.usefixtures("airflow_home", "maton_connection")

ALICE, BOB = "+31612345678", "+31687654321"
UNDELIVERABLE = "+31600000000"  # the sandbox answers 131026 for numbers ending in 0000
RECIPIENTS = (ALICE, BOB, UNDELIVERABLE)
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "example_dags"
CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"


@dataclass
class RunResult:
    """What a DAG run left behind: its state, each task's state, and XComs on demand."""

    dag_id: str
    run_id: str
    state: str
    tasks: dict[str, str]

    def xcom(self, task_id: str, key: str = "return_value") -> Any:
        """A task's XCom value from the metadata database."""
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            row = session.scalars(
                select(XComModel).where(
                    XComModel.dag_id == self.dag_id,
                    XComModel.run_id == self.run_id,
                    XComModel.task_id == task_id,
                    XComModel.key == key,
                )
            ).first()
            # Stored as JSON through the Execution API: ``value`` is already decoded (deserialize_value
            # would json-decode a numeric-looking string once more).
            return None if row is None else row.value

    def stored(self) -> list[Any]:
        """Every XCom value and rendered template field of the run."""
        from airflow.models.renderedtifields import RenderedTaskInstanceFields as Rendered
        from airflow.models.xcom import XComModel
        from airflow.utils.session import create_session
        from sqlalchemy import select

        with create_session() as session:
            xcoms = session.scalars(select(XComModel.value).where(XComModel.run_id == self.run_id))
            rendered = session.scalars(select(Rendered.rendered_fields).where(Rendered.run_id == self.run_id))
            return [*xcoms, *rendered]


def load_dag(dag_id: str) -> Any:
    """The DAG object from ``example_dags/<dag_id>.py``."""
    spec = importlib.util.spec_from_file_location(f"example_{dag_id}", DAGS_FOLDER / f"{dag_id}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.dag


def run_dag(dag_id: str, conf: dict[str, Any] | None = None) -> RunResult:
    """Run one DAG with ``dag.test()``, collect the outcome, and check that no XCom and no rendered
    template field of the run holds the Maton key or a recipient's full number."""
    run = load_dag(dag_id).test(run_conf=conf)
    tasks = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    result = RunResult(dag_id, run.run_id, str(run.state), tasks)
    stored = repr(result.stored())
    assert json.loads(os.environ[CONN_ENV])["password"] not in stored
    assert [digits(number) for number in RECIPIENTS if digits(number) in stored] == []
    return result


def digits(number: str) -> str:
    """A number as the sandbox's ``wa_id``."""
    return number.lstrip("+")


def sent(admin: SandboxAdminClient) -> list[tuple[str, str, dict[str, Any]]]:
    """``(wa_id, type, type's body)`` of every stored message."""
    return [(m["wa_id"], m["type"], m["body"][m["type"]]) for m in admin.messages()]


def test_scheduled_notification_sends_the_template_to_each_recipient(
    sandbox_admin: SandboxAdminClient,
) -> None:
    result = run_dag("whatsapp_scheduled_notification")

    assert result.state == "success", result.tasks
    assert [(wa_id, kind, body["name"]) for wa_id, kind, body in sent(sandbox_admin)] == [
        (digits(ALICE), "template", "hello_world"),
        (digits(BOB), "template", "hello_world"),
    ]
    wamids = result.xcom("send_daily_template")
    assert len(wamids) == 2
    assert all(w.startswith("wamid.") for w in wamids)
    report = result.xcom("send_daily_template", "report")
    assert [line["to"] for line in report] == ["+31******678", "+31******321"]


def test_bad_template_parameter_fails_clearly_and_sends_nothing(
    sandbox_admin: SandboxAdminClient, capsys: pytest.CaptureFixture[str]
) -> None:
    """The send is checked against the account's template first: no request reaches /messages."""
    result = run_dag("whatsapp_scheduled_notification", {"body_parameters": ["unexpected"]})

    assert result.state == "failed"
    assert result.tasks["send_daily_template"] == "failed"
    assert sandbox_admin.requests_log("/messages") == []
    assert "template hello_world (en_US): BODY takes no parameters, given 1" in capsys.readouterr().out


def test_mixed_recipients_report_per_recipient_and_fail_at_the_end(sandbox_admin: SandboxAdminClient) -> None:
    result = run_dag("whatsapp_scheduled_notification", {"recipients": [ALICE, UNDELIVERABLE, BOB]})

    assert result.tasks["send_daily_template"] == "failed"
    assert [wa_id for wa_id, _, _ in sent(sandbox_admin)] == [digits(ALICE), digits(BOB)]
    report = result.xcom("send_daily_template", "report")
    assert "message_id" in report[0]
    assert "message_id" in report[2]
    assert report[1]["to"] == "+31******000"
    assert report[1]["error"]["error"] == "WhatsAppRecipientError"
    assert report[1]["error"]["code"] == 131026
    assert digits(UNDELIVERABLE) not in str(report)


def test_pipeline_alerts_notify_on_retry_and_success_with_template_fallback(
    sandbox_admin: SandboxAdminClient,
) -> None:
    sandbox_admin.inbound(ALICE)  # Alice wrote today: free text reaches her; Bob gets the template

    result = run_dag("whatsapp_pipeline_alerts", {"recipients": [ALICE, BOB]})

    assert result.state == "success", result.tasks
    messages = sent(sandbox_admin)
    texts = [body["body"] for wa_id, kind, body in messages if wa_id == digits(ALICE)]
    assert len(texts) == 3
    assert texts[0].startswith("Retrying extract of whatsapp_pipeline_alerts (try 1)")
    assert "source not ready yet" in texts[0] or not DAG_TEST_CALLBACKS_SEE_THE_EXCEPTION
    assert texts[1].startswith("Loaded 5 rows")
    assert texts[2].startswith("Pipeline whatsapp_pipeline_alerts succeeded")
    to_bob = [(kind, body.get("name")) for wa_id, kind, body in messages if wa_id == digits(BOB)]
    assert to_bob == [("template", "hello_world")] * 3


@pytest.mark.usefixtures("wrong_maton_key")
def test_notifier_that_cannot_send_leaves_the_task_failure_visible(sandbox_admin: SandboxAdminClient) -> None:
    result = run_dag("whatsapp_pipeline_alerts", {"failing_tries": 2})

    assert result.state == "failed"
    assert result.tasks == {"extract": "failed", "load": "upstream_failed"}
    assert sandbox_admin.messages() == []


def test_media_report_uploads_the_csv_and_sends_it_as_a_document(
    sandbox_admin: SandboxAdminClient,
) -> None:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

    for number in (ALICE, BOB):
        sandbox_admin.inbound(number)

    result = run_dag("whatsapp_media_report")

    assert result.state == "success", result.tasks
    media_id = result.xcom("upload_report")
    documents = sent(sandbox_admin)
    assert [(wa_id, kind) for wa_id, kind, _ in documents] == [
        (digits(ALICE), "document"),
        (digits(BOB), "document"),
    ]
    assert {body["id"] for _, _, body in documents} == {media_id}
    assert all(body["filename"].endswith(".csv") for _, _, body in documents)
    content = MatonWhatsAppHook().download_media(media_id)
    assert isinstance(content, bytes)
    assert content.splitlines()[0] == b"region,orders,revenue_eur"


def test_connection_onboarding_waits_deferrably_until_active(
    sandbox_admin: SandboxAdminClient, oauth_user: PendingConnectionWatcher
) -> None:
    result = run_dag("whatsapp_connection_onboarding")

    assert result.state == "success", result.tasks
    created = result.xcom("create_connection")
    assert oauth_user.handled == [created]
    assert result.xcom("wait_until_active") == created
    assert {c["connection_id"]: c["status"] for c in sandbox_admin.connections()}[created] == "ACTIVE"
    assert [(kind, body["name"]) for _, kind, body in sent(sandbox_admin)] == [("template", "hello_world")]


@pytest.mark.usefixtures("oauth_refused")
def test_connection_sensor_fails_at_once_when_the_connection_failed(
    sandbox_admin: SandboxAdminClient, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_dag("whatsapp_connection_onboarding")

    assert result.state == "failed"
    assert result.tasks["wait_until_active"] == "failed"
    output = capsys.readouterr().out
    assert "FAILED: create a new connection" in output, "failed on the status, not on the sensor's timeout"
    assert "AirflowSensorTimeout" not in output
    assert sandbox_admin.messages() == []


def test_template_approval_creates_waits_and_sends(
    sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    result = run_dag("whatsapp_template_approval")

    assert result.state == "success", result.tasks
    listing = sandbox_admin.call(
        "GET", f"/whatsapp-business/v21.0/{sandbox_key['waba_id']}/message_templates"
    )
    template = next(t for t in listing["data"] if t["name"] == "order_ready")
    assert template["status"] == "APPROVED"
    assert result.xcom("wait_for_approval") == template["id"]
    [(wa_id, kind, body)] = sent(sandbox_admin)
    assert (wa_id, kind, body["name"]) == (digits(ALICE), "template", "order_ready")
    assert body["components"][0]["parameters"][0]["text"] == "Alex"


def test_template_sensor_fails_at_once_on_rejection(
    sandbox_admin: SandboxAdminClient, capsys: pytest.CaptureFixture[str]
) -> None:
    result = run_dag("whatsapp_template_approval", {"template_name": "reject_order_ready"})

    assert result.state == "failed"
    assert result.tasks["wait_for_approval"] == "failed"
    output = capsys.readouterr().out
    assert "REJECTED" in output, "failed on the status, not on the sensor's timeout"
    assert "AirflowSensorTimeout" not in output
    assert sandbox_admin.messages() == []


def test_templates_as_code_syncs_waits_and_sends_checked(
    sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    """The first run creates the files' templates, waits for their approval and sends both; the second
    run's sync writes nothing."""
    result = run_dag("whatsapp_templates_as_code")

    assert result.state == "success", result.tasks
    plan = result.xcom("sync_templates")
    assert [(row["action"], row["name"], row["language"], row["result"]) for row in plan] == [
        ("create", "delivery_window", "en_US", "done"),
        ("create", "order_shipped", "en_US", "done"),
        ("create", "order_shipped", "nl", "done"),
        ("unmanaged", "hello_world", "en_US", None),
    ]
    listing = sandbox_admin.call(
        "GET", f"/whatsapp-business/v21.0/{sandbox_key['waba_id']}/message_templates"
    )
    assert {(t["name"], t["language"]): t["status"] for t in listing["data"]} == {
        ("hello_world", "en_US"): "APPROVED",
        ("order_shipped", "en_US"): "APPROVED",
        ("order_shipped", "nl"): "APPROVED",
        ("delivery_window", "en_US"): "APPROVED",
    }
    texts = sorted(message["template_text"] for message in sandbox_admin.messages())
    assert texts == [
        "Hi Alex, we deliver order A-1042 between 9:00 and 11:00.\nReply to choose another time",
        "Order A-1042 shipped\nHi Alex, your order is on its way and arrives on Friday.\n"
        "Reply STOP to opt out",
    ]
    writes = [
        r for r in sandbox_admin.requests_log() if r["method"] != "GET" and "/messages" not in r["path"]
    ]

    again = run_dag("whatsapp_templates_as_code", {"customer": "Sam"})

    assert again.state == "success", again.tasks
    assert {row["action"] for row in again.xcom("sync_templates")} == {"unchanged", "unmanaged"}
    assert [
        r for r in sandbox_admin.requests_log() if r["method"] != "GET" and "/messages" not in r["path"]
    ] == writes
    assert len(sandbox_admin.messages()) == 4


@pytest.mark.parametrize(
    ("dag_id", "messages"),
    [
        ("whatsapp_scheduled_notification", 2),
        ("whatsapp_pipeline_alerts", 3),
        ("whatsapp_media_report", 2),
        ("whatsapp_connection_onboarding", 1),
        ("whatsapp_template_approval", 1),
        ("whatsapp_templates_as_code", 2),
    ],
)
@pytest.mark.usefixtures("oauth_user")
def test_airflow_dags_test_command(
    dag_id: str, messages: int, maton_connection: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    for number in (ALICE, BOB):
        sandbox_admin.inbound(number)
    airflow = str(Path(sys.executable).parent / "airflow")

    done = subprocess.run(
        [airflow, "dags", "test", dag_id],
        env=dict(os.environ),  # AIRFLOW_HOME and the connection, as the fixtures set them
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )

    output = done.stdout + done.stderr
    assert done.returncode == 0, output[-5000:]
    assert "state=success" in output
    assert len(sandbox_admin.messages()) == messages
    assert maton_connection["api_key"] not in output
    assert [digits(number) for number in (ALICE, BOB) if digits(number) in output] == []


def test_bulk_campaign_sends_each_customer_their_template_once_in_mapped_chunks(
    sandbox: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    admin = SandboxAdminClient.new_key(sandbox.url, templates="docs")  # order_confirmation is seeded
    monkeypatch.setenv(CONN_ENV, admin.airflow_connection_json())
    audience = (DAGS_FOLDER / "data" / "campaign_audience.csv").read_text().splitlines()[1:]
    customers = [line.split(",") for line in audience]

    result = run_dag("whatsapp_bulk_campaign", {"chunk_size": 25, "workdir": f"file://{tmp_path}"})

    assert result.state == "success", result.tasks
    stored = [(m["wa_id"], m["body"]["template"]) for m in admin.messages()]
    assert sorted(wa_id for wa_id, _ in stored) == sorted(number[1:] for number, _, _ in customers)
    by_number = dict(stored)
    number, name, order = customers[7]
    assert [p["text"] for p in by_number[number[1:]]["components"][0]["parameters"]] == [name, order]
    assert len(result.xcom("split_audience")) == 3, "60 customers in chunks of 25"
    kept = repr(result.stored())
    assert [number for number, _, _ in customers if number[1:] in kept] == [], (
        "no number in XCom or rendered fields"
    )
