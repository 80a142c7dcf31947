"""Sending one message to several recipients: what the send operators and the notifier share.

Each recipient gets one line in a report whose numbers are masked, including inside error texts, so the
report can go to XCom and logs. The report is filled as the loop goes, so that an interruption still
says who already got the message.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError, WhatsAppError
from airflow_provider_whatsapp.models import SendResult
from airflow_provider_whatsapp.utils.phone import mask_phone, redact_number


def _error_summary(err: WhatsAppError, to: str) -> dict[str, Any]:
    """A JSON-safe description of a failed send, with the recipient's number masked in every text."""
    if isinstance(err, WhatsAppAPIError):
        summary = err.to_dict()
    else:
        summary = {"error": type(err).__name__, "retryable": err.retryable}
    summary["message"] = str(err)
    return {
        key: redact_number(value, to) if isinstance(value, str) else value for key, value in summary.items()
    }


def send_to_each(
    recipients: Sequence[str], send: Callable[[str], SendResult], report: list[dict[str, Any]]
) -> list[dict[str, Any]]:
    """Call ``send`` for each recipient, appending each outcome to ``report`` as soon as it is known.

    Each line is ``{"to": masked, "message_id": wamid, "message_status": ...}`` or
    ``{"to": masked, "error": {...}}``. Provider errors never stop the loop (the hook logs each send and
    refusal, masked). Anything else (a bug, the task's timeout, a kill) propagates and leaves in
    ``report`` the outcomes known so far: who already got the message. Returns ``report``.
    """
    for to in recipients:
        masked = mask_phone(to)
        try:
            result = send(to)
        except WhatsAppError as err:
            report.append({"to": masked, "error": _error_summary(err, to)})
            continue
        line: dict[str, Any] = {"to": masked, "message_id": result.message_id}
        if result.message_status:
            line["message_status"] = result.message_status
        report.append(line)
    return report


def served(report: Sequence[Mapping[str, Any]]) -> int:
    """How many recipients of the report got the message."""
    return sum("message_id" in line for line in report)


def report_interruption(report: list[dict[str, Any]], recipients: Sequence[str], err: BaseException) -> None:
    """Complete the report of a loop that ``err`` stopped: the recipient being sent to has an unknown
    outcome, the ones after it were not sent to."""
    for index, to in enumerate(recipients[len(report) :]):
        what = "outcome unknown: stopped while sending" if index == 0 else "not sent: stopped before"
        report.append({"to": mask_phone(to), "error": {"error": type(err).__name__, "message": what}})


def failure_summary(report: Sequence[Mapping[str, Any]]) -> str | None:
    """``"2 of 3 recipient(s) failed: +31******789: ...; ..."``, or None when every recipient succeeded."""
    failed = [line for line in report if "error" in line]
    if not failed:
        return None
    reasons = "; ".join(
        f"{line['to']}: {line['error']['error']}: {line['error']['message']}" for line in failed
    )
    return f"{len(failed)} of {len(report)} recipient(s) failed: {reasons}"


def retry_can_help(report: Sequence[Mapping[str, Any]]) -> bool:
    """Whether Airflow should retry a task whose report has failures.

    Only when nobody has received the message yet (a retry sends to every recipient again) and every
    failure is retryable (rate limit, gateway down). A 131026 or a template mismatch fails the same way
    next time, and after an unknown outcome a retry could deliver a second copy.
    """
    return all(line.get("error", {}).get("retryable") is True for line in report)
