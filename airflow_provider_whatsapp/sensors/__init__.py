"""Sensors for WhatsApp Business through Maton, each with a deferrable mode backed by a trigger.

Each sensor's module loads when its name is first imported.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from airflow_provider_whatsapp.utils.exports import lazy_exports

if TYPE_CHECKING:
    from airflow_provider_whatsapp.sensors.connection import MatonConnectionSensor
    from airflow_provider_whatsapp.sensors.template import WhatsAppTemplateStatusSensor

_MODULES = {"MatonConnectionSensor": "connection", "WhatsAppTemplateStatusSensor": "template"}
__all__ = ["MatonConnectionSensor", "WhatsAppTemplateStatusSensor"]
if not TYPE_CHECKING:  # type checkers see the imports above, and flag a name that is not there
    __getattr__, __dir__ = lazy_exports(globals(), _MODULES)
