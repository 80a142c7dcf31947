"""One message, made for each recipient: its strings are Jinja templates over the recipient's values
and the task's context, then the result is checked like any message.

Only strings holding ``{{`` or ``{%`` are templates, each compiled once. Rendering is strict: a value
missing for a recipient (absent, None as from a SQL NULL or a short CSV row, or an empty cell) is an
error naming it, never an empty string or "None"; ``{{ order | default("-") }}`` opts out. A
recipient's values win over the context's names (``{{ name }}``); all of them are also under
``recipient`` (``{{ recipient.name }}``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

import jinja2

from airflow_provider_whatsapp.delivery.rows import Planned, Skipped
from airflow_provider_whatsapp.delivery.sources import Recipient
from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import Message, build_message_body
from airflow_provider_whatsapp.utils.phone import mask_phone, redact_number

Part = Callable[[Mapping[str, Any]], Any]


class MessageTemplate:
    """A message (model or dict in the Cloud API's shape) whose strings may use per-recipient values.

    :param message: The message.
    :param env: The DAG's Jinja environment (its filters and globals); rendering is made strict on it.
    :param context: The task's context.
    :param biz_opaque_callback_data: A tracker echoed in status webhooks; may be a template too.
    :param check: Called with each body; raises ``WhatsAppValidationError`` for a body to refuse (the
        hook's template check, say: the template exists, is approved, gets its parameters).
    """

    def __init__(
        self,
        message: Message | Mapping[str, Any],
        env: jinja2.Environment,
        context: Mapping[str, Any],
        *,
        reply_to: str | None = None,
        biz_opaque_callback_data: str | None = None,
        check: Callable[[Mapping[str, Any]], object] | None = None,
    ) -> None:
        data = message if isinstance(message, Mapping) else message.to_api()
        self._check = check
        self._strict = env.overlay(undefined=jinja2.StrictUndefined)
        self._context = dict(context)
        self._message = self._compile(dict(data))
        self._tracker = self._compile(biz_opaque_callback_data)
        self.reply_to = reply_to

    def _compile(self, value: Any) -> Part:
        """A function of the recipient's values that rebuilds ``value`` with its templates rendered."""
        if isinstance(value, str) and ("{{" in value or "{%" in value):
            template = self._strict.from_string(value)
            return lambda values: template.render({**self._context, **values, "recipient": values})
        if isinstance(value, Mapping):
            parts = {key: self._compile(item) for key, item in value.items()}
            return lambda values: {key: part(values) for key, part in parts.items()}
        if isinstance(value, (list, tuple)):
            items = [self._compile(item) for item in value]
            return lambda values: [part(values) for part in items]
        return lambda values: value

    def body(self, recipient: Recipient) -> dict[str, Any]:
        """The complete, checked ``POST /messages`` body for ``recipient``.

        Raises :class:`WhatsAppValidationError` when a value is missing or the result breaks a rule.
        """
        if recipient.number is None:
            raise WhatsAppValidationError([("to", "required: the row has no number")])
        values = {
            key: self._missing(key) if _blank(value) else value for key, value in recipient.values.items()
        }
        try:
            message = self._message(values)
            tracker = self._tracker(values)
        except jinja2.UndefinedError as error:
            raise WhatsAppValidationError([("message", f"a value is missing: {error.message}")]) from None
        except jinja2.TemplateError as error:
            raise WhatsAppValidationError([("message", f"cannot be rendered: {error}")]) from None
        body = build_message_body(
            recipient.number, message, reply_to=self.reply_to, biz_opaque_callback_data=tracker
        )
        if self._check is not None:
            self._check(body)
        return body

    def _missing(self, key: str) -> jinja2.Undefined:
        """A value that fails when rendered, like a name the recipient does not have."""
        return self._strict.undefined(hint=f"{key!r} is empty for this recipient", name=key)

    def plan(self, recipients: Iterable[Recipient], *, skip_invalid: bool) -> Iterator[Planned | Skipped]:
        """A plan row for each recipient: the checked message, or (when ``skip_invalid``) why not.

        Without ``skip_invalid``, the first invalid recipient raises; nothing has been sent then.
        """
        for recipient in recipients:
            masked = mask_phone(recipient.number)
            try:
                yield Planned(recipient.seq, masked, self.body(recipient))
            except WhatsAppValidationError as error:
                where = f"recipients[{recipient.seq}] ({masked or 'no number'})"
                if not skip_invalid:
                    problems = [
                        (".".join(p for p in (where, field) if p), rule) for field, rule in error.errors
                    ]
                    raise WhatsAppValidationError(problems) from None
                yield Skipped(
                    recipient.seq,
                    masked,
                    raw=recipient.number or f"row {recipient.seq}",
                    error={
                        "error": "WhatsAppValidationError",
                        "message": redact_number(str(error), recipient.number or ""),
                    },
                )


def _blank(value: Any) -> bool:
    """None, or a string of nothing but spaces: no value to put in a message."""
    return value is None or (isinstance(value, str) and not value.strip())
