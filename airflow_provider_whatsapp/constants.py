"""Names shared by every layer, in a module that imports nothing (cheap at DAG-parse time)."""

from __future__ import annotations

#: The Airflow connection operators, sensors, the notifier and the hook use by default.
DEFAULT_CONN_ID = "maton_whatsapp_default"
#: Maton's app name for WhatsApp Business: the gateway's path prefix and the connections' ``app``.
GATEWAY_APP = "whatsapp-business"
