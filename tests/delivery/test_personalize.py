"""One message made for each recipient: rendered with their values and the task's context, checked,
and strict about values that are missing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jinja2
import pytest

from airflow_provider_whatsapp.delivery.personalize import MessageTemplate
from airflow_provider_whatsapp.delivery.rows import Planned, Skipped
from airflow_provider_whatsapp.delivery.sources import read_recipients
from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

ALICE, BOB = "+31612345678", "+31687654321"
MESSAGE = {"type": "text", "text": {"body": "Hi {{ name }}, run {{ run_id }}, order {{ recipient.order }}"}}
CONTEXT = {"run_id": "manual__1", "name": "the context's name, shadowed by the recipient's"}


def template(message: Any = MESSAGE, **kwargs: Any) -> MessageTemplate:
    # A lenient environment on purpose: missing values must fail anyway.
    return MessageTemplate(message, jinja2.Environment(undefined=jinja2.Undefined), CONTEXT, **kwargs)


def test_values_and_context_are_rendered_into_a_checked_body() -> None:
    rows = [{"to": ALICE, "name": "Alice", "order": 7}]
    [(recipient,)] = [(r,) for r in read_recipients(rows)]
    made = template(biz_opaque_callback_data="order-{{ order }}").body(recipient)
    assert made["text"] == {"body": "Hi Alice, run manual__1, order 7"}
    assert made["to"] == ALICE
    assert made["biz_opaque_callback_data"] == "order-7"
    assert made["recipient_type"] == "individual"


def test_a_missing_value_is_an_error_never_an_empty_string() -> None:
    rows = [{"to": ALICE, "name": "Alice"}]  # no order
    with pytest.raises(
        WhatsAppValidationError, match=r"recipients\[0\] \(\+31\*\*\*\*\*\*678\)\.message: a value is missing"
    ):
        list(template().plan(read_recipients(rows), skip_invalid=False))


@pytest.mark.parametrize("order", [None, "", "  "], ids=["null", "empty", "spaces"])
def test_an_empty_value_is_missing_too(order: str | None) -> None:
    """A SQL NULL, an empty CSV cell, a JSON null: no value, so an error, never "order None"."""
    [recipient] = read_recipients([{"to": ALICE, "name": "Alice", "order": order}])
    with pytest.raises(WhatsAppValidationError, match="message: a value is missing: 'order' is empty"):
        template().body(recipient)


def test_a_short_csv_row_is_missing_its_values(tmp_path: Path) -> None:
    audience = tmp_path / "audience.csv"
    audience.write_text(f"to,name,order\n{ALICE},Alice,7\n{BOB},Bob\n")
    plan = list(template().plan(read_recipients(str(audience)), skip_invalid=True))
    assert isinstance(plan[0], Planned)
    assert plan[0].body["text"]["body"] == "Hi Alice, run manual__1, order 7"
    assert isinstance(plan[1], Skipped)
    assert "'order' is empty for this recipient" in plan[1].error["message"]


def test_an_empty_value_can_have_a_default_and_does_not_fall_back_to_the_context() -> None:
    [recipient] = read_recipients([{"to": ALICE, "name": None, "order": 7}])
    made = template({"type": "text", "text": {"body": "{{ name | default('customer') }} {{ order }}"}}).body(
        recipient
    )
    assert made["text"] == {"body": "customer 7"}, "not the context's name"


def test_invalid_recipients_are_skipped_and_reported_when_asked() -> None:
    long_text = {"type": "text", "text": {"body": "{{ text }}"}}
    rows = [
        {"to": ALICE, "text": "ok"},
        {"to": "12", "text": "ok"},
        {"to": BOB, "text": "x" * 4097},
        {"text": "no number"},
    ]
    plan = list(template(long_text).plan(read_recipients(rows), skip_invalid=True))
    assert [type(row) for row in plan] == [Planned, Skipped, Skipped, Skipped]
    assert [row.seq for row in plan] == [0, 1, 2, 3]
    errors = [row.error["message"] for row in plan if isinstance(row, Skipped)]
    assert "to: must be 7 to 15 digits" in errors[0]
    assert "text.body: at most 4096 characters" in errors[1]
    assert "to: required" in errors[2]
    assert {row.raw for row in plan if isinstance(row, Skipped)} == {"12", BOB, "row 3"}


def test_strings_without_templates_are_kept_and_models_work_too() -> None:
    from airflow_provider_whatsapp.models import build_template_message

    message = build_template_message("order_confirmation", body=["{{ name }}", "{{ order }}"])
    [recipient] = read_recipients([{"to": ALICE, "name": "Alice", "order": "A-1"}])
    made = template(message).body(recipient)
    assert [p["text"] for p in made["template"]["components"][0]["parameters"]] == ["Alice", "A-1"]
