"""Send one message, made for each recipient, to a whole audience: exactly once, at the account's pace."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterable, Iterator, Mapping, Sequence, Sized
from typing import TYPE_CHECKING, Any, Literal

from airflow_provider_whatsapp.operators.base import WhatsAppDeliveryOperator

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
    from airflow_provider_whatsapp.delivery.report import Summary
    from airflow_provider_whatsapp.delivery.rows import Planned, Skipped
    from airflow_provider_whatsapp.delivery.sources import Recipient
    from airflow_provider_whatsapp.models import Message

#: Requests in flight: at Maton's 10 per second and a 150 ms round trip, 2 are busy; 4 leave room.
DEFAULT_IN_FLIGHT = 4


class WhatsAppBulkSendOperator(WhatsAppDeliveryOperator):
    """Send ``message`` to every recipient of ``recipients``, personalised with each one's values.

    Every message is rendered and checked before the first send; the sends go out a few at a time,
    paced at the connection's ``requests_per_second`` (slower after a 429, back up after); each is
    recorded in the delivery ledger, so that a retried try sends only to recipients without an outcome.
    Returns the counts (XCom ``return_value``: sent, failed per code, retry, unknown, skipped); the
    per-recipient report (masked numbers, wamid or error) goes to XCom ``report`` when it has at most
    1,000 lines, and to ``report_path`` (or a file under ``$AIRFLOW_HOME/whatsapp_reports``) otherwise.

    :param recipients: Numbers; dicts holding a number (under ``recipient_key``) and that recipient's
        values; or a CSV (header row) / JSONL file: a local path, a URL (``s3://...``) or an
        ``ObjectStoragePath``. An XCom (``task.output``) works too (templated).
    :param message: The message, a model or a dict in the Cloud API's shape. Its strings are Jinja
        templates over each recipient's values and the task's context: ``"Hi {{ name }}"``. A value
        missing for a recipient is an error, never an empty string.
    :param recipient_key: The key (or CSV column) that holds a recipient's number.
    :param on_invalid: ``"fail"``: a recipient whose message breaks a rule fails the task before any
        send; ``"skip"``: it is skipped and reported.
    :param report_path: Where to write the report (JSON lines), also when it is small (templated).
    :param biz_opaque_callback_data: Tracker echoed in status webhooks; may use the recipient's values.
    :param check_template: For a template message, check before sending that the template exists in
        that language, is APPROVED and gets the parameters its components declare (one lookup per task).
    """

    template_fields: Sequence[str] = (
        *WhatsAppDeliveryOperator.template_fields,
        "recipients",
        "report_path",
    )

    def __init__(
        self,
        *,
        recipients: Any,
        message: Message | Mapping[str, Any],
        recipient_key: str = "to",
        on_invalid: Literal["fail", "skip"] = "fail",
        report_path: str | os.PathLike[str] | None = None,
        biz_opaque_callback_data: str | None = None,
        max_in_flight: int = DEFAULT_IN_FLIGHT,
        check_template: bool = True,
        **kwargs: Any,
    ) -> None:
        if on_invalid not in ("fail", "skip"):
            raise ValueError(f"on_invalid must be 'fail' or 'skip', not {on_invalid!r}")
        super().__init__(max_in_flight=max_in_flight, **kwargs)
        self.recipients = recipients
        self.message = message
        self.recipient_key = recipient_key
        self.on_invalid = on_invalid
        self.report_path = report_path
        self.biz_opaque_callback_data = biz_opaque_callback_data
        self.check_template = check_template
        self._audience: Any = None

    def hide_recipients(self) -> None:
        """Keep the audience privately; what is shown says how many recipients, not their numbers."""
        if self.recipients is not None and not isinstance(self.recipients, Shown):
            self._audience = self.recipients
            self.recipients = Shown.of(self.recipients)

    def recipient_rows(self, context: Context) -> Iterator[Recipient]:
        """The audience, read as a stream."""
        from airflow_provider_whatsapp.delivery.sources import read_recipients

        source = self._audience if self._audience is not None else self.recipients
        return read_recipients(source, recipient_key=self.recipient_key)

    def plan(self, context: Context) -> Iterable[Planned | Skipped]:
        """Each recipient's message, rendered and checked."""
        from airflow_provider_whatsapp.delivery.personalize import MessageTemplate

        template = MessageTemplate(
            self.message,
            self.get_template_env(),
            context,
            biz_opaque_callback_data=self.biz_opaque_callback_data,
            check=self._check_template if self.check_template else None,
        )
        return template.plan(self.recipient_rows(context), skip_invalid=self.on_invalid == "skip")

    def _check_template(self, body: Mapping[str, Any]) -> None:
        """The hook's template check, for template messages (its lookup is remembered for the task)."""
        if body.get("type") == "template":
            self.hook.check_template_send({"type": "template", "template": body["template"]})

    def publish(self, ledger: DeliveryLedger, summary: Summary, context: Context) -> Summary:
        """The report to XCom when it is small, to a file when asked or too big; the summary says where."""
        from airflow_provider_whatsapp.delivery.report import XCOM_REPORT_LIMIT, write_report

        path = self.report_path
        if path is None and summary.total > XCOM_REPORT_LIMIT:
            path = default_report_path(context)
        if path is not None:
            write_report(ledger.report(), path)
            summary = dataclasses.replace(summary, report_path=str(path))
            self.log.info("Per-recipient report: %s", path)
        if summary.total <= XCOM_REPORT_LIMIT:
            context["ti"].xcom_push(key="report", value=list(ledger.report()))
        return summary


class Shown(str):
    """What the rendered ``recipients`` field shows: a file's name as is, numbers as a count."""

    @classmethod
    def of(cls, source: Any) -> Shown:
        from airflow_provider_whatsapp.delivery.sources import is_file

        if is_file(source):
            return cls(str(source))
        count = len(source) if isinstance(source, Sized) and not isinstance(source, str) else "some"
        return cls(f"{count} recipient(s), not shown")


def default_report_path(context: Context) -> str:
    """``$AIRFLOW_HOME/whatsapp_reports/<dag>/<run>/<task>[.<map index>].jsonl``."""
    ti = context["ti"]
    home = os.environ.get("AIRFLOW_HOME") or os.path.expanduser("~/airflow")
    index = getattr(ti, "map_index", -1)
    name = f"{ti.task_id}{'' if index in (None, -1) else f'.{index}'}.jsonl"
    return os.path.join(home, "whatsapp_reports", ti.dag_id, ti.run_id, name)
