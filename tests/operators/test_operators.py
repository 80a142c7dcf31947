"""Operators: recipients, the per-recipient report (also when a send is interrupted), templated fields
with masked recipients, and each operator's ``execute()`` against the sandbox. DAG runs, with their
XComs and rendered fields, are checked in ``tests/e2e/test_example_dags.py``."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException, AirflowTaskTimeout
from airflow.sdk import DAG, ObjectStoragePath

from airflow_provider_whatsapp.operators import (
    MatonCreateConnectionOperator,
    WhatsAppMarkReadOperator,
    WhatsAppSendMessageOperator,
    WhatsAppSendTemplateOperator,
    WhatsAppSendTextOperator,
    WhatsAppUploadMediaOperator,
)

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
    context: Any = {"ti": RecordingTI()}
    op.execute(context)
    assert [m["wa_id"] for m in sandbox_admin.messages()] == [ALICE[1:], BOB[1:]]


def test_execute_without_rendering_parses_to_as_given(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    WhatsAppSendTemplateOperator(task_id="t", to=f"{ALICE};{BOB}", template_name="hello_world").execute(
        {"ti": RecordingTI()}  # type: ignore[typeddict-item]
    )

    assert [m["wa_id"] for m in sandbox_admin.messages()] == [ALICE[1:], BOB[1:]]


@pytest.mark.parametrize("interruption", [AirflowTaskTimeout, KeyboardInterrupt, RuntimeError])
def test_an_interruption_after_a_send_pushes_the_partial_report_and_fails_without_retry(
    interruption: type[BaseException],
    maton_connection: dict[str, Any],
    sandbox_admin: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, BOB, CAROL], template_name="hello_world")
    send = op.hook.send_message

    def stopped_at_bob(to: str, *args: Any, **kwargs: Any) -> Any:
        if to == BOB:
            raise interruption()
        return send(to, *args, **kwargs)

    monkeypatch.setattr(op.hook, "send_message", stopped_at_bob)
    context: Any = {"ti": RecordingTI()}

    with pytest.raises(AirflowFailException, match=r"1 of 3 recipient\(s\) got the message") as failed:
        op.execute(context)

    assert isinstance(failed.value.__cause__, interruption)
    [sent] = sandbox_admin.messages()
    assert sent["wa_id"] == ALICE[1:]
    report = context["ti"].pushed["report"]
    assert (report[0]["to"], report[0]["message_id"]) == ("+31******678", sent["id"])
    assert [(line["to"], line["error"]["error"]) for line in report[1:]] == [
        ("+31******321", interruption.__name__),
        ("+31******222", interruption.__name__),
    ]
    assert "outcome unknown" in report[1]["error"]["message"]
    assert "not sent" in report[2]["error"]["message"]


def test_an_interruption_during_the_first_send_is_not_retried_either(
    maton_connection: dict[str, Any], sandbox_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A timeout in the middle of the first request leaves its outcome unknown: no automatic retry."""
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, BOB], template_name="hello_world")

    def timed_out(to: str, *args: Any, **kwargs: Any) -> Any:
        raise AirflowTaskTimeout()

    monkeypatch.setattr(op.hook, "send_message", timed_out)
    context: Any = {"ti": RecordingTI()}

    with pytest.raises(AirflowFailException, match=r"0 of 2 recipient\(s\)") as failed:
        op.execute(context)
    assert isinstance(failed.value.__cause__, AirflowTaskTimeout)
    report = context["ti"].pushed["report"]
    assert "outcome unknown" in report[0]["error"]["message"]
    assert "not sent" in report[1]["error"]["message"]


class RecordingTI:
    """Stands in for the task instance in ``execute()``'s context: records what is pushed to XCom."""

    def __init__(self, try_number: int = 1) -> None:
        self.try_number = try_number
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value


def test_upload_read_receipt_and_connection_operators_against_the_sandbox(
    maton_connection: dict[str, Any], sandbox_admin: Any, tmp_path: Path
) -> None:
    inbound = sandbox_admin.inbound(ALICE, "please send the file")
    report = tmp_path / "report.csv"
    report.write_text("a,b\n1,2\n")
    context: Any = {"ti": RecordingTI()}

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
    assert context["ti"].pushed["report"] == [{"to": "+31******678", "message_id": wamids[0]}]
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


def test_a_retry_sends_nothing_unless_allowed(maton_connection: dict[str, Any], sandbox_admin: Any) -> None:
    """A killed try leaves no record of who got the message, so a second try does not send again."""
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, BOB], template_name="hello_world")
    with pytest.raises(AirflowFailException, match="resend_on_retry"):
        op.execute({"ti": RecordingTI(try_number=2)})  # type: ignore[typeddict-item]
    assert sandbox_admin.messages() == []

    allowed = WhatsAppSendTemplateOperator(
        task_id="t", to=[ALICE, BOB], template_name="hello_world", resend_on_retry=True
    )
    assert len(allowed.execute({"ti": RecordingTI(try_number=2)})) == 2  # type: ignore[typeddict-item]
    assert len(sandbox_admin.messages()) == 2


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
    context: Any = {"ti": RecordingTI()}
    with pytest.raises(Exception, match="no_such_connection") as caught:
        op.execute(context)
    assert not isinstance(caught.value, AirflowFailException)
    assert context["ti"].pushed == {}
