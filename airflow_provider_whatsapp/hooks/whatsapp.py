"""``MatonWhatsAppHook``: every endpoint of Maton's WhatsApp Business gateway and its control plane.

Messages are validated locally (typed models, Meta's limits) before any request; sends are never
retried blindly after the gateway may have accepted them; the Maton key is registered with Airflow's
secret masker and appears in no repr, log line or exception; recipient numbers are logged masked.
Each concern has its own module (``messages``, ``media``, ``templates``, ``template_sync``,
``account``); this class joins them and answers the connection form's Test button.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_whatsapp.constants import GATEWAY_APP
from airflow_provider_whatsapp.exceptions import WhatsAppError
from airflow_provider_whatsapp.get_provider_info import field_behaviour_without_conn_fields
from airflow_provider_whatsapp.hooks.account import WhatsAppAccountMixin
from airflow_provider_whatsapp.hooks.media import WhatsAppMediaMixin
from airflow_provider_whatsapp.hooks.messages import WhatsAppMessagesMixin
from airflow_provider_whatsapp.hooks.template_sync import WhatsAppTemplateSyncMixin


class MatonWhatsAppHook(
    WhatsAppMessagesMixin, WhatsAppMediaMixin, WhatsAppTemplateSyncMixin, WhatsAppAccountMixin
):
    """Talk to the WhatsApp Business Cloud API through Maton's managed-OAuth gateway.

    ``MatonWhatsAppHook(conn_id, *, phone_number_id=None, waba_id=None, timeout=None, max_retries=None,
    requests_per_second=None)``: each setting given wins over the Airflow connection's.
    """

    conn_type = "maton_whatsapp"
    hook_name = "WhatsApp Business (Maton)"

    @classmethod
    def get_ui_field_behaviour(cls) -> dict[str, Any]:
        """The connection form on Airflow 3.1, which reads this instead of the provider info's
        ``conn-fields`` (newer Airflow reads those and never calls this)."""
        return field_behaviour_without_conn_fields()

    def test_connection(self) -> tuple[bool, str]:
        """For the connection form's Test button: the key works and an ACTIVE connection exists."""
        try:
            active = self.list_maton_connections(status="ACTIVE")
            if not active:
                return False, f"The key works, but it has no ACTIVE {GATEWAY_APP} connection at Maton."
            pinned = self.config.connection_id
            if pinned and all(c.connection_id != pinned for c in active):
                return False, f"Maton connection {pinned} is not ACTIVE."
            if self.config.phone_number_id:
                number = self.get_phone_number()
                return True, f"Connected: sending as {number.display_phone_number or number.id}."
            return True, f"Connected: {len(active)} ACTIVE {GATEWAY_APP} connection(s)."
        except WhatsAppError as error:
            return False, str(error)
