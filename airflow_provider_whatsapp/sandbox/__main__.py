"""``python -m airflow_provider_whatsapp.sandbox``."""

from .cli import main

main()
