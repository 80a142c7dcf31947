"""Checked template sends against the sandbox: the hook's opt-in ``check=True`` and the send operator's
default, for positional and named parameters; a mismatch is caught with zero requests to /messages."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from airflow.providers.common.compat.sdk import AirflowFailException

from airflow_provider_whatsapp.exceptions import WhatsAppTemplateParameterError, WhatsAppValidationError
from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator
from tests.task_instance import RecordingTI

from .conftest import DELIVERY_WINDOW, ORDER_SHIPPED, Account, write_templates

ALICE, BOB = "+31612345678", "+31687654321"


def sends(account: Account) -> int:
    return len(account.admin.requests_log("/messages"))


def test_checked_sends_of_positional_and_named_templates(docs_account: Account) -> None:
    hook = docs_account.hook()

    hook.send_template(ALICE, "pipeline_alert", body=["daily_sales", "load"], check=True)
    hook.send_template(BOB, "pipeline_alert", body=["daily_sales", "load"], check=True)
    hook.send_template(
        ALICE,
        "delivery_update",
        body={"first_name": "Alex", "order_id": "A-1042", "delivery_date": "May 2"},
        check=True,
    )

    texts = [message["template_text"] for message in docs_account.admin.messages()]
    assert "DAG *daily_sales*: task load needs attention" in texts[0]
    assert texts[2].startswith("Hi Alex, order A-1042 arrives on May 2.")
    assert docs_account.gets() == 2, "one lookup per template for the hook"


def test_components_in_the_cloud_apis_own_shape_are_sent_as_given_and_checked(docs_account: Account) -> None:
    hook = docs_account.hook()
    body = {
        "type": "body",
        "parameters": [{"type": "text", "text": "daily_sales"}, {"type": "text", "text": "x"}],
    }

    hook.send_template(ALICE, "pipeline_alert", components=[body], check=True)
    with pytest.raises(WhatsAppValidationError, match="BODY takes 2 parameters, given 1"):
        hook.send_template(
            ALICE, "pipeline_alert", components=[{**body, "parameters": body["parameters"][:1]}], check=True
        )

    [stored] = docs_account.admin.messages()
    assert stored["body"]["template"]["components"] == [body]
    assert "DAG *daily_sales*: task x needs attention" in stored["template_text"]


@pytest.mark.parametrize(
    ("name", "send", "rule"),
    [
        ("pipeline_alert", {"body": ["daily_sales"]}, "BODY takes 2 parameters, given 1"),
        (
            "delivery_update",
            {"body": ["Alex", "A-1042", "May 2"]},
            "BODY takes parameters named first_name, order_id, delivery_date; given none",
        ),
        ("monthly_report", {"body": ["April"]}, "HEADER (DOCUMENT) takes 1 document parameter, given none"),
        (
            "order_confirmation",
            {"body": ["Alex", "A-1"], "buttons": {0: "x"}},
            "button 0 (URL) takes no parameters",
        ),
    ],
)
def test_a_mismatch_is_caught_before_any_send(
    docs_account: Account, name: str, send: dict[str, Any], rule: str
) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        docs_account.hook().send_template(ALICE, name, check=True, **send)

    assert f"template {name} (en_US): {rule}" in str(caught.value)
    assert sends(docs_account) == 0


def test_without_check_the_cloud_api_refuses_the_mismatch(docs_account: Account) -> None:
    with pytest.raises(WhatsAppTemplateParameterError):
        docs_account.hook().send_template(ALICE, "pipeline_alert", body=["daily_sales"])
    assert sends(docs_account) == 1


def test_the_hook_sees_the_templates_it_creates(account: Account) -> None:
    hook = account.hook()
    with pytest.raises(WhatsAppValidationError, match="does not exist in this account"):
        hook.send_template(ALICE, "order_shipped", check=True)

    hook.create_template(ORDER_SHIPPED)
    with pytest.raises(WhatsAppValidationError, match="is PENDING: only APPROVED templates can be sent"):
        hook.send_template(ALICE, "order_shipped", check=True)
    account.approve()
    hook.send_template(
        ALICE, "order_shipped", header=["A-1"], body=["Alex", "on Friday"], buttons={0: "A-1"}, check=True
    )

    [sent] = account.admin.messages()
    assert (
        sent["template_text"] == "Order A-1 shipped\nHi Alex, your order is on its way and arrives on Friday."
    )


def test_the_send_operator_checks_by_default(docs_account: Account) -> None:
    bad = WhatsAppSendTemplateOperator(
        task_id="bad", to=[ALICE, BOB], template_name="delivery_update", body_parameters={"first_name": "A"}
    )
    unchecked = WhatsAppSendTemplateOperator(
        task_id="unchecked",
        to=[ALICE],
        template_name="pipeline_alert",
        body_parameters=["x"],
        check_template=False,
    )
    good = WhatsAppSendTemplateOperator(
        task_id="good",
        to=[ALICE, BOB],
        template_name="delivery_update",
        body_parameters={"first_name": "Alex", "order_id": "A-1042", "delivery_date": "May 2"},
    )

    with pytest.raises(AirflowFailException, match=r"BODY takes 3 parameters named first_name, order_id"):
        bad.execute({"ti": RecordingTI()})  # type: ignore[typeddict-item]
    assert sends(docs_account) == 0

    ti = RecordingTI()
    with pytest.raises(AirflowFailException):
        unchecked.execute({"ti": ti})  # type: ignore[typeddict-item]
    assert ti.pushed["report"][0]["error"]["error"] == "WhatsAppTemplateParameterError"

    assert len(good.execute({"ti": RecordingTI()})) == 2  # type: ignore[typeddict-item]
    assert docs_account.gets() == 2, "bad and good each looked the template up once; unchecked did not"


def test_a_template_the_sync_just_created_is_not_sent_before_approval(
    account: Account, tmp_path: Path
) -> None:
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, DELIVERY_WINDOW)))

    def send() -> list[str]:
        return WhatsAppSendTemplateOperator(
            task_id="send",
            to=ALICE,
            template_name="delivery_window",
            body_parameters={"first_name": "Alex", "order_id": "A-1042", "window": "9 and 11"},
        ).execute({"ti": RecordingTI()})  # type: ignore[typeddict-item]

    with pytest.raises(AirflowFailException, match="is PENDING"):
        send()
    account.approve()

    assert len(send()) == 1
    [sent] = account.admin.messages()
    assert sent["template_text"].startswith("Hi Alex, we deliver order A-1042 between 9 and 11.")
