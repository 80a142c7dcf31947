"""Operators for WhatsApp Business through Maton (light to import: the hook loads in ``execute()``).

Each operator's module loads when its name is first imported, so a DAG file pays only for the
operators it uses.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_whatsapp.utils.exports import lazy_exports

if TYPE_CHECKING:
    from airflow_provider_whatsapp.operators.bulk import WhatsAppBulkSendOperator
    from airflow_provider_whatsapp.operators.connections import MatonCreateConnectionOperator
    from airflow_provider_whatsapp.operators.media import WhatsAppUploadMediaOperator
    from airflow_provider_whatsapp.operators.messages import (
        WhatsAppMarkReadOperator,
        WhatsAppSendMessageOperator,
        WhatsAppSendTemplateOperator,
        WhatsAppSendTextOperator,
    )
    from airflow_provider_whatsapp.operators.sql import SqlToWhatsAppOperator
    from airflow_provider_whatsapp.operators.templates import (
        WhatsAppExportTemplatesOperator,
        WhatsAppSyncTemplatesOperator,
    )

_MODULES = {
    "MatonCreateConnectionOperator": "connections",
    "SqlToWhatsAppOperator": "sql",
    "WhatsAppBulkSendOperator": "bulk",
    "WhatsAppExportTemplatesOperator": "templates",
    "WhatsAppMarkReadOperator": "messages",
    "WhatsAppSendMessageOperator": "messages",
    "WhatsAppSendTemplateOperator": "messages",
    "WhatsAppSendTextOperator": "messages",
    "WhatsAppSyncTemplatesOperator": "templates",
    "WhatsAppUploadMediaOperator": "media",
}
__all__ = [
    "MatonCreateConnectionOperator",
    "SqlToWhatsAppOperator",
    "WhatsAppBulkSendOperator",
    "WhatsAppExportTemplatesOperator",
    "WhatsAppMarkReadOperator",
    "WhatsAppSendMessageOperator",
    "WhatsAppSendTemplateOperator",
    "WhatsAppSendTextOperator",
    "WhatsAppSyncTemplatesOperator",
    "WhatsAppUploadMediaOperator",
]
if not TYPE_CHECKING:  # type checkers see the imports above, and flag a name that is not there
    __getattr__, __dir__ = lazy_exports(globals(), _MODULES)
