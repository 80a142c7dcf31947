"""The provider on a distributed Airflow: PostgreSQL metadata, CeleryExecutor with Redis, two workers.

One cluster (``celery_cluster``) and one sandbox serve the module. Each scenario sends for an account of
its own (a sandbox key, an Airflow connection), limited by the sandbox to ``LIMIT`` requests per second,
and the delivery ledger lives on PostgreSQL (``[whatsapp] ledger_conn_id``), where every worker reads it.
The figures each scenario measures are printed at the end and written to ``$WHATSAPP_E2E_FIGURES`` (when
set) as JSON, for the README's "Running at scale".

Needs PostgreSQL on 127.0.0.1:5432 (trust authentication, user ``postgres``), Redis on 127.0.0.1:6379 and
apache-airflow-providers-celery 3.19 or newer; skipped otherwise, saying why. Marked ``distributed``:
``make test-distributed`` runs it.
"""

from __future__ import annotations

import json
import os
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.delivery.sender import MAX_BATCH
from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.e2e.airflow_cluster import assert_in_order, wait_for
from tests.e2e.celery_cluster import WORKERS, CeleryCluster, celery_cluster, services_missing

pytestmark = [pytest.mark.distributed, pytest.mark.timeout(900)]

DAGS = Path(__file__).resolve().parent / "distributed_dags"
#: The account limit the sandbox enforces per key (requests per second, and its burst).
LIMIT = 40
#: Generous bounds for one run on 2 busy cores; the scenarios wait for states, never for a duration.
RUN_TIMEOUT = 600.0
NEVER = 24 * 3600.0
ACCOUNTS = ("bulk", "kill", "shared", "sensors")
SHARED_POOL, SHARED_SLOTS = "whatsapp_shared_account", 2
DAG_IDS = (
    "whatsapp_distributed_bulk",
    "whatsapp_shared_a",
    "whatsapp_shared_b",
    "whatsapp_distributed_kill",
    "whatsapp_distributed_sensors",
)


@dataclass
class Distributed:
    """The running cluster, the sandbox, one admin client per account, and the figures measured."""

    cluster: CeleryCluster
    server: SandboxServer
    admins: dict[str, SandboxAdminClient]
    figures: dict[str, Any] = field(default_factory=dict)

    def run(self, dag_id: str, conf: dict[str, Any]) -> str:
        """Trigger ``dag_id`` and wait until the run succeeded; its run_id."""
        run_id = self.cluster.airflow.trigger(dag_id, conf=conf)
        state = self.cluster.airflow.wait_for_run(dag_id, run_id, timeout=RUN_TIMEOUT)
        assert state == "success", self.cluster.airflow.task_states(dag_id, run_id)
        return run_id

    def sends(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The run's ``send`` task instances, each with its summary (XCom ``return_value``) as ``summary``."""
        airflow = self.cluster.airflow
        tis = [ti for ti in airflow.task_instances(dag_id, run_id) if ti["task_id"] == "send"]
        for ti in tis:
            path = f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/send/xcomEntries/return_value"
            ti["summary"] = airflow.api("GET", path, params={"map_index": ti["map_index"]})["value"]
        return tis


def audience(prefix: str, count: int) -> list[dict[str, str]]:
    """``count`` recipients with numbers of their own (none ends in 0000, the sandbox's undeliverable)."""
    return [{"to": f"+{prefix}{n:06d}1", "name": f"C{n}"} for n in range(count)]


def when(stamp: str) -> datetime:
    """A REST API timestamp as a datetime."""
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def rate(sent: int, tis: list[dict[str, Any]]) -> float:
    """Messages per second over the time the task instances ran, first start to last end."""
    span = max(when(ti["end_date"]) for ti in tis) - min(when(ti["start_date"]) for ti in tis)
    return round(sent / span.total_seconds(), 1)


def exactly_once(admin: SandboxAdminClient, recipients: list[dict[str, str]]) -> Counter[str]:
    """The sandbox's messages per number; asserts it stored one message for each recipient, no other."""
    stored = Counter(m["wa_id"] for m in admin.messages())
    assert max(stored.values()) == 1, "no customer got the message twice"
    assert set(stored) == {r["to"][1:] for r in recipients}
    return stored


@pytest.fixture(scope="module")
def distributed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Distributed]:
    """The sandbox, one key per account, the cluster with every DAG unpaused, the shared account's pool."""
    missing = services_missing()
    if missing:
        pytest.skip(f"the distributed test cannot run here: {missing}")
    started = time.monotonic()
    config = SandboxConfig(enforce_window=False, rate_limit=LIMIT, burst=LIMIT, template_approval_delay=NEVER)
    with SandboxServer(config) as server:
        admins = {name: SandboxAdminClient.new_key(server.url) for name in ACCOUNTS}
        connections = {
            f"AIRFLOW_CONN_MATON_{name.upper()}": admin.airflow_connection_json()
            for name, admin in admins.items()
        }
        with celery_cluster(tmp_path_factory.mktemp("airflow"), DAGS, extra_env=connections) as cluster:
            airflow = cluster.airflow
            airflow.api("POST", "/pools", json={"name": SHARED_POOL, "slots": SHARED_SLOTS})
            for dag_id in DAG_IDS:
                airflow.unpause_when_parsed(dag_id, timeout=120)
            assert airflow.api("GET", "/importErrors")["total_entries"] == 0
            scenario = Distributed(cluster, server, admins)
            scenario.figures["cluster_start_s"] = round(time.monotonic() - started, 1)
            with airflow.logs_on_failure():
                yield scenario
            scenario.figures["total_s"] = round(time.monotonic() - started, 1)
    report(scenario.figures)


