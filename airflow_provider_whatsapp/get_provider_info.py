"""Provider metadata read by Airflow's ProvidersManager (entry point ``apache_airflow_provider``)."""

from __future__ import annotations

from typing import Any

from airflow_provider_whatsapp import __version__
from airflow_provider_whatsapp.constants import (
    DEFAULT_API_VERSION,
    DEFAULT_HOST,
    DEFAULT_MAX_RETRIES,
    DEFAULT_REQUESTS_PER_SECOND,
    DEFAULT_TIMEOUT,
)

_STRING = {"type": ["string", "null"]}
_RELABELING = {"host": "Gateway URL", "password": "Maton API key"}
_PLACEHOLDERS = {"host": DEFAULT_HOST, "password": "empty: use the MATON_API_KEY environment variable"}


def field_behaviour_without_conn_fields() -> dict[str, Any]:
    """The connection form where Airflow predates ``conn-fields`` (3.1): the settings go in Extra as
    JSON, so Extra stays visible, with an example."""
    return {
        "hidden_fields": ["schema", "port", "login"],
        "relabeling": _RELABELING,
        "placeholders": {
            **_PLACEHOLDERS,
            "extra": '{"phone_number_id": "106540352242922", "waba_id": "102290129340398"}',
        },
    }


def get_provider_info() -> dict[str, Any]:
    """Describe the package, its hook, connection form, and notifier for Airflow."""
    return {
        "package-name": "airflow-provider-whatsapp",
        "name": "WhatsApp Business (Maton)",
        "description": "WhatsApp Business Cloud API through Maton's managed-OAuth gateway.",
        "versions": [__version__],
        "integrations": [
            {
                "integration-name": "WhatsApp Business (Maton)",
                "external-doc-url": "https://developers.facebook.com/docs/whatsapp/cloud-api",
                "tags": ["service"],
            }
        ],
        "hooks": [
            {
                "integration-name": "WhatsApp Business (Maton)",
                "python-modules": ["airflow_provider_whatsapp.hooks.whatsapp"],
            }
        ],
        "operators": [
            {
                "integration-name": "WhatsApp Business (Maton)",
                "python-modules": [
                    "airflow_provider_whatsapp.operators.messages",
                    "airflow_provider_whatsapp.operators.bulk",
                    "airflow_provider_whatsapp.operators.sql",
                    "airflow_provider_whatsapp.operators.media",
                    "airflow_provider_whatsapp.operators.connections",
                    "airflow_provider_whatsapp.operators.templates",
                ],
            }
        ],
        "sensors": [
            {
                "integration-name": "WhatsApp Business (Maton)",
                "python-modules": [
                    "airflow_provider_whatsapp.sensors.connection",
                    "airflow_provider_whatsapp.sensors.template",
                ],
            }
        ],
        "triggers": [
            {
                "integration-name": "WhatsApp Business (Maton)",
                "python-modules": [
                    "airflow_provider_whatsapp.triggers.connection",
                    "airflow_provider_whatsapp.triggers.template",
                ],
            }
        ],
        "config": {
            "whatsapp": {
                "description": "Options of the WhatsApp Business (Maton) provider.",
                "options": {
                    "ledger_conn_id": {
                        "description": (
                            "Airflow connection of the SQL database that keeps the delivery ledger "
                            "(who got which message), shared by every worker. Empty: a SQLite file, "
                            "enough when a task's retries run on the same machine."
                        ),
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "whatsapp_ledger",
                        "default": "",
                    },
                    "ledger_sqlite_path": {
                        "description": "The SQLite ledger file; empty: $AIRFLOW_HOME/whatsapp_ledger.sqlite",
                        "version_added": "0.1.0",
                        "type": "string",
                        "example": "/var/lib/airflow/whatsapp_ledger.sqlite",
                        "default": "",
                    },
                },
            }
        },
        "notifications": ["airflow_provider_whatsapp.notifications.whatsapp.WhatsAppNotifier"],
        "connection-types": [
            {
                "connection-type": "maton_whatsapp",
                "hook-class-name": "airflow_provider_whatsapp.hooks.whatsapp.MatonWhatsAppHook",
                "hook-name": "WhatsApp Business (Maton)",
                "conn-fields": {
                    "connection_id": {
                        "label": "Maton connection ID",
                        "description": "Sent as Maton-Connection; empty uses the oldest ACTIVE connection.",
                        "schema": _STRING,
                    },
                    "phone_number_id": {
                        "label": "Phone number ID",
                        "description": "Default sender (WhatsApp Business phone number ID).",
                        "schema": _STRING,
                    },
                    "waba_id": {"label": "WhatsApp Business Account ID", "schema": _STRING},
                    "api_version": {
                        "label": "Graph API version",
                        "schema": {"type": ["string", "null"], "default": DEFAULT_API_VERSION},
                    },
                    "control_url": {
                        "label": "Control plane URL",
                        "description": "Where /connections lives; empty uses the host.",
                        "schema": _STRING,
                    },
                    "timeout": {
                        "label": "Timeout (seconds)",
                        "schema": {"type": ["number", "null"], "default": DEFAULT_TIMEOUT},
                    },
                    "max_retries": {
                        "label": "Max retries",
                        "schema": {"type": ["integer", "null"], "default": DEFAULT_MAX_RETRIES},
                    },
                    "requests_per_second": {
                        "label": "Requests per second",
                        "schema": {"type": ["number", "null"], "default": DEFAULT_REQUESTS_PER_SECOND},
                    },
                },
                "ui-field-behaviour": {
                    "hidden-fields": ["schema", "port", "login", "extra"],
                    "relabeling": _RELABELING,
                    "placeholders": _PLACEHOLDERS,
                },
            }
        ],
    }
