"""Create a Maton connection: the OAuth handshake that links a WhatsApp Business account to the key."""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_whatsapp.operators.base import WhatsAppBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context


class MatonCreateConnectionOperator(WhatsAppBaseOperator):
    """Create a PENDING ``whatsapp-business`` connection, log the URL to open, push its id.

    Someone must open the logged URL and finish Meta's OAuth; wait for that with
    :class:`~airflow_provider_whatsapp.sensors.connection.MatonConnectionSensor`.
    """

    def execute(self, context: Context) -> str:
        """Create the connection and return its id."""
        connection = self.hook.create_maton_connection()
        self.log.info(
            "Created Maton connection %s (%s). Open this URL to authorize WhatsApp Business: %s",
            connection.connection_id,
            connection.status,
            connection.url,
        )
        return connection.connection_id
