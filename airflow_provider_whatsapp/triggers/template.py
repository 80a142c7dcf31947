"""Wait in the triggerer until message templates are APPROVED (or fail when one is REJECTED or DISABLED)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger
from airflow_provider_whatsapp.triggers.status import Poll, poll_template, poll_templates

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


class WhatsAppTemplatesApprovedTrigger(WhatsAppPollingTrigger):
    """Deferred wait of :class:`~airflow_provider_whatsapp.operators.templates.WhatsAppSyncTemplatesOperator`
    for the templates it created or edited: the template sensor's decision, for several at once.

    :param templates: ``[name, language]`` pairs.
    :param waba_id: WhatsApp Business Account that owns them; None: the connection's.
    """

    def __init__(
        self, *, templates: Sequence[Sequence[str]], waba_id: str | None = None, **kwargs: Any
    ) -> None:
        super().__init__(**kwargs)
        self.templates = [[str(name), str(language)] for name, language in templates]
        self.waba_id = waba_id

    def arguments(self) -> dict[str, Any]:
        """The templates waited for."""
        return {"templates": self.templates, "waba_id": self.waba_id}

    def check(self, hook: MatonWhatsAppHook) -> Poll:
        """Every template APPROVED is done; one REJECTED, DISABLED or gone fails."""
        return poll_templates(hook, self.templates, waba_id=self.waba_id)
