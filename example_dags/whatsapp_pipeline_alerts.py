"""A pipeline that reports its retries, its successes and its failures on WhatsApp.

``extract`` fails on its first try (a flaky source, simulated), so ``on_retry_callback`` fires, then
succeeds on its retry; ``load`` reports its success and the DAG reports the run's success. Every task
also carries an ``on_failure_callback``, and so does the DAG: set the Param ``failing_tries`` to 2 to
see them (the run then fails). Alerts are free text; recipients who have not written within 24 hours
get the ``fallback_template`` instead. A notification that cannot be sent is logged and never hides
the task's own outcome.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from airflow.sdk import DAG, Param, get_current_context, task

from airflow_provider_whatsapp.notifications import WhatsAppNotifier, send_whatsapp_notification

RECIPIENTS = "{{ params.recipients }}"

alert = WhatsAppNotifier(to=RECIPIENTS, fallback_template="hello_world")

with DAG(
    dag_id="whatsapp_pipeline_alerts",
    description="WhatsApp alerts on retry, success and failure",
    schedule=None,
    start_date=datetime(2025, 1, 1),
    catchup=False,
    params={
        "recipients": Param(["+31612345678"], type="array", items={"type": "string"}),
        "failing_tries": Param(1, type="integer", minimum=0, description="How many tries of extract fail"),
    },
    default_args={"on_failure_callback": alert},
    on_success_callback=send_whatsapp_notification(
        to=RECIPIENTS,
        text="Pipeline {{ dag.dag_id }} succeeded (run {{ run_id }}).",
        fallback_template="hello_world",
    ),
    on_failure_callback=alert,
    tags=["whatsapp", "example"],
    doc_md=__doc__,
) as dag:

    @task(
        retries=1,
        retry_delay=timedelta(seconds=1),
        on_retry_callback=send_whatsapp_notification(
            to=RECIPIENTS,
            text=(
                "Retrying {{ ti.task_id }} of {{ dag.dag_id }} (try {{ ti.try_number }})"
                "{% if exception is defined %}: {{ exception }}{% endif %}"
            ),
            fallback_template="hello_world",
        ),
    )
    def extract() -> list[int]:
        """Fetch rows from a source that fails ``failing_tries`` times first."""
        context = get_current_context()
        if context["ti"].try_number <= int(context["params"]["failing_tries"]):
            raise RuntimeError("source not ready yet (simulated failure)")
        return [3, 1, 4, 1, 5]

    @task(
        on_success_callback=send_whatsapp_notification(
            to=RECIPIENTS,
            text=(
                "Loaded {{ ti.xcom_pull(task_ids='load') }} rows "
                "({{ dag.dag_id }}, {{ dag_run.run_after | ds }})."
            ),
            fallback_template="hello_world",
        )
    )
    def load(rows: list[int]) -> int:
        """Pretend to load the rows; return how many."""
        return len(rows)

    load(extract())
