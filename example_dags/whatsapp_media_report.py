"""Make a CSV report, upload it to WhatsApp, and send it as a document by media id.

Documents are free-form messages: they only reach numbers that wrote within the last 24 hours
(a recipient outside that window is reported as failed, the others still get the file).
"""

from __future__ import annotations

from datetime import datetime

from airflow.sdk import DAG, Param, task

from airflow_provider_whatsapp.operators import WhatsAppSendMessageOperator, WhatsAppUploadMediaOperator

with DAG(
    dag_id="whatsapp_media_report",
    description="CSV report sent as a WhatsApp document",
    schedule="@weekly",
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={"recipients": Param(["+31612345678", "+31687654321"], type="array", items={"type": "string"})},
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def make_report(run_id: str | None = None) -> str:
        """Write a small CSV (stdlib csv) and return its path."""
        import csv
        import re
        import tempfile
        from pathlib import Path

        safe_run = re.sub(r"[^A-Za-z0-9_.-]", "_", str(run_id))
        path = Path(tempfile.gettempdir()) / f"whatsapp_report_{safe_run}.csv"
        rows = [("region", "orders", "revenue_eur"), ("north", 120, 4310.5), ("south", 87, 2954.0)]
        with path.open("w", newline="") as out:
            csv.writer(out).writerows(rows)
        return str(path)

    upload = WhatsAppUploadMediaOperator(
        task_id="upload_report",
        file_path="{{ ti.xcom_pull(task_ids='make_report') }}",
        mime_type="text/csv",
        filename="orders_{{ dag_run.run_after | ds }}.csv",
    )

    send = WhatsAppSendMessageOperator(
        task_id="send_report",
        to="{{ params.recipients }}",
        message={
            "type": "document",
            "document": {
                "id": "{{ ti.xcom_pull(task_ids='upload_report') }}",
                "filename": "orders_{{ dag_run.run_after | ds }}.csv",
                "caption": "Orders by region, week of {{ dag_run.run_after | ds }}",
            },
        },
    )

    make_report() >> upload >> send
