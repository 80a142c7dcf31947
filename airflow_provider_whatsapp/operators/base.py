"""The one code path every WhatsApp send operator runs through: plan, send, report, exactly once.

:class:`WhatsAppDeliveryOperator` plans its messages in the delivery ledger (each checked before the
first send), sends what has no outcome yet, and reports every recipient. Because the ledger knows who
already got the message, a retried try sends only to the others, so Airflow's retries are safe.
:class:`WhatsAppBaseSendOperator` is the case of one message to the numbers in ``to``.

Only ``airflow.sdk``, Airflow's compat names and the package's light modules are imported here at
module level, so that a DAG file parses fast; the hook, the ledger and the models load in ``execute()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
from airflow.sdk import BaseOperator

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID
from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.hooks.lazy import WhatsAppHookMixin, hook_settings
from airflow_provider_whatsapp.utils.phone import mask_phone
from airflow_provider_whatsapp.utils.recipients import Recipients, parse_recipients

if TYPE_CHECKING:
    import jinja2
    from airflow.sdk import Context

    from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
    from airflow_provider_whatsapp.delivery.report import Summary
    from airflow_provider_whatsapp.delivery.rows import Planned, Skipped
    from airflow_provider_whatsapp.models import Message


class WhatsAppBaseOperator(WhatsAppHookMixin, BaseOperator):
    """Base of every operator here: the Airflow connection, the default sender, and a lazily built hook.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param phone_number_id: Sender phone number ID; defaults to the connection's (templated).
    :param hook_params: Hook settings over the connection's: ``timeout``, ``max_retries``,
        ``requests_per_second``, ``waba_id``.
    """

    template_fields: Sequence[str] = ("maton_conn_id", "phone_number_id")
    ui_color = "#25D366"

    def __init__(
        self,
        *,
        maton_conn_id: str = DEFAULT_CONN_ID,
        phone_number_id: str | None = None,
        hook_params: Mapping[str, Any] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maton_conn_id = maton_conn_id
        self.phone_number_id = phone_number_id
        self.hook_params = hook_settings(hook_params)


class WhatsAppDeliveryOperator(WhatsAppBaseOperator):
    """Plan messages in the delivery ledger, send those without an outcome, report every recipient.

    Fails when more recipients than ``max_failures`` failed or may have missed the message; the failure
    lets Airflow retry when a retry can help (some sends failed without being accepted), and fails for
    good otherwise.

    :param resend_unknown: Send again to recipients whose outcome an earlier try could not know (it was
        killed mid-send, or an answer was lost). Off by default: they may have the message already.
    :param max_failures: How many recipients may fail before the task does: a count, or a fraction of
        the recipients (``0.01``).
    :param max_in_flight: Requests at once.
    :param ledger_conn_id: Airflow connection of a SQL database for the ledger; default: the provider
        setting ``[whatsapp] ledger_conn_id``, else a SQLite file in ``$AIRFLOW_HOME``.
    """

    def __init__(
        self,
        *,
        resend_unknown: bool = False,
        max_failures: float = 0,
        max_in_flight: int = 1,
        ledger_conn_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.resend_unknown = resend_unknown
        self.max_failures = max_failures
        self.max_in_flight = max_in_flight
        self.ledger_conn_id = ledger_conn_id

    def _do_render_template_fields(
        self,
        parent: Any,
        template_fields: Iterable[str],
        context: Context,
        jinja_env: jinja2.Environment,
        seen_oids: set[int],
    ) -> None:
        """Render, then :meth:`hide_recipients`: Airflow stores the rendered fields right after
        rendering (the UI's "Rendered" tab), so they never hold a full number. This is the step both
        plain and mapped tasks render through (Airflow's mapped operator calls it on the unmapped task).
        """
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)
        if parent is self:
            self.hide_recipients()

    def hide_recipients(self) -> None:
        """Replace the rendered recipients by what may be shown of them."""
        raise NotImplementedError

    def plan(self, context: Context) -> Iterable[Planned | Skipped]:
        """The checked message for each recipient, in order (raise ``WhatsAppValidationError`` to stop)."""
        raise NotImplementedError

    def execute(self, context: Context) -> Any:
        """Settle what an earlier try left in flight, plan, send, report (see the class docstring)."""
        ledger = self.open_ledger(context)
        self.settle_earlier_try(ledger)
        self.hook.get_conn()  # reads the Airflow connection now: its failure is not a send's
        self.write_plan(ledger, context)
        summary = self.send(ledger, context)
        self.check(summary)
        return self.result(ledger, summary)

    def settle_earlier_try(self, ledger: DeliveryLedger) -> None:
        """What a killed earlier try had in flight becomes ``unknown`` (and is said)."""
        interrupted = ledger.settle_interrupted()
        if interrupted:
            self.log.warning(
                "%d recipient(s) were being sent to when an earlier try stopped: unknown", interrupted
            )

    def write_plan(self, ledger: DeliveryLedger, context: Context) -> None:
        """Every recipient's checked message into the ledger, before any send."""
        try:
            planned = ledger.plan(self.plan(context))
        except WhatsAppValidationError as err:  # the same input fails the same way: no retry
            raise AirflowFailException(str(err)) from err
        self.log.info("Planned %d recipient(s); sending what has no outcome yet", planned)

    def send(self, ledger: DeliveryLedger, context: Context) -> Summary:
        """Send what has no outcome yet; the summary is published however the sending ends."""
        from airflow_provider_whatsapp.delivery.report import Summary
        from airflow_provider_whatsapp.delivery.sender import BulkSender

        sender = BulkSender(
            self.hook, ledger, max_in_flight=self.max_in_flight, resend_unknown=self.resend_unknown
        )
        try:
            sender.run(on_progress=self.log.info)
        except BaseException:
            self.publish(ledger, Summary.of(ledger), context)
            raise
        summary = self.publish(ledger, Summary.of(ledger), context)
        self.log.info("Delivery: %s", summary.describe())
        return summary

    def open_ledger(self, context: Context) -> DeliveryLedger:
        """This task instance's rows in the ledger, written by this try."""
        from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
        from airflow_provider_whatsapp.delivery.rows import TaskKey
        from airflow_provider_whatsapp.delivery.storage import ledger_engine

        ti = context["ti"]
        map_index = -1 if ti.map_index is None else ti.map_index
        key = TaskKey(ti.dag_id, ti.run_id, ti.task_id, map_index)
        return DeliveryLedger(ledger_engine(self.ledger_conn_id), key, ti.try_number)

    def publish(self, ledger: DeliveryLedger, summary: Summary, context: Context) -> Summary:
        """Push the per-recipient report to XCom (key ``report``) and log it; return the summary."""
        lines = list(ledger.report())
        for line in lines:
            self.log.info(
                "%s: %s %s", line["to"], line["status"], line.get("message_id") or line.get("error", "")
            )
        context["ti"].xcom_push(key="report", value=lines)
        return summary

    def check(self, summary: Summary) -> None:
        """Fail the task when the failures pass ``max_failures``; retryable when a retry can help."""
        if not summary.exceeds(self.max_failures):
            return
        if summary.retry or (self.resend_unknown and summary.unknown):
            raise AirflowException(
                f"{summary.describe()}: a retry sends only to the recipients without an outcome"
            )
        raise AirflowFailException(
            f"{summary.describe()} (not retried: it would send to nobody; see XCom 'report')"
        )

    def result(self, ledger: DeliveryLedger, summary: Summary) -> Any:
        """The task's return value (XCom ``return_value``)."""
        return summary.to_xcom()


class WhatsAppBaseSendOperator(WhatsAppDeliveryOperator):
    """Send one message to one or several recipients; subclasses only say what the message is.

    Returns the wamids of the messages sent (XCom ``return_value``) and pushes the per-recipient report
    (XCom ``report``; numbers masked). Fails after trying every recipient if any of them failed. Once
    rendered, ``to`` shows masked numbers only (it is stored as a rendered field, shown in the UI).

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
        self._recipients: list[str] | None = None

    def hide_recipients(self) -> None:
        """Keep the recipients privately and leave only their masked numbers in ``to``; rendering
        again re-renders the masked list, which keeps the recipients already parsed."""
        if self._recipients is not None and self.to == [mask_phone(n) for n in self._recipients]:
            return
        try:
            self._recipients = parse_recipients(self.to)
        except WhatsAppValidationError as err:  # fails the same way on every try
            raise AirflowFailException(str(err)) from err
        self.to = [mask_phone(number) for number in self._recipients]

    def build_message(self) -> Message | Mapping[str, Any]:
        """The message to send, as a model or a dict in the Cloud API's own shape."""
        raise NotImplementedError

    def plan(self, context: Context) -> Iterable[Planned | Skipped]:
        """The one message for each recipient, every body checked before the first send."""
        from airflow_provider_whatsapp.delivery.rows import Planned
        from airflow_provider_whatsapp.models import build_message_body, parse_message

        recipients = self._recipients if self._recipients is not None else parse_recipients(self.to)
        message = parse_message(self.build_message())
        return [
            Planned(
                seq,
                mask_phone(to),
                build_message_body(
                    to,
                    message,
                    reply_to=self.reply_to,
                    biz_opaque_callback_data=self.biz_opaque_callback_data,
                ),
            )
            for seq, to in enumerate(recipients)
        ]

    def result(self, ledger: DeliveryLedger, summary: Summary) -> list[str]:
        """The wamids of the messages sent, in the recipients' order."""
        return [line["message_id"] for line in ledger.report() if "message_id" in line]
