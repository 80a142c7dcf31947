"""Wait in the triggerer until a message template is APPROVED (or fail when REJECTED or DISABLED)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger
from airflow_provider_whatsapp.triggers.status import Poll, poll_template

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook


class WhatsAppTemplateStatusTrigger(WhatsAppPollingTrigger):
    """Deferred half of :class:`~airflow_provider_whatsapp.sensors.template.WhatsAppTemplateStatusSensor`.

    :param template_name: Template name.
    :param language: Template language code, e.g. ``en_US``.
    :param waba_id: WhatsApp Business Account that owns the template; None: the connection's.
    """

    def __init__(
        self, *, template_name: str, language: str, waba_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.template_name = template_name
        self.language = language
        self.waba_id = waba_id

    def arguments(self) -> dict[str, Any]:
        """The template waited for."""
        return {"template_name": self.template_name, "language": self.language, "waba_id": self.waba_id}

    def check(self, hook: MatonWhatsAppHook) -> Poll:
        """The sensor's own decision."""
        return poll_template(hook, self.template_name, self.language, waba_id=self.waba_id)
