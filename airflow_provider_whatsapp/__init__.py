"""Apache Airflow provider for the WhatsApp Business Cloud API, reached through Maton's gateway."""

from __future__ import annotations

__version__ = "0.1.0"
