"""Operators: recipients, the per-recipient report (also when a send is interrupted), templated fields
with masked recipients, and each operator's ``execute()`` against the sandbox. DAG runs, with their
XComs and rendered fields, are checked in ``tests/e2e/test_example_dags.py``."""

from __future__ import annotations

import os
import signal
import threading
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import (
    AirflowException,
    AirflowFailException,
    AirflowTaskTimeout,
    timeout,
)
from airflow.sdk import DAG, ObjectStoragePath

from airflow_provider_whatsapp.delivery import sender
from airflow_provider_whatsapp.operators import (
    MatonCreateConnectionOperator,
    WhatsAppMarkReadOperator,
    WhatsAppSendMessageOperator,
    WhatsAppSendTemplateOperator,
    WhatsAppSendTextOperator,
    WhatsAppUploadMediaOperator,
)
from tests.task_instance import RecordingTI

ALICE, BOB, CAROL = "+31612345678", "+31687654321", "+31611112222"


def test_templated_fields_render() -> None:
    with DAG("render", schedule=None, start_date=datetime(2025, 1, 1), render_template_as_native_obj=True):
        text = WhatsAppSendTextOperator(task_id="text", to="{{ params.to }}", text="Report {{ ds }}")
        template = WhatsAppSendTemplateOperator(
            task_id="template",
            to="{{ params.to }}",
            template_name="{{ params.name }}",
            body_parameters=["{{ ds }}", "{{ params.n }}"],
            header_parameters=["{{ params.name }}"],
        )
        message = WhatsAppSendMessageOperator(
            task_id="message", to=ALICE, message={"type": "text", "text": {"body": "{{ ds }}"}}
        )
        upload = WhatsAppUploadMediaOperator(task_id="upload", file_path="/tmp/{{ ds }}.csv")
    context: Any = {"params": {"to": [ALICE, BOB], "name": "daily", "n": 3}, "ds": "2025-01-02"}

    for op in (text, template, message, upload):
        op.render_template_fields(context)

    assert (text.to, text.text) == (["+31******678", "+31******321"], "Report 2025-01-02")
    assert (template.template_name, template.body_parameters) == ("daily", ["2025-01-02", 3])
    assert template.header_parameters == ["daily"]
    assert message.message == {"type": "text", "text": {"body": "2025-01-02"}}
    assert upload.file_path == "/tmp/2025-01-02.csv"


