"""A campaign from data: an audience file, split into chunk files, each sent by a mapped bulk task.

``WhatsAppBulkSendOperator`` sends one template to every recipient of its chunk, each with their own
name and order number, a few requests at a time at the account's pace. Each send is recorded in the
delivery ledger, so a retried chunk sends only to the recipients without an outcome: the task retries
below are safe. Mapping over chunks spreads a large audience over workers and keeps each task short;
give the tasks an Airflow pool when several DAGs share one account's limit (see the README). The
chunks are files (``workdir``: any object storage URL every worker reaches, e.g. ``s3://...``), so XCom
carries their paths, not the customers' numbers.
Params: ``audience`` (a CSV file with ``to``, ``name``, ``order`` columns), ``chunk_size``, ``workdir``.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime, timedelta
from itertools import islice
from pathlib import Path

from airflow.sdk import DAG, ObjectStoragePath, Param, task

from airflow_provider_whatsapp.operators import WhatsAppBulkSendOperator

AUDIENCE = str(Path(__file__).parent / "data" / "campaign_audience.csv")

with DAG(
    dag_id="whatsapp_bulk_campaign",
    description="Personalised template to every customer of a file, in mapped chunks, exactly once",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "audience": Param(AUDIENCE, type="string", description="CSV file: to, name, order"),
        "chunk_size": Param(25, type="integer", minimum=1),
        "workdir": Param("file:///tmp/whatsapp_campaign", type="string"),
    },
    default_args={"retries": 2, "retry_delay": timedelta(seconds=5)},
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:

    @task
    def split_audience(path: str, chunk_size: str, workdir: str, run_id: str | None = None) -> list[str]:
        """The audience as chunk files of ``chunk_size`` rows (one mapped send task each), streamed."""
        folder = ObjectStoragePath(workdir) / dag.dag_id / str(run_id).replace(":", "_")
        folder.mkdir(parents=True, exist_ok=True)
        chunks: list[str] = []
        with open(path, newline="", encoding="utf-8") as source:
            rows = csv.DictReader(source)
            while batch := list(islice(rows, int(chunk_size))):
                buffer = io.StringIO()
                writer = csv.DictWriter(buffer, fieldnames=list(batch[0]))
                writer.writeheader()
                writer.writerows(batch)
                chunk = folder / f"chunk-{len(chunks):04d}.csv"
                chunk.write_text(buffer.getvalue())
                chunks.append(str(chunk))
        return chunks

    WhatsAppBulkSendOperator.partial(
        task_id="send_chunk",
        message={
            "type": "template",
            "template": {
                "name": "order_confirmation",
                "language": {"code": "en_US"},
                "components": [
                    {
                        "type": "body",
                        "parameters": [
                            {"type": "text", "text": "{{ name }}"},
                            {"type": "text", "text": "{{ order }}"},
                        ],
                    }
                ],
            },
        },
        biz_opaque_callback_data="{{ dag.dag_id }}:{{ order }}",
        max_failures=0.05,
    ).expand(
        recipients=split_audience("{{ params.audience }}", "{{ params.chunk_size }}", "{{ params.workdir }}")
    )
