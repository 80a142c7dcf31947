"""Send task and DAG callbacks (failure, success, retry, deadline) to WhatsApp.

Usage::

    from airflow_provider_whatsapp.notifications.whatsapp import send_whatsapp_notification

    BashOperator(
        ...,
        on_failure_callback=send_whatsapp_notification(
            to=["+31612345678"], fallback_template="hello_world"
        ),
    )
"""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Generator, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseNotifier

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID

if TYPE_CHECKING:
    import jinja2
    from airflow.sdk import Context

    from airflow_provider_whatsapp.hooks.bulk import Recipients
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
    from airflow_provider_whatsapp.models import Message, SendResult

DEFAULT_TEXT = (
    "Airflow{% if reason is defined %} ({{ reason }}){% endif %}: "
    "{% if ti is defined and ti %}task {{ ti.task_id }} (try {{ ti.try_number }}) of {% endif %}"
    "{% if dag_run is defined %}DAG {{ dag_run.dag_id }}, run {{ dag_run.run_id }}"
    "{% else %}DAG {{ dag.dag_id }}{% endif %}"
    "{% if deadline is defined %}: missed its deadline{% endif %}"
    "{% if exception is defined and exception %}\nError: {{ exception }}{% endif %}"
    "{% if ti is defined and ti %}\nLog: {{ ti.log_url }}{% endif %}"
)
"""The default text: what happened, where, and the log link (safe in task, DAG and deadline callbacks)."""

TemplateParameters = Sequence[Any] | Mapping[str, Sequence[Any]]


class WhatsAppNotifier(BaseNotifier):
    """Send a text or a template to one or several numbers from a task or DAG callback.

    Text and parameters are Jinja templates rendered with the callback's context (``dag``, ``ti``,
    ``run_id``, ``exception``, ``reason``...). Free text only reaches numbers that wrote within 24 hours:
    when WhatsApp refuses it (131047), ``fallback_template`` is sent instead. A failed notification is
    logged, never raised, so it cannot hide the task's own outcome.

    :param to: One phone number or several (templated).
    :param text: Message text; defaults to a summary with the log URL (templated).
    :param template_name: Send this template instead of text (templated).
    :param language: Language of the template or fallback template (templated).
    :param template_parameters: Body parameters as a list, or a mapping with ``body``, ``header``,
        ``buttons`` lists, for the template or fallback template (templated).
    :param fallback_template: Template sent to recipients outside the 24-hour window (templated).
    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param phone_number_id: Sender phone number ID; defaults to the connection's (templated).
    """

    template_fields: Sequence[str] = (
        "to",
        "text",
        "template_name",
        "language",
        "template_parameters",
        "fallback_template",
        "maton_conn_id",
        "phone_number_id",
    )

    def __init__(
        self,
        *,
        to: Recipients,
        text: str | None = None,
        template_name: str | None = None,
        language: str = "en_US",
        template_parameters: TemplateParameters | None = None,
        fallback_template: str | None = None,
        maton_conn_id: str = DEFAULT_CONN_ID,
        phone_number_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        if text is not None and template_name is not None:
            raise ValueError("WhatsAppNotifier: give either text or template_name, not both")
        super().__init__(**kwargs)
        self.to = to
        self.text = DEFAULT_TEXT if text is None and template_name is None else text
        self.template_name = template_name
        self.language = language
        self.template_parameters = template_parameters
        self.fallback_template = fallback_template
        self.maton_conn_id = maton_conn_id
        self.phone_number_id = phone_number_id

    def __call__(self, *args: Any) -> None:
        """Render a copy (this notifier may serve several callbacks) and send; never raise."""
        try:
            super(WhatsAppNotifier, copy.copy(self)).__call__(*args)
        except Exception as err:
            self.log.error("WhatsApp notification failed and was not sent: %s", err)

    def render_template_fields(self, context: Context, jinja_env: jinja2.Environment | None = None) -> None:
        """Render with the DAG's Jinja environment, or a plain one when the callback got a serialized
        DAG (``dag.test()`` runs DAG callbacks that way) that cannot make one."""
        dag = context.get("dag")
        if jinja_env is None and dag is not None and not hasattr(dag, "get_template_env"):
            jinja_env = self.get_template_env()
        super().render_template_fields(context, jinja_env)

    def notify(self, context: Context) -> None:
        """Send to each recipient (the hook logs each send, masked); log, never raise, who failed."""
        from airflow_provider_whatsapp.hooks.bulk import failure_summary, parse_recipients, send_to_each
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        recipients = parse_recipients(self.to)
        hook = MatonWhatsAppHook(self.maton_conn_id, phone_number_id=self.phone_number_id)
        report = send_to_each(recipients, lambda to: self._send(hook, to), [])
        problem = failure_summary(report)
        if problem:
            self.log.error("WhatsApp notification: %s", problem)

    def __await__(self) -> Generator[Any, None, None]:
        """Awaited by the triggerer (deadline alerts): render and send there too, and never raise."""
        return self._render_and_notify(self.context).__await__()

    async def _render_and_notify(self, context: Context) -> None:
        try:
            self._update_context(context)
            self.render_template_fields(context)
            await self.async_notify(context)
        except Exception as err:
            self.log.error("WhatsApp notification failed and was not sent: %s", err)

    async def async_notify(self, context: Context) -> None:
        """Send from the triggerer without blocking its event loop."""
        await asyncio.to_thread(self.notify, context)

    def _send(self, hook: MatonWhatsAppHook, to: str) -> SendResult:
        """The template, or the text with the fallback template for recipients outside the window."""
        from airflow_provider_whatsapp.exceptions import WhatsAppOutsideWindowError

        if self.template_name:
            return hook.send_message(to, self._template(self.template_name))
        try:
            return hook.send_text(to, _fit(str(self.text)))
        except WhatsAppOutsideWindowError:
            if not self.fallback_template:
                raise
            self.log.info("Outside the 24-hour window: sending template %s instead", self.fallback_template)
            return hook.send_message(to, self._template(self.fallback_template))

    def _template(self, name: str) -> Message:
        from airflow_provider_whatsapp.models import build_template_message

        params = self.template_parameters
        if params is None or isinstance(params, Mapping):
            parts: Mapping[str, Any] = params or {}
            return build_template_message(
                name,
                self.language,
                body=parts.get("body"),
                header=parts.get("header"),
                buttons=parts.get("buttons"),
            )
        return build_template_message(name, self.language, body=params)


def _fit(text: str) -> str:
    """Cut a text (a long exception, say) to WhatsApp's limit rather than fail to notify at all."""
    from airflow_provider_whatsapp.models.messages import TEXT_BODY_MAX

    return text if len(text) <= TEXT_BODY_MAX else text[: TEXT_BODY_MAX - 1] + "\u2026"


send_whatsapp_notification = WhatsAppNotifier
