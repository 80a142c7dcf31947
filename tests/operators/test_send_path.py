"""The send path of every send operator: what is rendered, what each stored message carries, and what
each recipient's line in the task log says."""

from __future__ import annotations

import re
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_whatsapp.delivery import sender
from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.rows import DUE, UNKNOWN
from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator, WhatsAppSendTextOperator
from airflow_provider_whatsapp.utils.phone import PHONE_RULE
from tests.log_lines import assert_logged
from tests.task_instance import RecordingTI

ALICE, UNDELIVERABLE = "+31612345678", "+31600000000"


def test_no_recipient_fails_at_render_time_and_a_wrong_number_before_any_send(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    """Both fail the same way on every try: for good, naming the rule, and nothing is sent."""
    op = WhatsAppSendTextOperator(task_id="t", to="{{ params.to }}", text="x")
    with pytest.raises(AirflowFailException) as caught:
        op.render_template_fields({"params": {"to": " , "}})
    assert str(caught.value) == "to: at least one recipient is required"

    wrong = WhatsAppSendTextOperator(task_id="t", to=[ALICE, "12"], text="x")
    with pytest.raises(AirflowFailException) as refused:
        wrong.execute(RecordingTI().context())
    assert str(refused.value) == f"to: {PHONE_RULE}"
    assert sandbox_admin.messages() == []


def test_reply_to_and_the_tracker_reach_every_stored_message(
    maton_connection: dict[str, Any], sandbox_admin: Any
) -> None:
    inbound = sandbox_admin.inbound(ALICE)
    op = WhatsAppSendTextOperator(
        task_id="t", to=ALICE, text="On its way", reply_to=inbound, biz_opaque_callback_data="order-42"
    )
    op.execute(RecordingTI().context())
    [stored] = sandbox_admin.messages()
    assert stored["body"]["context"] == {"message_id": inbound}
    assert stored["body"]["biz_opaque_callback_data"] == "order-42"


def test_the_task_log_tells_the_plan_the_progress_each_recipient_and_the_summary(
    maton_connection: dict[str, Any],
    sandbox_admin: Any,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sender, "PROGRESS_SECONDS", 0.0)
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, UNDELIVERABLE], template_name="hello_world")
    ti = RecordingTI()
    with pytest.raises(AirflowFailException):
        op.execute(ti.context())
    sent, failed = ti.pushed["report"]
    lines = "".join(capfd.readouterr())
    assert_logged(lines, f"+31******678: sent {sent['message_id']}")
    assert_logged(lines, f"+31******000: failed {failed['error']}")
    assert_logged(lines, "Planned 2 recipient(s); sending what has no outcome yet")
    assert re.search(r"sent 1 \(\d+\.\d/s\); 1 failed", lines)
    assert_logged(lines, "Delivery: 1 of 2 sent; failed: 131026 x1; 0 retry; 0 unknown; 0 skipped")
    assert ALICE[1:] not in lines, "numbers are logged masked"
    assert UNDELIVERABLE[1:] not in lines


class Stopped(BaseException):
    """What the task's timeout raises in the middle of ``execute``."""


def test_a_try_stopped_before_any_send_still_reports_and_logs_every_recipient(
    maton_connection: dict[str, Any],
    sandbox_admin: Any,
    capfd: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The report says what is known when the stop came: nobody was sent to, everyone is planned."""

    def stop(self: DeliveryLedger, rows: Any) -> None:
        raise Stopped

    monkeypatch.setattr(DeliveryLedger, "mark_pending", stop)
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, UNDELIVERABLE], template_name="hello_world")
    ti = RecordingTI()
    with pytest.raises(Stopped):
        op.execute(ti.context())
    assert [(line["to"], line["status"]) for line in ti.pushed["report"]] == [
        ("+31******678", DUE),
        ("+31******000", DUE),
    ]
    logged = "".join(capfd.readouterr())
    assert_logged(logged, f"+31******678: {DUE}")
    assert_logged(logged, f"+31******000: {DUE}")
    assert sandbox_admin.messages() == []


def test_the_next_try_reports_what_a_killed_try_left_in_flight_as_unknown(
    maton_connection: dict[str, Any], sandbox_admin: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    """A try killed (SIGKILL, out of memory) once its rows were pending: whether their requests left
    is not known, so the next try neither sends them again nor calls them sent, and says so."""
    op = WhatsAppSendTemplateOperator(task_id="t", to=[ALICE, UNDELIVERABLE], template_name="hello_world")
    first = RecordingTI()
    ledger = op.open_ledger(first.context())
    ledger.plan(op.plan(first.context()))
    ledger.mark_pending(ledger.due(10))  # and there the worker died

    second = first.retry()
    with pytest.raises(AirflowFailException, match="not retried"):
        op.execute(second.context())
    assert [line["status"] for line in second.pushed["report"]] == [UNKNOWN, UNKNOWN]
    logged = "".join(capfd.readouterr())
    assert_logged(logged, "2 recipient(s) were being sent to when an earlier try stopped: unknown")
    assert_logged(logged, "Delivery: 0 of 2 sent; failed: none; 0 retry; 2 unknown; 0 skipped")
    assert sandbox_admin.messages() == []
