"""Submit a message template, wait deferrably until Meta approves it, then send it.

The template is created once (a later run finds it and reuses it). The wait fails at once when the
template is REJECTED (the log gives Meta's reason) or DISABLED.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator
from airflow_provider_whatsapp.sensors import WhatsAppTemplateStatusSensor

with DAG(
    dag_id="whatsapp_template_approval",
    description="Create a WhatsApp template, wait for approval, send it",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "recipients": Param(["+31612345678"], type="array", items={"type": "string"}),
        "template_name": Param("order_ready", type="string", pattern="^[a-z0-9_]{1,512}$"),
        "language": Param("en_US", type="string"),
    },
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def create_template(template_name: str, language: str) -> str:
        """Submit the template for review, unless it exists already; return its id."""
        from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

        hook = MatonWhatsAppHook()
        existing = hook.find_template(template_name, language)
        if existing is not None:
            return existing.id
        created = hook.create_template(
            {
                "name": template_name,
                "language": language,
                "category": "UTILITY",
                "components": [
                    {
                        "type": "BODY",
                        "text": "Hello {{1}}, your order {{2}} is ready for pickup.",
                        "example": {"body_text": [["Alex", "A-1042"]]},
                    }
                ],
            }
        )
        return created.id

    wait = WhatsAppTemplateStatusSensor(
        task_id="wait_for_approval",
        template_name="{{ params.template_name }}",
        language="{{ params.language }}",
        poke_interval=1,
        timeout=10 * 60,
        deferrable=True,
    )

    send = WhatsAppSendTemplateOperator(
        task_id="send_template",
        to="{{ params.recipients }}",
        template_name="{{ params.template_name }}",
        language="{{ params.language }}",
        body_parameters=["Alex", "A-{{ dag_run.run_after | ds_nodash }}"],
    )

    create_template("{{ params.template_name }}", "{{ params.language }}") >> wait >> send