def report(figures: dict[str, Any]) -> None:
    """Print the figures (shown with ``pytest -s``) and write them where ``$WHATSAPP_E2E_FIGURES`` says."""
    text = json.dumps(figures, indent=2, sort_keys=True)
    print(f"\nDistributed figures:\n{text}")
    target = os.environ.get("WHATSAPP_E2E_FIGURES")
    if target:
        Path(target).write_text(text + "\n")


def test_a_bulk_send_mapped_over_both_workers_reaches_everyone_once(distributed: Distributed) -> None:
    """2,000 recipients in 8 mapped tasks: every task succeeds, both workers ran some, each recipient
    got exactly one message."""
    recipients = audience("3161", 2000)
    run_id = distributed.run("whatsapp_distributed_bulk", {"recipients": recipients, "chunk_size": 250})
    sends = distributed.sends("whatsapp_distributed_bulk", run_id)
    assert sorted(ti["map_index"] for ti in sends) == list(range(8))
    assert {ti["hostname"] for ti in sends} == set(WORKERS), "both workers ran send tasks"
    assert sum(ti["summary"]["sent"] for ti in sends) == len(recipients)
    stored = exactly_once(distributed.admins["bulk"], recipients)
    assert distributed.cluster.ledger_states("whatsapp_distributed_bulk") == {"sent": len(recipients)}
    outcomes = distributed.admins["bulk"].request_outcomes()
    distributed.figures["bulk"] = {
        "recipients": len(recipients),
        "tasks": len(sends),
        "tasks_per_worker": dict(Counter(ti["hostname"] for ti in sends)),
        "msg_per_s": rate(len(recipients), sends),
        "http_429": outcomes.get("rate_limited", 0),
        "duplicates": sum(stored.values()) - len(stored),
    }


def test_deferrable_sensors_wait_in_the_triggerer_and_resume_on_a_worker(distributed: Distributed) -> None:
    """Both sensors defer; only then do the connection turn ACTIVE and the template APPROVED; the
    triggerer fires, both resume on a Celery worker and the run succeeds."""
    airflow, admin = distributed.cluster.airflow, distributed.admins["sensors"]
    connection = admin.call("POST", "/connections", json={"app": "whatsapp-business"})["connection"]
    template = admin.call(
        "POST",
        f"/whatsapp-business/v21.0/{admin.ids['waba_id']}/message_templates",
        json={
            "name": "distributed_check",
            "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Checked on every worker."}],
        },
    )
    dag_id = "whatsapp_distributed_sensors"
    conf = {"connection_id": connection["connection_id"], "template_name": "distributed_check"}
    run_id = airflow.trigger(dag_id, conf=conf)
    sensors = {
        "wait_until_active": "MatonConnectionTrigger",
        "wait_for_approval": "WhatsAppTemplateStatusTrigger",
    }

    def claimed(task_id: str) -> dict[str, Any] | None:
        """The task's trigger once a triggerer has taken it."""
        trigger = airflow.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}")["trigger"]
        return trigger if trigger and trigger["triggerer_id"] is not None else None

    for task_id, trigger_class in sensors.items():
        airflow.wait_until_deferred(dag_id, run_id, task_id, timeout=RUN_TIMEOUT)
        trigger = wait_for(partial(claimed, task_id), timeout=RUN_TIMEOUT, what=f"a triggerer for {task_id}")
        assert trigger["classpath"].endswith(f".{trigger_class}")
    admin.open_oauth_page(connection)
    admin.call("POST", f"/_sandbox/templates/{template['id']}/approve")

    assert airflow.wait_for_run(dag_id, run_id, timeout=RUN_TIMEOUT) == "success"
    tis = {ti["task_id"]: ti for ti in airflow.task_instances(dag_id, run_id)}
    for task_id in sensors:
        assert tis[task_id]["state"] == "success"
        assert tis[task_id]["hostname"] in WORKERS, "resumed on a Celery worker"
        assert_in_order(
            airflow.task_log(dag_id, run_id, task_id),
            "Pausing task as DEFERRED",
            "Trigger fired event",
            "DAG bundles loaded",  # the resumed try: a worker parses the DAG again
        )


