"""A bulk send for the kill test: slow enough (paced at 10 per second) that a worker can be killed
mid-send, with a retry that continues it. The conf gives the audience; the text names each customer."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_whatsapp.operators import WhatsAppBulkSendOperator

with DAG(
    dag_id="whatsapp_bulk_kill",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
) as dag:
    WhatsAppBulkSendOperator(
        task_id="send",
        recipients="{{ dag_run.conf['recipients'] }}",
        message={"type": "text", "text": {"body": "Hello {{ name }}"}},
        hook_params={"requests_per_second": 10},
        max_failures=0.5,  # the recipients in flight when the worker dies are unknown: reported, not failed
    )
