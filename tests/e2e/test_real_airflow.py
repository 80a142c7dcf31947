"""The onboarding DAG in a real Airflow 3: api-server, scheduler, dag-processor and triggerer processes.

``dag.test()`` runs a deferred trigger inline; only a real triggerer proves that ``MatonConnectionSensor``
serialises its trigger, waits there without a worker slot, and resumes in a new worker process. The test
plays the user: it opens the connection's OAuth page only once the REST API shows the sensor ``deferred``.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
import requests

from tests.e2e.airflow_cluster import airflow_cluster, wait_for

if TYPE_CHECKING:
    from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

pytestmark = pytest.mark.slow

DAG_ID = "whatsapp_connection_onboarding"
SENSOR = "wait_until_active"
DAGS_FOLDER = Path(__file__).resolve().parents[2] / "example_dags"
CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"
RECIPIENT = "+31612345678"


def test_onboarding_sensor_defers_into_the_real_triggerer_and_resumes(
    tmp_path: Path, maton_connection: dict[str, Any], sandbox_admin: SandboxAdminClient
) -> None:
    """Trigger through the REST API, open the OAuth page while deferred, see the run succeed and the
    welcome template stored; the sensor's log tells the deferral and the resume."""
    extra_env = {CONN_ENV: os.environ[CONN_ENV]}
    with airflow_cluster(tmp_path / "airflow", DAGS_FOLDER, extra_env=extra_env) as cluster:
        assert requests.get(f"{cluster.api_url}/api/v2/dags", timeout=10).status_code == 401
        cluster.unpause_when_parsed(DAG_ID, timeout=45)
        run_id = cluster.trigger(DAG_ID, conf={"recipients": [RECIPIENT]})

        wait_for(
            lambda: cluster.task_states(DAG_ID, run_id).get(SENSOR) == "deferred",
            timeout=45,
            what="the sensor to be deferred",
        )
        [pending] = sandbox_admin.connections("PENDING")
        assert sandbox_admin.messages() == []
        requests.get(pending["url"], timeout=10).raise_for_status()

        assert cluster.wait_for_run(DAG_ID, run_id, timeout=45) == "success"
        assert set(cluster.task_states(DAG_ID, run_id).values()) == {"success"}
        xcom = cluster.api(
            "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/{SENSOR}/xcomEntries/return_value"
        )
        assert xcom["value"] == pending["connection_id"], "the resumed sensor pushes the connection id"

        [message] = sandbox_admin.messages()
        assert (message["wa_id"], message["type"]) == (RECIPIENT.lstrip("+"), "template")
        assert message["body"]["template"]["name"] == "hello_world"

        # One log, three parts: the first try checks once and defers, the triggerer sees ACTIVE, and the
        # resumed try (a second worker start) decides with the trigger's event.
        connection_id = pending["connection_id"]
        assert_in_order(
            cluster.task_log(DAG_ID, run_id, SENSOR),
            f"Maton connection {connection_id} is PENDING",
            "Pausing task as DEFERRED",
            f"Maton connection {connection_id} is ACTIVE",
            "Trigger fired event",
            "Worker startup parse complete",
            f"Maton connection {connection_id} is ACTIVE",
        )


def assert_in_order(text: str, *parts: str) -> None:
    """Each part occurs in ``text`` after the previous one."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position} of the task log:\n{text}"
        position = found + len(part)
