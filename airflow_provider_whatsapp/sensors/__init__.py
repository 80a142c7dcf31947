"""Sensors for WhatsApp Business through Maton, each with a deferrable mode backed by a trigger."""

from __future__ import annotations

from airflow_provider_whatsapp.sensors.connection import MatonConnectionSensor
from airflow_provider_whatsapp.sensors.template import WhatsAppTemplateStatusSensor

__all__ = ["MatonConnectionSensor", "WhatsAppTemplateStatusSensor"]
