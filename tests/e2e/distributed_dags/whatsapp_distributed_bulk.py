"""Bulk sends for the distributed test: the audience in the run's conf, split into chunks, one mapped
send task per chunk, each paced at its DAG's share of the account's limit.

``whatsapp_distributed_bulk`` has an account of its own; ``whatsapp_shared_a`` and ``whatsapp_shared_b``
send for one account together, through the pool ``whatsapp_shared_account``, whose slots times each
task's ``requests_per_second`` is that account's limit. Each of those two sends one chunk at a time,
so the pool's two slots hold one send of each DAG: the two DAGs send at once.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from airflow.sdk import DAG, get_current_context, task

from airflow_provider_whatsapp.operators import WhatsAppBulkSendOperator

SHARED_POOL = "whatsapp_shared_account"


def bulk_dag(dag_id: str, conn_id: str, requests_per_second: float, pool: str | None = None) -> DAG:
    """A DAG that sends ``Hello {{ name }}`` to ``conf["recipients"]`` in chunks of ``conf["chunk_size"]``."""
    with DAG(
        dag_id=dag_id,
        schedule=None,
        start_date=datetime(2025, 1, 1),
        catchup=False,
        default_args={"retries": 1, "retry_delay": timedelta(seconds=1)},
    ) as dag:

        @task
        def chunks() -> list[list[dict[str, Any]]]:
            conf = get_current_context()["dag_run"].conf or {}
            audience, size = conf["recipients"], int(conf["chunk_size"])
            return [audience[start : start + size] for start in range(0, len(audience), size)]

        optional = {"pool": pool, "max_active_tis_per_dagrun": 1} if pool else {}
        WhatsAppBulkSendOperator.partial(
            task_id="send",
            maton_conn_id=conn_id,
            message={"type": "text", "text": {"body": "Hello {{ name }}"}},
            hook_params={"requests_per_second": requests_per_second},
            **optional,
        ).expand(recipients=chunks())
    return dag


bulk = bulk_dag("whatsapp_distributed_bulk", "maton_bulk", requests_per_second=10)
shared_a = bulk_dag("whatsapp_shared_a", "maton_shared", requests_per_second=20, pool=SHARED_POOL)
shared_b = bulk_dag("whatsapp_shared_b", "maton_shared", requests_per_second=20, pool=SHARED_POOL)
