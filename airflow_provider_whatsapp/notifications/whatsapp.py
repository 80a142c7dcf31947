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

import copy
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import redact
from airflow.sdk import BaseNotifier

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID
from airflow_provider_whatsapp.exceptions import WhatsAppOutsideWindowError
from airflow_provider_whatsapp.hooks.lazy import WhatsAppHookMixin, hook_settings
from airflow_provider_whatsapp.utils.recipients import Recipients, parse_recipients

if TYPE_CHECKING:
    import jinja2
    from airflow.sdk import Context

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


class WhatsAppNotifier(WhatsAppHookMixin, BaseNotifier):
    """Send a text or a template to one or several numbers from a task or DAG callback.

    Text and parameters are Jinja templates rendered with the callback's context (``dag``, ``ti``,
    ``run_id``, ``exception``, ``reason``...), then passed through Airflow's secret redaction (an
    exception can quote a password Airflow knows). Free text only reaches numbers that wrote within 24
    hours: when WhatsApp refuses it (131047), ``fallback_template`` is sent instead. A failed
    notification is logged, never raised, so it cannot hide the task's own outcome.

    :param to: One phone number or several (templated).
    :param text: Message text; defaults to a summary with the log URL (templated).
    :param template_name: Send this template instead of text (templated).
    :param language: Language of the template or fallback template (templated).
    :param template_parameters: Body parameters as a list, or a mapping with ``body``, ``header``,
        ``buttons`` lists, for the template or fallback template (templated).
    :param fallback_template: Template sent to recipients outside the 24-hour window (templated).
    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param phone_number_id: Sender phone number ID; defaults to the connection's (templated).
    :param hook_params: Hook settings over the connection's (``timeout``, ``max_retries``...).
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
        hook_params: Mapping[str, Any] | None = None,
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
        self.hook_params = hook_settings(hook_params)
        self._render_error: Exception | None = None

    def __call__(self, *args: Any) -> None:
        """Render and send a copy: this notifier may serve several callbacks, and rendering is in place
        (a second rendering would render the first one's output, an exception's text included)."""
        super(WhatsAppNotifier, copy.copy(self)).__call__(*args)

    def render_template_fields(self, context: Context, jinja_env: jinja2.Environment | None = None) -> None:
        """Render with the DAG's Jinja environment, or a plain one when the callback got a serialized
        DAG (``dag.test()`` runs DAG callbacks that way) that cannot make one.

        A template that fails to render is kept as the reason ``notify`` logs: the notifier never
        raises, whichever step fails.
        """
        dag = context.get("dag")
        if jinja_env is None and dag is not None and not hasattr(dag, "get_template_env"):
            jinja_env = self.get_template_env()
        try:
            super().render_template_fields(context, jinja_env)
        except Exception as err:
            self._render_error = err

    def notify(self, context: Context) -> None:
        """Send to each recipient (the hook logs each send, masked); log, never raise, what failed."""
        from airflow_provider_whatsapp.delivery.outcomes import failure_summary, send_to_each

        try:
            if self._render_error is not None:
                raise self._render_error
            recipients = parse_recipients(self.to)
            hook = self.hook
            report = send_to_each(recipients, lambda to: self._send(hook, to))
        except Exception as err:
            self.log.error("WhatsApp notification failed and was not sent: %s", err)
            return
        problem = failure_summary(report)
        if problem:
            self.log.error("WhatsApp notification: %s", problem)

    async def async_notify(self, context: Context) -> None:
        """Send from the triggerer (deadline alerts) without blocking its event loop; never raises.

        The sync send runs in asgiref's worker thread, through which the triggerer serves the hook's
        connection lookup (see ``triggers/base.py``)."""
        from asgiref.sync import sync_to_async  # only the triggerer needs it: DAG files stay light

        await sync_to_async(self.notify, thread_sensitive=False)(context)

    def _send(self, hook: MatonWhatsAppHook, to: str) -> SendResult:
        """The template, or the text with the fallback template for recipients outside the window."""
        if self.template_name:
            return hook.send_message(to, self._template(self.template_name))
        try:
            return hook.send_text(to, _fit(str(redact(str(self.text)))))
        except WhatsAppOutsideWindowError:
            if not self.fallback_template:
                raise
            self.log.info("Outside the 24-hour window: sending template %s instead", self.fallback_template)
            return hook.send_message(to, self._template(self.fallback_template))

    def _template(self, name: str) -> Message:
        from airflow_provider_whatsapp.models import build_template_message

        params: Any = redact(self.template_parameters)
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
    from airflow_provider_whatsapp.models.messages import TEXT_BODY_MAX  # pydantic: at run time only

    return text if len(text) <= TEXT_BODY_MAX else text[: TEXT_BODY_MAX - 1] + "\u2026"


send_whatsapp_notification = WhatsAppNotifier
