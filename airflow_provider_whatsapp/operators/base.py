"""The one code path every WhatsApp operator (and the notifier) runs through.

:class:`WhatsAppBaseOperator` owns the Airflow connection id, the default sender and a hook built on
first use. :class:`WhatsAppBaseSendOperator` validates one message once, then sends it to each
recipient: a failing recipient does not stop the rest, every recipient gets a line in the report pushed
to XCom (key ``report``), and the task fails at the end, naming how many recipients failed and why.

Only ``airflow.sdk`` and the standard library are imported here at module level, so that a DAG file
importing an operator parses fast; the hook and the pydantic models load inside ``execute()``.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.models import Message, SendResult

DEFAULT_CONN_ID = "maton_whatsapp_default"

Recipients = str | Iterable[str]
"""One number, several separated by commas / semicolons / new lines, a list, or a rendered list literal."""

_SEPARATORS = re.compile(r"[,;\n]")


def parse_recipients(to: Recipients) -> list[str]:
    """Turn ``to`` into a list of numbers, in order and without duplicates.

    A Jinja template over a list (``"{{ params.recipients }}"``) renders to its literal,
    ``"['+3161...', '+3162...']"``; that literal is read back as the list it was.
    """
    from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

    items: Iterable[Any]
    if isinstance(to, str):
        text = to.strip()
        if text.startswith(("[", "(")):
            try:
                items = ast.literal_eval(text)
            except (ValueError, SyntaxError) as err:
                raise WhatsAppValidationError([("to", f"not a list of phone numbers: {err}")]) from None
        else:
            items = _SEPARATORS.split(text)
    else:
        items = to
    recipients: list[str] = []
    seen: set[str] = set()
    for item in items:
        number = str(item).strip()
        key = re.sub(r"\D", "", number) or number
        if number and key not in seen:
            seen.add(key)
            recipients.append(number)
    if not recipients:
        raise WhatsAppValidationError([("to", "at least one recipient is required")])
    return recipients


def _error_summary(err: Exception, to: str, masked: str) -> dict[str, Any]:
    """A JSON-safe description of a failed send, with the recipient's number masked in every text."""
    from airflow_provider_whatsapp.exceptions import WhatsAppAPIError

    summary = err.to_dict() if isinstance(err, WhatsAppAPIError) else {"error": type(err).__name__}
    summary["message"] = str(err)
    digits = re.sub(r"\D", "", to)
    for key, value in summary.items():
        if isinstance(value, str):
            summary[key] = value.replace(to, masked).replace(digits or to, masked)
    return summary


def send_to_each(recipients: Sequence[str], send: Callable[[str], SendResult]) -> list[dict[str, Any]]:
    """Call ``send`` for each recipient and report each outcome; provider errors never stop the loop.

    Each line is ``{"to": masked, "message_id": wamid, "message_status": ...}`` or
    ``{"to": masked, "error": {...}}``. The hook logs each send and refusal (masked); errors that are
    not the provider's (bugs) propagate.
    """
    from airflow_provider_whatsapp.exceptions import WhatsAppError
    from airflow_provider_whatsapp.models.phone import mask_phone

    report: list[dict[str, Any]] = []
    for to in recipients:
        masked = mask_phone(to)
        try:
            result = send(to)
        except WhatsAppError as err:
            report.append({"to": masked, "error": _error_summary(err, to, masked)})
            continue
        line: dict[str, Any] = {"to": masked, "message_id": result.message_id}
        if result.message_status:
            line["message_status"] = result.message_status
        report.append(line)
    return report


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


class WhatsAppBaseOperator(BaseOperator):
    """Base of every operator here: the Airflow connection, the default sender, and a lazily built hook.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param phone_number_id: Sender phone number ID; defaults to the connection's (templated).
    """

    template_fields: Sequence[str] = ("maton_conn_id", "phone_number_id")
    ui_color = "#25D366"

    def __init__(
        self,
        *,
        maton_conn_id: str = DEFAULT_CONN_ID,
        phone_number_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maton_conn_id = maton_conn_id
        self.phone_number_id = phone_number_id

    @cached_property
    def hook(self) -> MatonWhatsAppHook:
        """The hook, built on first use (after templates are rendered) and imported only then."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        return MatonWhatsAppHook(self.maton_conn_id, phone_number_id=self.phone_number_id)


class WhatsAppBaseSendOperator(WhatsAppBaseOperator):
    """Send one message to one or several recipients; subclasses only say what the message is.

    Returns the wamids of the messages sent (XCom ``return_value``) and pushes the per-recipient report
    (XCom ``report``; numbers masked). Fails after trying every recipient if any of them failed, and
    lets Airflow retry the task only when that cannot message anyone twice and may succeed.

    :param to: One phone number or several (templated).
    :param reply_to: wamid of a message this one answers (templated).
    :param biz_opaque_callback_data: Tracker echoed in status webhooks, at most 512 characters (templated).
    """

    template_fields: Sequence[str] = (
        *WhatsAppBaseOperator.template_fields,
        "to",
        "reply_to",
        "biz_opaque_callback_data",
    )

    def __init__(
        self,
        *,
        to: Recipients,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.reply_to = reply_to
        self.biz_opaque_callback_data = biz_opaque_callback_data

    def build_message(self) -> Message | Mapping[str, Any]:
        """The message to send, as a model or a dict in the Cloud API's own shape."""
        raise NotImplementedError

    def execute(self, context: Context) -> list[str]:
        """Validate the message once, send it to each recipient, push the report, fail if any failed."""
        from airflow.sdk.exceptions import AirflowException, AirflowFailException

        from airflow_provider_whatsapp.models import parse_message

        recipients = parse_recipients(self.to)
        message = parse_message(self.build_message())
        report = send_to_each(
            recipients,
            lambda to: self.hook.send_message(
                to,
                message,
                reply_to=self.reply_to,
                biz_opaque_callback_data=self.biz_opaque_callback_data,
            ),
        )
        context["ti"].xcom_push(key="report", value=report)
        problem = failure_summary(report)
        if problem and retry_can_help(report):
            raise AirflowException(problem)
        if problem:
            raise AirflowFailException(f"{problem} (not retried: it would not help, or would message twice)")
        return [line["message_id"] for line in report]