def test_rendered_to_shows_masked_numbers_and_execute_sends_to_the_real_ones(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    """Airflow stores rendered fields (the UI's "Rendered" tab): ``to`` must not hold full numbers."""
    with DAG("masked", schedule=None, start_date=datetime(2025, 1, 1)):
        op = WhatsAppSendTemplateOperator(task_id="t", to="{{ params.to }}", template_name="hello_world")
    op.render_template_fields({"params": {"to": [ALICE, BOB]}})
    op.render_template_fields({"params": {}})  # rendering twice keeps the recipients

    assert op.to == ["+31******678", "+31******321"]
    assert all("612345678" not in repr(getattr(op, field)) for field in op.template_fields)
    context: Any = RecordingTI().context()
    op.execute(context)
    assert [m["wa_id"] for m in sandbox_admin.messages()] == [ALICE[1:], BOB[1:]]


def test_execute_without_rendering_parses_to_as_given(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    WhatsAppSendTemplateOperator(task_id="t", to=f"{ALICE};{BOB}", template_name="hello_world").execute(
        RecordingTI().context()
    )

    assert [m["wa_id"] for m in sandbox_admin.messages()] == [ALICE[1:], BOB[1:]]


def test_a_try_stopped_mid_send_is_retried_safely(
    maton_connection: dict[str, Any], sandbox_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The task's timeout fires while Bob's request is in flight: Alice has the message, Carol was
    never sent to. The next try reports Bob unknown (not resent), sends to Carol, not again to Alice."""
    monkeypatch.setattr(sender, "STOP_WAIT_SECONDS", 0.1)
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, BOB, CAROL], template_name="hello_world")
    send, in_flight, release = op.hook.send_body, threading.Event(), threading.Event()

    def slow_for_bob(body: dict[str, Any], **kwargs: Any) -> Any:
        if body["to"] == BOB:
            in_flight.set()
            release.wait(30)
        return send(body, **kwargs)

    def time_out_once_bob_is_in_flight() -> None:
        in_flight.wait(30)
        os.kill(os.getpid(), signal.SIGALRM)  # what Airflow's execution_timeout sends (to any thread)

    monkeypatch.setattr(op.hook, "send_body", slow_for_bob)
    first = RecordingTI()
    threading.Thread(target=time_out_once_bob_is_in_flight, daemon=True).start()
    with pytest.raises(AirflowTaskTimeout), timeout(600):
        op.execute(first.context())

    stopped = {line["to"]: line["status"] for line in first.pushed["report"]}
    assert stopped == {"+31******678": "sent", "+31******321": "pending", "+31******222": "planned"}
    release.set()  # Bob's request, in flight when the try stopped, arrives after all
    retry = first.retry()
    with pytest.raises(AirflowFailException, match="1 unknown"):
        op.execute(retry.context())

    assert sorted(m["wa_id"] for m in sandbox_admin.messages()) == sorted(n[1:] for n in (ALICE, BOB, CAROL))
    report = {line["to"]: line for line in retry.pushed["report"]}
    assert report["+31******321"]["status"] == "unknown"
    assert "stopped" in report["+31******321"]["error"]["message"]
    assert report["+31******222"]["status"] == "sent"
    assert report["+31******678"]["message_id"] == first.pushed["report"][0]["message_id"]


def test_unknown_outcomes_are_resent_only_when_asked(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    sandbox_admin.set_faults(script=["lost"])  # Alice's message is stored, its answer lost
    op = WhatsAppSendTemplateOperator(
        task_id="t", to=[ALICE, BOB], template_name="hello_world", check_template=False
    )
    first = RecordingTI()
    with pytest.raises(AirflowFailException, match="1 unknown"):
        op.execute(first.context())
    with pytest.raises(AirflowFailException, match="1 unknown"):
        op.execute(first.retry().context())
    assert len(sandbox_admin.messages(to=ALICE)) == 1

    op.resend_unknown = True
    assert len(op.execute(first.retry().retry().context())) == 2
    assert len(sandbox_admin.messages(to=ALICE)) == 2, "asked for: a second copy is accepted"


def test_with_resend_unknown_an_unknown_outcome_is_retryable(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    """Asked to resend unknown outcomes, the task lets Airflow retry: the retry sends Alice a copy."""
    sandbox_admin.set_faults(script=["lost"])
    op = WhatsAppSendTemplateOperator(
        task_id="t", to=[ALICE], template_name="hello_world", check_template=False, resend_unknown=True
    )
    first = RecordingTI()
    with pytest.raises(AirflowException, match="1 unknown") as caught:
        op.execute(first.context())
    assert not isinstance(caught.value, AirflowFailException), "Airflow may retry it"
    assert len(op.execute(first.retry().context())) == 1
    assert len(sandbox_admin.messages(to=ALICE)) == 2


def test_failures_a_retry_can_fix_make_the_task_retryable_and_the_retry_sends_only_them(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    """Bob's send meets 429s past the hook's retries: nothing was accepted, so a retry may send it."""
    op = WhatsAppSendTemplateOperator(
        task_id="t",
        to=[ALICE, BOB],
        template_name="hello_world",
        hook_params={"max_retries": 0},
        check_template=False,  # its template lookup would take the scripted answers
    )
    sandbox_admin.set_faults(script=["ok", "429"])
    first = RecordingTI()
    with pytest.raises(AirflowException, match="1 retry") as caught:
        op.execute(first.context())
    assert not isinstance(caught.value, AirflowFailException), "Airflow may retry it"

    assert op.execute(first.retry().context()) == [m["id"] for m in sandbox_admin.messages()]
    assert [m["wa_id"] for m in sandbox_admin.messages()] == [ALICE[1:], BOB[1:]]


def test_permanent_failures_fail_for_good(maton_connection: dict[str, Any], sandbox_admin: Any) -> None:
    undeliverable = "+31600000000"  # the sandbox answers 131026 for numbers ending in 0000
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, undeliverable], template_name="hello_world")
    ti = RecordingTI()
    with pytest.raises(AirflowFailException, match="failed: 131026 x1"):
        op.execute(ti.context())
    assert [line["status"] for line in ti.pushed["report"]] == ["sent", "failed"]
    assert "600000000" not in str(ti.pushed["report"])


def test_upload_read_receipt_and_connection_operators_against_the_sandbox(
    maton_connection: dict[str, Any], sandbox_admin: Any, tmp_path: Path
) -> None:
    inbound = sandbox_admin.inbound(ALICE, "please send the file")
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    context: Any = RecordingTI().context()

    by_path = WhatsAppUploadMediaOperator(task_id="by_path", file_path=str(report)).execute(context)
    by_storage = WhatsAppUploadMediaOperator(
        task_id="by_storage", file_path=ObjectStoragePath(f"file://{report}"), mime_type="text/csv"
    ).execute(context)
    wamids = WhatsAppSendMessageOperator(
        task_id="document",
        to=ALICE,
        reply_to=inbound,
        message={"type": "document", "document": {"id": by_storage, "filename": "report.csv"}},
    ).execute(context)
    read = WhatsAppMarkReadOperator(task_id="read", message_id=inbound).execute(context)
    connection_id = MatonCreateConnectionOperator(task_id="connect").execute(context)

    assert by_path.isdigit()
    assert by_storage.isdigit()
    assert by_path != by_storage
    [stored] = sandbox_admin.messages()
    assert stored["body"]["context"] == {"message_id": inbound}
    assert stored["body"]["document"]["id"] == by_storage
    assert context["ti"].pushed["report"] == [
        {"seq": 0, "to": "+31******678", "status": "sent", "message_id": wamids[0]}
    ]
    assert read is True
    assert {c["connection_id"]: c["status"] for c in sandbox_admin.connections()}[connection_id] == "PENDING"


def test_operators_show_no_key_after_using_the_hook(maton_connection: dict[str, Any]) -> None:
    key = maton_connection["api_key"]
    op = WhatsAppSendTextOperator(task_id="text", to=ALICE, text="hi")

    assert op.hook.config.api_key == key  # the hook has read the key ...
    assert key not in repr(op)  # ... and shows it nowhere
    assert key not in repr(op.hook)
    assert key not in repr(vars(op))
    assert all(key not in repr(getattr(op, field)) for field in op.template_fields)


def test_bad_input_fails_for_good(maton_connection: dict[str, Any], sandbox_admin: Any) -> None:
    """Invalid input fails the same way on every try: no retry, nothing sent."""
    op = WhatsAppSendTextOperator(task_id="t", to=ALICE, text="x" * 4097)
    with pytest.raises(AirflowFailException, match=r"text\.body"):
        op.execute({"ti": RecordingTI()})  # type: ignore[typeddict-item]
    assert sandbox_admin.requests_log("/messages") == []


def test_a_missing_connection_is_not_reported_as_a_send(sandbox_admin: Any) -> None:
    """Reading the Airflow connection happens before the loop: its failure is no 'outcome unknown'."""
    op = WhatsAppSendTemplateOperator(
        task_id="t", to=[ALICE], template_name="hello_world", maton_conn_id="no_such_connection"
    )
    context: Any = RecordingTI().context()
    with pytest.raises(Exception, match="no_such_connection") as caught:
        op.execute(context)
    assert not isinstance(caught.value, AirflowFailException)
    assert context["ti"].pushed == {}
