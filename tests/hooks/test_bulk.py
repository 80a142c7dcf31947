"""One message to several recipients: the per-recipient report, masked, and when a retry can help."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import (
    WhatsAppRateLimitError,
    WhatsAppRecipientError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.hooks.bulk import failure_summary, retry_can_help, send_to_each

ALICE, BOB, CAROL = "+31612345678", "+31687654321", "+31611112222"


def test_send_to_each_keeps_going_and_masks_numbers_in_errors() -> None:
    class Sent:
        message_id, message_status = "wamid.1", None

    def send(to: str) -> Any:
        if to == BOB:
            raise WhatsAppRecipientError(f"Recipient {BOB} cannot receive messages", status=400, code=131026)
        return Sent()

    report = send_to_each([ALICE, BOB, ALICE], send, [])

    assert report[0] == {"to": "+31******678", "message_id": "wamid.1"}
    assert report[1]["to"] == "+31******321"
    assert report[1]["error"]["code"] == 131026
    assert BOB.lstrip("+") not in str(report)
    assert failure_summary(report) == (
        "1 of 3 recipient(s) failed: +31******321: WhatsAppRecipientError: " + report[1]["error"]["message"]
    )
    assert failure_summary(report[:1]) is None


@pytest.mark.parametrize(
    ("errors", "delivered", "expected"),
    [
        ([WhatsAppRateLimitError("slow down", status=429)], False, True),
        ([WhatsAppServerError("down", status=503, retryable=True)], False, True),
        ([WhatsAppRateLimitError("slow down", status=429)], True, False),  # a retry would resend
        ([WhatsAppRecipientError("undeliverable", status=400, code=131026)], False, False),  # same again
        ([WhatsAppUnknownOutcomeError("cut")], False, False),  # may already be delivered
    ],
)
def test_retry_only_when_it_can_help_and_resends_to_nobody(
    errors: list[Exception], delivered: bool, expected: bool
) -> None:
    class Sent:
        message_id, message_status = "wamid.1", None

    failures = iter(errors)

    def send(to: str) -> Any:
        if to == ALICE:
            return Sent()
        raise next(failures)

    recipients = [ALICE, BOB] if delivered else [BOB]
    assert retry_can_help(send_to_each(recipients, send, [])) is expected


def test_send_to_each_keeps_the_outcomes_known_when_something_else_stops_it() -> None:
    class Sent:
        message_id, message_status = "wamid.1", None

    def send(to: str) -> Any:
        if to == BOB:
            raise RuntimeError("a bug")
        return Sent()

    report: list[dict[str, Any]] = []
    with pytest.raises(RuntimeError):
        send_to_each([ALICE, BOB, CAROL], send, report)

    assert report == [{"to": "+31******678", "message_id": "wamid.1"}]