def test_two_dags_share_one_account_within_its_limit(distributed: Distributed) -> None:
    """Two DAGs, two mapped sends each, for one account at once: the account's pool lets
    ``SHARED_SLOTS`` sends run together, each paced at the limit's share; nothing is lost to 429s."""
    admin = distributed.admins["shared"]
    audiences = {"whatsapp_shared_a": audience("3162", 400), "whatsapp_shared_b": audience("3163", 400)}
    airflow = distributed.cluster.airflow
    runs = {
        dag_id: airflow.trigger(dag_id, conf={"recipients": recipients, "chunk_size": 200})
        for dag_id, recipients in audiences.items()
    }
    sends = []
    for dag_id, run_id in runs.items():
        assert airflow.wait_for_run(dag_id, run_id, timeout=RUN_TIMEOUT) == "success"
        sends += distributed.sends(dag_id, run_id)
    everyone = [r for recipients in audiences.values() for r in recipients]
    assert sum(ti["summary"]["sent"] for ti in sends) == len(everyone)
    assert all(ti["try_number"] == 1 for ti in sends), "no send failed and was retried"
    assert max_overlap(sends) == SHARED_SLOTS, "the pool's slots were full, never more"
    by_dag = [[ti for ti in sends if ti["dag_id"] == dag_id] for dag_id in runs]
    assert any(overlap(a, b) for a in by_dag[0] for b in by_dag[1]), "the two DAGs sent at the same time"
    stored = exactly_once(admin, everyone)
    refused = admin.request_outcomes().get("rate_limited", 0)
    assert refused <= len(everyone) // 100, "paced at their shares, the sends stay within the limit"
    distributed.figures["shared_account"] = {
        "dags": len(runs),
        "recipients": len(everyone),
        "limit_per_s": LIMIT,
        "pool_slots": SHARED_SLOTS,
        "msg_per_s": rate(len(everyone), sends),
        "http_429": refused,
        "lost": len(everyone) - len(stored),
    }


def overlap(a: dict[str, Any], b: dict[str, Any]) -> bool:
    """Whether two task instances ran at one moment."""
    return when(a["start_date"]) < when(b["end_date"]) and when(b["start_date"]) < when(a["end_date"])


def max_overlap(tis: list[dict[str, Any]]) -> int:
    """The most task instances that were running at one moment."""
    edges = sorted(
        [(when(ti["start_date"]), 1) for ti in tis] + [(when(ti["end_date"]), -1) for ti in tis],
        key=lambda edge: (edge[0], edge[1]),
    )
    running = peak = 0
    for _, step in edges:
        running += step
        peak = max(peak, running)
    return peak


def test_a_killed_worker_s_send_is_retried_on_the_other(distributed: Distributed) -> None:
    """SIGKILL the worker that is sending, with all its processes: the scheduler retries the task on the
    other worker, which sends only to recipients without an outcome; no duplicate, the in-flight ones
    unknown, everyone else delivered. The killed worker is started again afterwards."""
    cluster, server, admin = distributed.cluster, distributed.server, distributed.admins["kill"]
    airflow, dag_id = cluster.airflow, "whatsapp_distributed_kill"
    recipients = audience("3164", 1000)
    run_id = airflow.trigger(dag_id, conf={"recipients": recipients})
    wait_for(lambda: len(admin.messages()) >= 100, timeout=RUN_TIMEOUT, what="the send to be under way")
    victim = wait_for(
        lambda: cluster.worker_connected_to(server.port), timeout=RUN_TIMEOUT, what="the sending worker"
    )
    killed_at = datetime.now(UTC)
    cluster.kill_worker(victim)
    try:
        at_kill = len(admin.messages())
        assert airflow.wait_for_run(dag_id, run_id, timeout=RUN_TIMEOUT) == "success"
        tries = airflow.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/send/tries")
        first, retry = tries["task_instances"]
        [survivor] = set(WORKERS) - {victim}
        assert (first["try_number"], first["hostname"]) == (1, victim)
        assert (retry["try_number"], retry["hostname"], retry["state"]) == (2, survivor, "success")
        [send] = distributed.sends(dag_id, run_id)
        summary = send["summary"]
    finally:
        cluster.start_worker(victim)

    stored = Counter(m["wa_id"] for m in admin.messages())
    assert max(stored.values()) == 1, "no customer got the message twice"
    assert summary["total"] == len(recipients)
    assert summary["sent"] + summary["unknown"] == len(recipients)
    assert 0 < summary["unknown"] <= 2 * MAX_BATCH, "only the batches in flight at the kill are unknown"
    assert summary["sent"] >= at_kill - summary["unknown"]
    assert len(stored) >= summary["sent"], "every recipient reported sent was stored"
    missed = {r["to"][1:] for r in recipients} - set(stored)
    assert len(missed) <= summary["unknown"], "whoever did not get it is among the unknown"
    distributed.figures["worker_killed"] = {
        "recipients": len(recipients),
        "stored_at_kill": at_kill,
        "sent": summary["sent"],
        "unknown": summary["unknown"],
        "unknown_but_stored": len(stored) - summary["sent"],
        "duplicates": sum(stored.values()) - len(stored),
        "retry_started_after_s": round((when(retry["start_date"]) - killed_at).total_seconds(), 1),
        "run_done_after_s": round((when(retry["end_date"]) - killed_at).total_seconds(), 1),
    }
