"""A deferrable sensor in a real Airflow 3: api-server, scheduler, dag-processor and triggerer processes.

Stand-in until the onboarding DAG lands: the standard provider's deferrable ``TimeDeltaSensor`` proves the
harness (migrate, start, REST auth, trigger, ``deferred`` state, resume in the triggerer, task log).
"""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import requests
from airflow_cluster import airflow_cluster, wait_for

pytestmark = pytest.mark.slow

DAG_ID = "standin_deferrable"
STANDIN_DAG = textwrap.dedent(
    f"""
    from datetime import timedelta

    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.providers.standard.sensors.time_delta import TimeDeltaSensor
    from airflow.sdk import DAG

    with DAG("{DAG_ID}", schedule=None, catchup=False):
        wait = TimeDeltaSensor(task_id="wait", delta=timedelta(seconds=15), deferrable=True)
        wait >> EmptyOperator(task_id="done")
    """
)


def test_deferrable_sensor_defers_into_the_triggerer_and_resumes(tmp_path: Path) -> None:
    """Trigger through the REST API, see the sensor deferred, then the run succeed and the log tell both."""
    dags = tmp_path / "dags"
    dags.mkdir()
    (dags / "standin.py").write_text(STANDIN_DAG)

    with airflow_cluster(tmp_path / "airflow", dags) as cluster:
        assert requests.get(f"{cluster.api_url}/api/v2/dags", timeout=10).status_code == 401
        cluster.wait_for_dag(DAG_ID, timeout=60)
        run_id = cluster.trigger(DAG_ID)

        wait_for(
            lambda: cluster.task_states(DAG_ID, run_id).get("wait") == "deferred",
            timeout=60,
            what="the sensor to be deferred",
        )
        assert cluster.wait_for_run(DAG_ID, run_id, timeout=60) == "success"
        assert cluster.task_states(DAG_ID, run_id) == {"wait": "success", "done": "success"}

        log = cluster.task_log(DAG_ID, run_id, "wait")
        assert "Pausing task as DEFERRED" in log
        assert "Trigger fired event" in log
        assert log.count("Worker startup parse complete") == 2, "ran twice: defer, resume"
