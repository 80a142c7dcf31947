"""What became of a send, told the same way everywhere: the ledger's state for an error, a JSON-safe
error summary with the recipient's number masked, and the notifier's plain loop over a few recipients.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from airflow_provider_whatsapp.delivery.rows import FAILED, RETRY, UNKNOWN
from airflow_provider_whatsapp.exceptions import (
    WhatsAppAPIError,
    WhatsAppError,
    WhatsAppServerError,
    WhatsAppUnknownOutcomeError,
)
from airflow_provider_whatsapp.models import SendResult
from airflow_provider_whatsapp.utils.phone import mask_phone, redact_number


def state_of(error: WhatsAppError) -> str:
    """The ledger state a send that raised ``error`` ends in.

    ``unknown`` when the gateway may have accepted it (no answer, or a gateway failure mid-send);
    ``retry`` when nothing was accepted and repeating may succeed (rate limit, gateway unreachable);
    ``failed`` otherwise (undeliverable number, template mismatch...: the same again next time).
    """
    if isinstance(error, WhatsAppUnknownOutcomeError):
        return UNKNOWN
    if isinstance(error, WhatsAppServerError) and not error.retryable:
        return UNKNOWN
    return RETRY if error.retryable else FAILED


def error_summary(error: WhatsAppError, *numbers: str) -> dict[str, Any]:
    """A JSON-safe description of a failed send, with the recipient's number masked in every text."""
    if isinstance(error, WhatsAppAPIError):
        summary = error.to_dict()
    else:
        summary = {"error": type(error).__name__, "retryable": error.retryable}
    summary["message"] = str(error)
    return {
        key: redact_number(value, *numbers) if isinstance(value, str) else value
        for key, value in summary.items()
    }


def send_to_each(recipients: Sequence[str], send: Callable[[str], SendResult]) -> list[dict[str, Any]]:
    """Call ``send`` for each recipient and report each outcome (the notifier's loop: alerts to a few
    numbers, best effort, no ledger).

    Each line is ``{"to": masked, "message_id": wamid}`` or ``{"to": masked, "error": {...}}``. Provider
    errors never stop the loop (the hook logs each send and refusal, masked).
    """
    report: list[dict[str, Any]] = []
    for to in recipients:
        try:
            result = send(to)
        except WhatsAppError as err:
            report.append({"to": mask_phone(to), "error": error_summary(err, to)})
            continue
        report.append({"to": mask_phone(to), "message_id": result.message_id})
    return report


def failure_summary(report: Sequence[dict[str, Any]]) -> str | None:
    """``"2 of 3 recipient(s) failed: +31******789: ...; ..."``, or None when every recipient succeeded."""
    failed = [line for line in report if "error" in line]
    if not failed:
        return None
    reasons = "; ".join(
        f"{line['to']}: {line['error']['error']}: {line['error']['message']}" for line in failed
    )
    return f"{len(failed)} of {len(report)} recipient(s) failed: {reasons}"
