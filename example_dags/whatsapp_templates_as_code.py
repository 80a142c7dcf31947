"""Templates as code: keep the account's message templates in step with the YAML files beside this DAG
(``templates/``), wait until Meta approves what changed, then send them with checked parameters.

The sync plans what to create, edit or leave (Meta's edit rules decide what is blocked), logs the plan
as a table, returns it as XCom, applies it and waits, deferred, for the review of what it created or
edited; run again, it writes nothing. The sends are checked against the approved templates first: a
parameter that does not fit them fails the task before anything is sent. From a terminal,
``whatsapp-templates plan example_dags/templates`` shows the same plan.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from airflow.sdk import DAG, Param

from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator, WhatsAppSyncTemplatesOperator

TEMPLATES = Path(__file__).parent / "templates"

with DAG(
    dag_id="whatsapp_templates_as_code",
    description="Sync WhatsApp templates from YAML files, wait for approval, send them checked",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "recipients": Param(["+31612345678"], type="array", items={"type": "string"}),
        "customer": Param("Alex", type="string", minLength=1),
        "order": Param("A-1042", type="string", pattern="^[A-Za-z0-9-]{1,20}$"),
    },
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:
    sync = WhatsAppSyncTemplatesOperator(
        task_id="sync_templates",
        templates=TEMPLATES,
        wait_for_approval=True,
        poke_interval=1,
        approval_timeout=10 * 60,
    )

    shipped = WhatsAppSendTemplateOperator(
        task_id="send_order_shipped",
        to="{{ params.recipients }}",
        template_name="order_shipped",
        header_parameters=["{{ params.order }}"],
        body_parameters=["{{ params.customer }}", "on Friday"],
        button_parameters=[{"sub_type": "url", "index": 0, "parameters": ["{{ params.order }}"]}],
    )

    delivery_window = WhatsAppSendTemplateOperator(
        task_id="send_delivery_window",
        to="{{ params.recipients }}",
        template_name="delivery_window",
        body_parameters={
            "first_name": "{{ params.customer }}",
            "order_id": "{{ params.order }}",
            "window": "9:00 and 11:00",
        },
    )

    sync >> [shipped, delivery_window]
