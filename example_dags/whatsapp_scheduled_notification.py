"""Every day, send an approved template to a list of numbers.

Templates reach numbers outside the 24-hour customer-service window, which is what a scheduled message
needs. Recipients, template and parameters are Params: override them per run, e.g.
``airflow dags test whatsapp_scheduled_notification -c '{"recipients": ["+31612345678"]}'``, or set the
Variable ``whatsapp_daily_recipients`` (a JSON list) to change the default for every run.
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param

from airflow_provider_whatsapp.operators import WhatsAppSendTemplateOperator

with DAG(
    dag_id="whatsapp_scheduled_notification",
    description="Daily WhatsApp template to a list of numbers",
    schedule="@daily",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    render_template_as_native_obj=True,
    params={
        "recipients": Param(["+31612345678", "+31687654321"], type="array", items={"type": "string"}),
        "template_name": Param("hello_world", type="string"),
        "language": Param("en_US", type="string"),
        "body_parameters": Param([], type="array"),
    },
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:
    WhatsAppSendTemplateOperator(
        task_id="send_daily_template",
        to="{{ var.json.get('whatsapp_daily_recipients', params.recipients) }}",
        template_name="{{ params.template_name }}",
        language="{{ params.language }}",
        body_parameters="{{ params.body_parameters or None }}",
    )
