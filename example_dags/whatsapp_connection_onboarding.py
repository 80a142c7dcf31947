"""Onboard a WhatsApp Business account: create a Maton connection, wait until it is ACTIVE, say hello.

``create_connection`` logs the OAuth URL to open; ``wait_until_active`` waits for it deferrably (in
the triggerer, not a worker slot), and fails at once if the connection FAILED or was deleted.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param

from airflow_provider_whatsapp.operators import MatonCreateConnectionOperator, WhatsAppSendTemplateOperator
from airflow_provider_whatsapp.sensors import MatonConnectionSensor

with DAG(
    dag_id="whatsapp_connection_onboarding",
    description="Create a Maton connection, wait for OAuth, send a first message",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"recipients": Param(["+31612345678"], type="array", items={"type": "string"})},
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:
    create = MatonCreateConnectionOperator(task_id="create_connection")

    wait = MatonConnectionSensor(
        task_id="wait_until_active",
        connection_id="{{ ti.xcom_pull(task_ids='create_connection') }}",
        deferrable=True,
    )

    hello = WhatsAppSendTemplateOperator(
        task_id="send_welcome",
        to="{{ params.recipients }}",
        template_name="hello_world",
        language="en_US",
    )

    create >> wait >> hello
