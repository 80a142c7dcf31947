"""Both deferrable sensors at once, for the distributed test: a Maton connection until ACTIVE and a
template until APPROVED, both named in the run's conf. They wait in the triggerer, then resume on a
Celery worker."""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG

from airflow_provider_whatsapp.sensors import MatonConnectionSensor, WhatsAppTemplateStatusSensor

with DAG(
    dag_id="whatsapp_distributed_sensors",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
) as dag:
    MatonConnectionSensor(
        task_id="wait_until_active",
        maton_conn_id="maton_sensors",
        connection_id="{{ dag_run.conf['connection_id'] }}",
        poke_interval=1,
        deferrable=True,
    )
    WhatsAppTemplateStatusSensor(
        task_id="wait_for_approval",
        maton_conn_id="maton_sensors",
        template_name="{{ dag_run.conf['template_name'] }}",
        poke_interval=1,
        timeout=10 * 60,
        deferrable=True,
    )
