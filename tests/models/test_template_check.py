"""Checked sends without a server: each way a send can miss its template names the template, the
component, what it takes and what was given."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import TemplateInfo, build_template_message
from airflow_provider_whatsapp.models.template_check import check_template_send
from airflow_provider_whatsapp.sandbox.seeds import DOC_TEMPLATES

SEEDS = {definition["name"]: definition for definition in DOC_TEMPLATES}
IMAGE = {"type": "image", "image": {"link": "https://example.com/a.png"}}
DOCUMENT = {"type": "document", "document": {"link": "https://example.com/a.pdf"}}


def stored(name: str, status: str = "APPROVED") -> TemplateInfo:
    return TemplateInfo.from_response({"id": "123456789012345", "status": status, **SEEDS[name]})


def problems(name: str, **send: Any) -> list[tuple[str, str]]:
    message = build_template_message(name, "en_US", **send)
    with pytest.raises(WhatsAppValidationError) as caught:
        check_template_send(message.template, stored(name))
    return caught.value.errors


@pytest.mark.parametrize(
    ("name", "send"),
    [
        ("pipeline_alert", {"body": ["daily_sales", "load"]}),
        (
            "order_confirmation",
            {
                "body": ["Alex", "A-1"],
                "buttons": [{"sub_type": "quick_reply", "index": 1, "parameters": ["p"]}],
            },
        ),
        ("order_confirmation", {"body": ["Alex", "A-1"]}),
        ("delivery_update", {"body": {"first_name": "Alex", "order_id": "A-1", "delivery_date": "May 2"}}),
        ("delivery_update", {"body": {"delivery_date": "May 2", "order_id": "A-1", "first_name": "Alex"}}),
        ("monthly_report", {"header": DOCUMENT, "body": ["April"]}),
    ],
)
def test_sends_that_fit_pass(name: str, send: dict[str, Any]) -> None:
    message = build_template_message(name, "en_US", **send)
    assert check_template_send(message.template, stored(name)).name == name


@pytest.mark.parametrize(
    ("name", "send", "errors"),
    [
        (
            "pipeline_alert",
            {"body": ["daily_sales"]},
            [("template.components.0", "template pipeline_alert (en_US): BODY takes 2 parameters, given 1")],
        ),
        (
            "pipeline_alert",
            {"header": "x", "body": ["a", "b", "c"]},
            [
                (
                    "template.components.0",
                    "template pipeline_alert (en_US): HEADER takes no parameters, given 1",
                ),
                (
                    "template.components.1",
                    "template pipeline_alert (en_US): BODY takes 2 parameters, given 3",
                ),
            ],
        ),
        (
            "pipeline_alert",
            {"body": [{"type": "text", "text": "a", "parameter_name": "dag"}, "b"]},
            [
                (
                    "template.components.0",
                    "template pipeline_alert (en_US): BODY: parameter_name is only for templates with NAMED "
                    "parameters",
                )
            ],
        ),
        (
            "order_confirmation",
            {"body": ["Alex", "A-1"], "buttons": {0: "orders/1"}},
            [
                (
                    "template.components.1",
                    "template order_confirmation (en_US): button 0 (URL) takes no parameters, given 1",
                )
            ],
        ),
        (
            "order_confirmation",
            {"body": ["Alex", "A-1"], "buttons": [{"sub_type": "url", "index": 1, "parameters": ["p"]}]},
            [
                (
                    "template.components.1",
                    "template order_confirmation (en_US): button 1 (QUICK_REPLY) takes sub_type quick_reply, "
                    "given url",
                )
            ],
        ),
        (
            "order_confirmation",
            {
                "body": ["Alex", "A-1"],
                "buttons": [{"sub_type": "quick_reply", "index": 2, "parameters": ["p"]}],
            },
            [("template.components.1", "template order_confirmation (en_US) has no button 2 (it has 2)")],
        ),
        (
            "delivery_update",
            {"body": ["Alex", "A-1", "May 2"]},
            [
                (
                    "template.components.0",
                    "template delivery_update (en_US): BODY takes parameters named first_name, order_id, "
                    "delivery_date; given none",
                )
            ],
        ),
        (
            "delivery_update",
            {"body": {"first_name": "Alex", "order": "A-1", "delivery_date": "May 2"}},
            [
                (
                    "template.components.0",
                    "template delivery_update (en_US): BODY takes parameters named first_name, order_id, "
                    "delivery_date; given first_name, order, delivery_date",
                )
            ],
        ),
        (
            "delivery_update",
            {"body": {"first_name": "Alex"}},
            [
                (
                    "template.components.0",
                    "template delivery_update (en_US): BODY takes 3 parameters named first_name, order_id, "
                    "delivery_date, given 1",
                )
            ],
        ),
        (
            "monthly_report",
            {"body": ["April"]},
            [
                (
                    "template.components",
                    "template monthly_report (en_US): HEADER (DOCUMENT) takes 1 document parameter, "
                    "given none",
                )
            ],
        ),
        (
            "monthly_report",
            {"header": IMAGE, "body": ["April"]},
            [
                (
                    "template.components.0",
                    "template monthly_report (en_US): HEADER (DOCUMENT) takes document parameters, "
                    "given image",
                )
            ],
        ),
    ],
)
def test_sends_that_miss_name_template_component_expected_and_given(
    name: str, send: dict[str, Any], errors: list[tuple[str, str]]
) -> None:
    assert problems(name, **send) == errors


def test_a_component_given_twice() -> None:
    message = build_template_message("pipeline_alert", body=["a", "b"])
    components = list(message.template.components or [])
    twice = message.template.model_copy(update={"components": components * 2})

    with pytest.raises(WhatsAppValidationError, match="BODY is given 2 times"):
        check_template_send(twice, stored("pipeline_alert"))


def test_a_missing_or_unapproved_template() -> None:
    message = build_template_message("pipeline_alert", body=["a", "b"])

    with pytest.raises(WhatsAppValidationError) as missing:
        check_template_send(message.template, None)
    with pytest.raises(WhatsAppValidationError) as pending:
        check_template_send(message.template, stored("pipeline_alert", "PENDING"))

    assert missing.value.errors == [
        ("template.name", "template pipeline_alert (en_US) does not exist in this account")
    ]
    assert pending.value.errors == [
        ("template.name", "template pipeline_alert (en_US) is PENDING: only APPROVED templates can be sent")
    ]


def test_named_body_parameters_carry_their_names() -> None:
    message = build_template_message("delivery_update", body={"first_name": "Alex", "order_id": 7})
    assert message.to_api()["template"]["components"] == [
        {
            "type": "body",
            "parameters": [
                {"type": "text", "text": "Alex", "parameter_name": "first_name"},
                {"type": "text", "text": "7", "parameter_name": "order_id"},
            ],
        }
    ]
