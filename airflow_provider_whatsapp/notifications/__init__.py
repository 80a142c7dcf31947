"""WhatsApp notifier for task and DAG callbacks (light to import: the hook loads when sending)."""

from __future__ import annotations

from airflow_provider_whatsapp.notifications.whatsapp import WhatsAppNotifier, send_whatsapp_notification

__all__ = ["WhatsAppNotifier", "send_whatsapp_notification"]
