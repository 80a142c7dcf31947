"""Wait until a Maton connection finishes its OAuth handshake (ACTIVE)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from airflow_provider_whatsapp.sensors.base import WhatsAppBaseSensor

if TYPE_CHECKING:
    from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger


class MatonConnectionSensor(WhatsAppBaseSensor):
    """Wait until a Maton connection is ACTIVE and push its id; fail at once when FAILED or gone.

    Defaults follow Maton's own CLI: a check every 2 seconds for up to 5 minutes.

    :param connection_id: Connection to wait for, e.g. ``"{{ ti.xcom_pull('create_connection') }}"``;
        empty waits for the one the Airflow connection pins (extra ``connection_id``), else for any
        ``whatsapp-business`` connection of the key (templated).
    """

    template_fields: Sequence[str] = (*WhatsAppBaseSensor.template_fields, "connection_id")

    def __init__(
        self,
        *,
        connection_id: str | None = None,
        poke_interval: float = 2,
        timeout: float = 5 * 60,
        **kwargs: Any,
    ) -> None:
        super().__init__(poke_interval=poke_interval, timeout=timeout, **kwargs)
        self.connection_id = connection_id

    def make_trigger(self, *, timeout_at: float | None = None) -> WhatsAppPollingTrigger:
        """A :class:`~airflow_provider_whatsapp.triggers.connection.MatonConnectionTrigger`."""
        from airflow_provider_whatsapp.triggers.connection import MatonConnectionTrigger

        return MatonConnectionTrigger(
            maton_conn_id=self.maton_conn_id,
            hook_params=self.hook_params,
            connection_id=self.connection_id or None,
            poke_interval=self.poke_interval,
            timeout_at=timeout_at,
        )
