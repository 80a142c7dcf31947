"""The one code path every WhatsApp send operator runs through.

:class:`WhatsAppBaseSendOperator` validates one message once, then sends it to each recipient
(:mod:`airflow_provider_whatsapp.hooks.bulk`): a failing recipient does not stop the rest, every
recipient gets a line in the report pushed to XCom (key ``report``), and the task fails at the end,
naming how many recipients failed and why.

Only ``airflow.sdk`` and the package's light modules are imported here at module level, so that a DAG
file importing an operator parses fast; the hook and the pydantic models load inside ``execute()``.
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

    from airflow_provider_whatsapp.models import Message

Report = list[dict[str, Any]]


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


class WhatsAppBaseSendOperator(WhatsAppBaseOperator):
    """Send one message to one or several recipients; subclasses only say what the message is.

    Returns the wamids of the messages sent (XCom ``return_value``) and pushes the per-recipient report
    (XCom ``report``; numbers masked). Fails after trying every recipient if any of them failed, and
    lets Airflow retry the task only when that cannot message anyone twice and may succeed. Once
    rendered, ``to`` shows masked numbers only (it is stored as a rendered field, shown in the UI).

    :param to: One phone number or several (templated).
    :param reply_to: wamid of a message this one answers (templated).
    :param biz_opaque_callback_data: Tracker echoed in status webhooks, at most 512 characters (templated).
    :param resend_on_retry: Let a retry of this task send again. Off by default: a try that was killed
        (out of memory, a lost worker) leaves no record of who already got the message, so a retry
        could message them twice. Turn it on where a duplicate is better than a missing message.
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
        resend_on_retry: bool = False,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.to = to
        self.reply_to = reply_to
        self.biz_opaque_callback_data = biz_opaque_callback_data
        self.resend_on_retry = resend_on_retry
        self._recipients: list[str] | None = None

    def _do_render_template_fields(
        self,
        parent: Any,
        template_fields: Iterable[str],
        context: Context,
        jinja_env: jinja2.Environment,
        seen_oids: set[int],
    ) -> None:
        """Render, then keep the recipients privately and leave only their masked numbers in ``to``.

        Airflow stores rendered fields right after rendering (the UI's "Rendered" tab), so they never
        hold a full number. This is the step both plain and mapped tasks render through (Airflow's
        mapped operator calls it on the unmapped task for this purpose); rendering again re-renders
        the masked list, which keeps the recipients already parsed.
        """
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)
        if parent is not self:
            return
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

    def execute(self, context: Context) -> list[str]:
        """Refuse an unsafe retry, validate, send to each recipient, finish with the report."""
        self.refuse_unsafe_retry(context)
        recipients, message = self.validated_input()
        self.hook.get_conn()  # reads the Airflow connection now: its failure is not a send's
        report = self.send_to_recipients(recipients, message, context)
        return self.finish(report, context)

    def refuse_unsafe_retry(self, context: Context) -> None:
        """A second try sends nothing unless ``resend_on_retry``: a killed try left no record."""
        try_number = getattr(context["ti"], "try_number", 1) or 1
        if try_number > 1 and not self.resend_on_retry:
            raise AirflowFailException(
                f"Try {try_number}: an earlier try may already have reached some recipients, so nothing "
                "is sent again (set resend_on_retry=True to allow it)"
            )

    def validated_input(self) -> tuple[list[str], Message]:
        """The recipients and the message, checked once; bad input fails the task for good."""
        from airflow_provider_whatsapp.models import parse_message

        try:
            recipients = self._recipients if self._recipients is not None else parse_recipients(self.to)
            return recipients, parse_message(self.build_message())
        except WhatsAppValidationError as err:  # the same input fails the same way: no retry
            raise AirflowFailException(str(err)) from err

    def send_to_recipients(self, recipients: list[str], message: Message, context: Context) -> Report:
        """Send to each recipient; an interruption (timeout, kill, bug) pushes the partial report and
        fails without retry: the recipients served so far, and perhaps the one being sent to, would
        get the message twice."""
        from airflow_provider_whatsapp.hooks import bulk

        hook = self.hook
        report: Report = []
        try:
            bulk.send_to_each(
                recipients,
                lambda to: hook.send_message(
                    to,
                    message,
                    reply_to=self.reply_to,
                    biz_opaque_callback_data=self.biz_opaque_callback_data,
                ),
                report,
            )
        except BaseException as err:
            delivered = bulk.served(report)
            bulk.report_interruption(report, recipients, err)
            context["ti"].xcom_push(key="report", value=report)
            raise AirflowFailException(
                f"Stopped by {type(err).__name__} while sending: {delivered} of {len(recipients)} "
                "recipient(s) got the message and the one being sent to may have (see XCom 'report'); "
                "not retried: a retry could message them twice"
            ) from err
        return report

    def finish(self, report: Report, context: Context) -> list[str]:
        """Push the report; fail when a recipient failed (retryable only when a retry can help)."""
        from airflow_provider_whatsapp.hooks import bulk

        context["ti"].xcom_push(key="report", value=report)
        problem = bulk.failure_summary(report)
        if problem and self.resend_on_retry and bulk.retry_can_help(report):
            raise AirflowException(problem)
        if problem:
            raise AirflowFailException(f"{problem} (not retried: it would not help, or would message twice)")
        return [line["message_id"] for line in report]
