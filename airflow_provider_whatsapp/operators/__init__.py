"""Operators for WhatsApp Business through Maton (light to import: the hook loads in ``execute()``)."""

from __future__ import annotations

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
