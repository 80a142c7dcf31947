"""What became of a send: the ledger state each error means, and the notifier's masked per-recipient loop."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.delivery.outcomes import error_summary, failure_summary, send_to_each, state_of
from airflow_provider_whatsapp.delivery.rows import FAILED, RETRY, UNKNOWN
from airflow_provider_whatsapp.exceptions import (
    WhatsAppError,
    WhatsAppNetworkError,
    WhatsAppRateLimitError,
    WhatsAppRecipientError,
    WhatsAppServerError,
    WhatsAppTemplateParameterError,
    WhatsAppUnknownOutcomeError,
)

ALICE, BOB = "+31612345678", "+31687654321"


def test_send_to_each_keeps_going_and_masks_numbers_in_errors() -> None:
    class Sent:
        message_id = "wamid.1"

    def send(to: str) -> Any:
        if to == BOB:
            raise WhatsAppRecipientError(f"Recipient {BOB} cannot receive messages", status=400, code=131026)
        return Sent()

    report = send_to_each([ALICE, BOB, ALICE], send)

    assert report[0] == {"to": "+31******678", "message_id": "wamid.1"}
    assert report[1]["to"] == "+31******321"
    assert report[1]["error"]["code"] == 131026
    assert BOB.lstrip("+") not in str(report)
    assert failure_summary(report) == (
        "1 of 3 recipient(s) failed: +31******321: WhatsAppRecipientError: " + report[1]["error"]["message"]
    )
    assert failure_summary(report[:1]) is None


@pytest.mark.parametrize(
    ("error", "state"),
    [
        (WhatsAppRateLimitError("slow down", status=429), RETRY),  # not accepted: a retry may succeed
        (WhatsAppNetworkError("gateway unreachable", url="http://x:80/"), RETRY),  # nothing was sent
        (WhatsAppServerError("down", status=503, retryable=True), RETRY),  # a transient Graph code
        (WhatsAppServerError("boom", status=500, retryable=False), UNKNOWN),  # failed mid-send
        (WhatsAppUnknownOutcomeError("cut"), UNKNOWN),  # may already be delivered
        (WhatsAppRecipientError("undeliverable", status=400, code=131026), FAILED),  # the same next time
        (WhatsAppTemplateParameterError("params", status=400, code=132000), FAILED),
    ],
)
def test_each_error_means_one_ledger_state(error: WhatsAppError, state: str) -> None:
    assert state_of(error) == state


def test_an_error_summary_is_json_safe_and_masks_the_number_in_every_text() -> None:
    network = WhatsAppNetworkError(f"could not reach the gateway for {BOB}", url="http://x:80/")
    assert error_summary(network, BOB) == {
        "error": "WhatsAppNetworkError",
        "retryable": True,
        "message": "could not reach the gateway for +31******321",
    }
    refused = WhatsAppRecipientError(
        f"Recipient {BOB} cannot receive messages",
        status=400,
        code=131026,
        details=f"{BOB} is not on WhatsApp",
    )
    summary = error_summary(refused, BOB)
    assert summary["message"] == (
        "Recipient +31******321 cannot receive messages - details: +31******321 is not on WhatsApp "
        "(HTTP 400, code 131026)"
    )
    assert (summary["error"], summary["code"], summary["retryable"]) == (
        "WhatsAppRecipientError",
        131026,
        False,
    )
    assert BOB.lstrip("+") not in str(summary)


def test_failure_summary_lists_every_failed_recipient() -> None:
    report = [
        {"to": "+31******678", "error": {"error": "A", "message": "one"}},
        {"to": "+31******321", "error": {"error": "B", "message": "two"}},
    ]
    assert failure_summary(report) == "2 of 2 recipient(s) failed: +31******678: A: one; +31******321: B: two"
