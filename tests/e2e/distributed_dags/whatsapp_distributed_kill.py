"""One bulk send whose worker the distributed test kills mid-send: paced at 20 per second, so that
the kill lands while it sends, with one retry that continues it on another worker."""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG

from airflow_provider_whatsapp.operators import WhatsAppBulkSendOperator

with DAG(
    dag_id="whatsapp_distributed_kill",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
) as dag:
    WhatsAppBulkSendOperator(
        task_id="send",
        maton_conn_id="maton_kill",
        recipients="{{ dag_run.conf['recipients'] }}",
        message={"type": "text", "text": {"body": "Hello {{ name }}"}},
        hook_params={"requests_per_second": 20},
        max_failures=0.5,  # the recipients in flight when the worker dies are unknown: reported, not failed
    )
