"""A send task's process killed (SIGKILL) mid-send, then retried by a real scheduler: no message stored
twice, the recipients in flight reported unknown, every other recipient delivered.

The killed process is the one holding a connection to the sandbox: the task's own process, not its
supervisor, which sees it die and has the scheduler retry the task. The retry reads the delivery ledger
(a SQLite file in the cluster's ``AIRFLOW_HOME``) and sends only to recipients without an outcome.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil  # type: ignore[import-untyped]
import pytest

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.e2e.airflow_cluster import airflow_cluster, wait_for

pytestmark = pytest.mark.slow

DAGS = Path(__file__).resolve().parent / "dags"
DAG_ID = "whatsapp_bulk_kill"
CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"
AUDIENCE = [{"to": f"+3165{n:06d}11", "name": f"K{n}"} for n in range(150)]


def sender_of(port: int) -> psutil.Process:
    """The process (not this one) with a connection open to the sandbox on ``port``."""
    for process in psutil.process_iter():
        if process.pid == os.getpid():
            continue
        try:
            if any(c.raddr and c.raddr.port == port for c in process.net_connections("tcp")):
                return process
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            continue
    raise LookupError(f"no process is connected to port {port}")


@pytest.fixture(scope="module")
def sandbox() -> Iterator[tuple[SandboxServer, SandboxAdminClient]]:
    with SandboxServer(SandboxConfig(enforce_window=False)) as server:
        yield server, SandboxAdminClient.new_key(server.url)


def test_a_killed_send_is_retried_without_duplicates(
    sandbox: tuple[SandboxServer, SandboxAdminClient], tmp_path: Path
) -> None:
    server, admin = sandbox
    with airflow_cluster(
        tmp_path / "airflow", DAGS, extra_env={CONN_ENV: admin.airflow_connection_json()}
    ) as cluster:
        cluster.unpause_when_parsed(DAG_ID, timeout=60)
        run_id = cluster.trigger(DAG_ID, conf={"recipients": AUDIENCE})
        wait_for(lambda: len(admin.messages()) >= 30, timeout=120, what="the send to be under way")
        killed = sender_of(server.port)
        killed.send_signal(signal.SIGKILL)
        at_kill = len(admin.messages())

        assert cluster.wait_for_run(DAG_ID, run_id, timeout=180) == "success"
        [ti] = cluster.task_instances(DAG_ID, run_id)
        assert ti["try_number"] == 2, "the killed try was retried"
        summary: dict[str, Any] = cluster.api(
            "GET", f"/dags/{DAG_ID}/dagRuns/{run_id}/taskInstances/send/xcomEntries/return_value"
        )["value"]

    stored = Counter(m["wa_id"] for m in admin.messages())
    assert max(stored.values()) == 1, "no customer got the message twice"
    assert summary["total"] == len(AUDIENCE)
    assert summary["sent"] + summary["unknown"] == len(AUDIENCE)
    assert 0 < summary["unknown"] <= 2 * 256, "only the sends in flight at the kill are unknown"
    assert summary["sent"] >= at_kill - summary["unknown"]
    assert len(stored) >= summary["sent"], "every recipient reported sent was stored"
    reached = {n["to"][1:] for n in AUDIENCE} - set(stored)
    assert len(reached) <= summary["unknown"], "whoever did not get it is among the unknown"
