"""The one code path every WhatsApp send operator runs through, and the lazily built hook.

:class:`MatonHookMixin` gives operators and sensors a hook built on first use.
:class:`WhatsAppBaseSendOperator` validates one message once, then sends it to each recipient
(:mod:`airflow_provider_whatsapp.hooks.bulk`): a failing recipient does not stop the rest, every
recipient gets a line in the report pushed to XCom (key ``report``), and the task fails at the end,
naming how many recipients failed and why.

Only ``airflow.sdk`` and the standard library are imported here at module level, so that a DAG file
importing an operator parses fast; the hook and the pydantic models load inside ``execute()``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from functools import cached_property
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseOperator

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID

if TYPE_CHECKING:
    import jinja2
    from airflow.sdk import Context

    from airflow_provider_whatsapp.hooks.bulk import Recipients
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.models import Message


class MatonHookMixin:
    """A ``hook`` property for operators and sensors: built on first use, after templates are rendered,
    and imported only then (the hook loads ``requests`` and the models)."""

    maton_conn_id: str
    phone_number_id: str | None = None

    @cached_property
    def hook(self) -> MatonWhatsAppHook:
        """The hook for ``maton_conn_id``, sending as ``phone_number_id`` when set."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        return MatonWhatsAppHook(self.maton_conn_id, phone_number_id=self.phone_number_id)


class WhatsAppBaseOperator(MatonHookMixin, BaseOperator):
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
        hold a full number. This is the step both plain and mapped tasks render through; rendering
        again re-renders the masked list, which keeps the recipients already parsed.
        """
        super()._do_render_template_fields(parent, template_fields, context, jinja_env, seen_oids)
        if parent is not self:
            return
        from airflow_provider_whatsapp.hooks.bulk import parse_recipients
        from airflow_provider_whatsapp.models.phone import mask_phone

        if self._recipients is not None and self.to == [mask_phone(n) for n in self._recipients]:
            return
        from airflow.sdk.exceptions import AirflowFailException

        from airflow_provider_whatsapp.exceptions import WhatsAppValidationError

        try:
            self._recipients = parse_recipients(self.to)
        except WhatsAppValidationError as err:  # fails the same way on every try
            raise AirflowFailException(str(err)) from err
        self.to = [mask_phone(number) for number in self._recipients]

    def build_message(self) -> Message | Mapping[str, Any]:
        """The message to send, as a model or a dict in the Cloud API's own shape."""
        raise NotImplementedError

    def execute(self, context: Context) -> list[str]:
        """Validate the message once, send it to each recipient, push the report, fail if any failed.

        If the loop is stopped by anything but a provider error (the task's timeout, a kill, a bug),
        the partial report is pushed and the task fails without retry: the recipients served so far,
        and perhaps the one being sent to, would get the message twice.
        """
        from airflow.sdk.exceptions import AirflowException, AirflowFailException

        from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
        from airflow_provider_whatsapp.hooks import bulk
        from airflow_provider_whatsapp.models import parse_message

        try_number = getattr(context["ti"], "try_number", 1) or 1
        if try_number > 1 and not self.resend_on_retry:
            raise AirflowFailException(
                f"Try {try_number}: an earlier try may already have reached some recipients, so nothing "
                "is sent again (set resend_on_retry=True to allow it)"
            )
        try:
            recipients = self._recipients if self._recipients is not None else bulk.parse_recipients(self.to)
            message = parse_message(self.build_message())
        except WhatsAppValidationError as err:  # the same input fails the same way: no retry
            raise AirflowFailException(str(err)) from err
        hook = self.hook
        hook.client  # noqa: B018 - read the connection before the loop, so its failure is not a send's
        report: list[dict[str, Any]] = []
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
        context["ti"].xcom_push(key="report", value=report)
        problem = bulk.failure_summary(report)
        if problem and self.resend_on_retry and bulk.retry_can_help(report):
            raise AirflowException(problem)
        if problem:
            raise AirflowFailException(f"{problem} (not retried: it would not help, or would message twice)")
        return [line["message_id"] for line in report]
