"""Wait in the triggerer until a Maton connection is ACTIVE (or fail when it FAILED or is gone)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger
from airflow_provider_whatsapp.triggers.status import Poll, poll_connection

if TYPE_CHECKING:
    from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook


class MatonConnectionTrigger(WhatsAppPollingTrigger):
    """Deferred half of :class:`~airflow_provider_whatsapp.sensors.connection.MatonConnectionSensor`.

    :param connection_id: Maton connection to wait for; None waits for any ``whatsapp-business`` one.
    """

    def __init__(self, *, connection_id: str | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.connection_id = connection_id

    def arguments(self) -> dict[str, Any]:
        """The connection waited for."""
        return {"connection_id": self.connection_id}

    def check(self, hook: MatonWhatsAppHook) -> Poll:
        """The sensor's own decision."""
        return poll_connection(hook, self.connection_id)
