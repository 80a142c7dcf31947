"""Wait until Meta approves a message template."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.sensors.base import WhatsAppBaseSensor

if TYPE_CHECKING:
    from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger


class WhatsAppTemplateStatusSensor(WhatsAppBaseSensor):
    """Wait until a template in a language is APPROVED and push its id.

    Fails at once when the template is REJECTED (with Meta's reason), DISABLED or missing. Meta's
    review takes minutes to a day, hence a check every minute for up to a day by default.

    :param template_name: Template name (templated).
    :param language: Template language code (templated).
    :param waba_id: WhatsApp Business Account that owns the template; defaults to the connection's
        (templated).
    """

    template_fields: Sequence[str] = (
        *WhatsAppBaseSensor.template_fields,
        "template_name",
        "language",
        "waba_id",
    )

    def __init__(
        self,
        *,
        template_name: str,
        language: str = "en_US",
        waba_id: str | None = None,
        poke_interval: float = 60,
        timeout: float = 24 * 60 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.template_name = template_name
        self.language = language
        self.waba_id = waba_id

    def make_trigger(self, *, timeout_at: float | None = None) -> WhatsAppPollingTrigger:
        """A :class:`~airflow_provider_whatsapp.triggers.template.WhatsAppTemplateStatusTrigger`."""
        from airflow_provider_whatsapp.triggers.template import WhatsAppTemplateStatusTrigger

        return WhatsAppTemplateStatusTrigger(
            maton_conn_id=self.maton_conn_id,
            hook_params=self.hook_params,
            template_name=self.template_name,
            language=self.language,
            waba_id=self.waba_id or None,
            poke_interval=self.poke_interval,
            timeout_at=timeout_at,
        )
