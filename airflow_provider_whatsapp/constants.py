"""Names shared by every layer, in a module that imports only the standard library (cheap at DAG-parse
time)."""

from __future__ import annotations

from datetime import timedelta

#: The Airflow connection operators, sensors, the notifier and the hook use by default.
DEFAULT_CONN_ID = "maton_whatsapp_default"
#: Maton's app name for WhatsApp Business: the gateway's path prefix and the connections' ``app``.
GATEWAY_APP = "whatsapp-business"

# Connection defaults, shown in the connection form and applied by the hook.
DEFAULT_HOST = "https://api.maton.ai"
DEFAULT_API_VERSION = "v21.0"
DEFAULT_TIMEOUT = 30.0
DEFAULT_MAX_RETRIES = 5
#: Maton allows 10 requests per second per account.
DEFAULT_REQUESTS_PER_SECOND = 10.0
#: How long past a deferred wait's own timeout Airflow's deferral timeout waits: the trigger reports the
#: timeout itself, with its last check, and Airflow's is only the backstop.
DEFERRAL_GRACE = timedelta(minutes=1)
