"""Every example DAG in a real Airflow 3: api-server, scheduler, dag-processor and triggerer processes.

``dag.test()`` runs a deferred trigger inline and DAG callbacks in-process; only a real cluster proves that
the sensors serialise their triggers, wait in the triggerer without a worker slot and resume in a new
worker process, that retries and callbacks fire where Airflow runs them, and that the scheduled examples'
own schedules start runs. Start-up costs ~25 s, so one cluster (module fixture) runs every DAG at once,
each triggered through the REST API; the tests then wait for their DAG's runs and check what the sandbox
stored. Each triggered run gets recipients of its own, so every DAG's messages are told apart exactly
although all share one sandbox key (one Airflow connection, ``maton_whatsapp_default``).

The sandbox is this module's own: connections turn ACTIVE only when their OAuth page is opened and
templates stay PENDING until approved, so the tests, playing the user and Meta's reviewer, act only once
the REST API shows the sensor ``deferred`` (and the scheduler has seen the deferring worker exit: see
``AirflowCluster.wait_until_deferred`` for the Airflow race that avoids).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from airflow_provider_whatsapp.sandbox import SandboxConfig, SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from tests.e2e.airflow_cluster import AirflowCluster, airflow_cluster, assert_in_order, wait_for

pytestmark = pytest.mark.slow

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "example_dags"
CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"
# Bounds for one step on 2 busy cores; every DAG runs at once, so a step may wait for others' tasks.
STEP_TIMEOUT = 90.0
NEVER = 24 * 3600.0  # a template review that only the test ends

# The DAGs' default recipients: only the scheduled examples' own (scheduled) runs use them.
ALICE, BOB = "+31612345678", "+31687654321"
# Recipients of each triggered run; none ends in 0000 (the sandbox's undeliverable numbers).
ONBOARDING_TO = "+31611000101"
TEMPLATE_TO = "+31611000201"
SCHEDULED_TO = ["+31611000301", "+31611000302"]
PIPELINE_TEXT_TO = "+31611000401"  # writes in first: free text reaches it
PIPELINE_FALLBACK_TO = "+31611000402"  # never wrote: the notifier falls back to the template
MEDIA_TO = ["+31611000501", "+31611000502"]
TEMPLATES_TO = "+31611000601"

ONBOARDING = "whatsapp_connection_onboarding"
TEMPLATE = "whatsapp_template_approval"
SCHEDULED = "whatsapp_scheduled_notification"
PIPELINE = "whatsapp_pipeline_alerts"
MEDIA = "whatsapp_media_report"
BULK = "whatsapp_bulk_campaign"
AUDIENCE = [
    line.split(",")[0] for line in (DAGS_FOLDER / "data" / "campaign_audience.csv").read_text().split()[1:]
]
TEMPLATES = "whatsapp_templates_as_code"
# Triggered in this order, the three that wait for the test first.
TRIGGER_CONF: dict[str, dict[str, Any]] = {
    ONBOARDING: {"recipients": [ONBOARDING_TO]},
    TEMPLATE: {"recipients": [TEMPLATE_TO]},
    TEMPLATES: {"recipients": [TEMPLATES_TO], "customer": "Robin"},
    SCHEDULED: {"recipients": SCHEDULED_TO},
    PIPELINE: {"recipients": [PIPELINE_TEXT_TO, PIPELINE_FALLBACK_TO]},
    MEDIA: {"recipients": MEDIA_TO},
    BULK: {"chunk_size": 25},
}
# The DAGs that wait for the user (OAuth) or Meta's reviewer, and the sensor that waits.
WAITING = {ONBOARDING: "wait_until_active", TEMPLATE: "wait_for_approval", TEMPLATES: "sync_templates"}
# Free-form messages need the recipient to have written within 24 hours.
WROTE_IN = [ALICE, BOB, PIPELINE_TEXT_TO, *MEDIA_TO]


@dataclass
class Scenario:
    """The running cluster, the sandbox key every DAG sends with, and each DAG's triggered run."""

    cluster: AirflowCluster
    admin: SandboxAdminClient
    runs: dict[str, str]
    released: set[str] = field(default_factory=set)  # WAITING DAGs whose test played the user

    def acting_for(self, dag_id: str) -> bool:
        """Wait until the DAG's sensor deferred and claim the user's or reviewer's part of it; False when
        :meth:`release_the_rest` played it already (the tests run in any order)."""
        if dag_id in self.released:
            return False
        self.cluster.wait_until_deferred(dag_id, self.runs[dag_id], WAITING[dag_id], timeout=STEP_TIMEOUT)
        self.released.add(dag_id)
        return True

    def release_the_rest(self) -> None:
        """Once their sensors deferred, open the OAuth pages and approve the templates that the waiting
        DAGs' own tests did not (they did not run: a test run alone, or a subset)."""
        rest = [dag_id for dag_id in WAITING if dag_id not in self.released]
        for dag_id in rest:
            self.cluster.wait_until_deferred(dag_id, self.runs[dag_id], WAITING[dag_id], timeout=STEP_TIMEOUT)
        if ONBOARDING in rest:
            for pending in self.admin.connections("PENDING"):
                self.admin.open_oauth_page(pending)
        if TEMPLATE in rest or TEMPLATES in rest:
            listing = self.admin.call(
                "GET", f"/whatsapp-business/v21.0/{self.admin.ids['waba_id']}/message_templates"
            )
            for template in listing["data"]:
                if template["status"] == "PENDING":
                    self.admin.call("POST", f"/_sandbox/templates/{template['id']}/approve")
        self.released.update(rest)

    def finished_run(self, dag_id: str, run_id: str | None = None) -> str:
        """Wait for the DAG's triggered run (or ``run_id``) to finish; assert it succeeded, every task too."""
        run_id = run_id or self.runs[dag_id]
        state = self.cluster.wait_for_run(dag_id, run_id, timeout=STEP_TIMEOUT)
        tasks = self.cluster.task_states(dag_id, run_id)
        assert state == "success", f"{dag_id} run {run_id} ended {state}: {tasks}"
        assert set(tasks.values()) == {"success"}, tasks
        return run_id

    def scheduled_run(self, dag_id: str) -> str:
        """The run the DAG's own schedule started when it was unpaused (catchup=False: the latest one)."""

        def started() -> str | None:
            scheduled = [r for r in self.cluster.dag_runs(dag_id) if r["run_type"] == "scheduled"]
            assert len(scheduled) <= 1, scheduled
            return scheduled[0]["dag_run_id"] if scheduled else None

        run_id: str = wait_for(started, timeout=STEP_TIMEOUT, what=f"a scheduled run of {dag_id}")
        return run_id

    def xcom(self, dag_id: str, task_id: str, key: str = "return_value") -> Any:
        """A task's XCom of the DAG's triggered run, through the REST API."""
        path = f"/dags/{dag_id}/dagRuns/{self.runs[dag_id]}/taskInstances/{task_id}/xcomEntries/{key}"
        return self.cluster.api("GET", path)["value"]

    def sent_to(self, number: str) -> list[tuple[str, dict[str, Any]]]:
        """``(type, that type's body)`` of every message stored for ``number``, oldest first."""
        return [(m["type"], m["body"][m["type"]]) for m in self.admin.messages(to=number)]

    def templates_to(self, number: str) -> list[str]:
        """Names of the templates stored for ``number``, oldest first."""
        return [body["name"] for kind, body in self.sent_to(number) if kind == "template"]


@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Scenario]:
    """One sandbox, one key and one cluster for the module: every example DAG parsed without error,
    unpaused and triggered through the REST API, with the customers who need it having written in."""
    config = SandboxConfig(activation_delay=None, template_approval_delay=NEVER)
    with SandboxServer(config) as server:
        admin = SandboxAdminClient.new_key(server.url, templates="docs")
        for number in WROTE_IN:
            admin.inbound(number)
        home = tmp_path_factory.mktemp("airflow")
        with airflow_cluster(
            home, DAGS_FOLDER, extra_env={CONN_ENV: admin.airflow_connection_json()}
        ) as cluster:
            assert requests.get(f"{cluster.api_url}/api/v2/dags", timeout=10).status_code == 401
            assert set(TRIGGER_CONF) == {path.stem for path in DAGS_FOLDER.glob("*.py")}, "a DAG not covered"
            for dag_id in TRIGGER_CONF:
                cluster.unpause_when_parsed(dag_id, timeout=60)
            assert cluster.api("GET", "/importErrors")["total_entries"] == 0
            runs = {
                # Airflow 3's default: no logical date, so the DAGs must not need ``ds``.
                dag_id: cluster.trigger(dag_id, conf=conf, logical_date=None)
                for dag_id, conf in TRIGGER_CONF.items()
            }
            yield Scenario(cluster, admin, runs)


def test_onboarding_sensor_defers_into_the_real_triggerer_and_resumes(scenario: Scenario) -> None:
    """Open the OAuth page only while the sensor is deferred; the run succeeds, the welcome template is
    stored, and the sensor's log tells the deferral and the resume."""
    cluster, admin = scenario.cluster, scenario.admin
    with cluster.logs_on_failure():
        run_id = scenario.runs[ONBOARDING]
        if scenario.acting_for(ONBOARDING):  # not yet done by the test that releases the rest
            [pending] = admin.connections("PENDING")
            assert scenario.sent_to(ONBOARDING_TO) == []
            admin.open_oauth_page(pending)

        scenario.finished_run(ONBOARDING)
        connection_id = scenario.xcom(ONBOARDING, "create_connection")
        assert connection_id in [c["connection_id"] for c in admin.connections("ACTIVE")]
        assert scenario.xcom(ONBOARDING, "wait_until_active") == connection_id, "pushed by the resumed sensor"
        assert scenario.templates_to(ONBOARDING_TO) == ["hello_world"]
        assert [kind for kind, _ in scenario.sent_to(ONBOARDING_TO)] == ["template"]

        # One log, three parts: the first try checks once and defers, the triggerer sees ACTIVE, and the
        # resumed try (a second worker start) decides with the trigger's event.
        assert_in_order(
            cluster.task_log(ONBOARDING, run_id, "wait_until_active"),
            f"Maton connection {connection_id} is PENDING",
            "Pausing task as DEFERRED",
            f"Maton connection {connection_id} is ACTIVE",
            "Trigger fired event",
            "DAG bundles loaded",  # the resumed try: a new worker parses the DAG again
            f"Maton connection {connection_id} is ACTIVE",
        )


def test_template_sensor_defers_until_the_review_approves(scenario: Scenario) -> None:
    """The DAG submits ``order_ready``; approve it only while the sensor is deferred; the run succeeds and
    sends the template with its parameters; the sensor's log tells the deferral and the resume."""
    cluster, admin = scenario.cluster, scenario.admin
    with cluster.logs_on_failure():
        run_id = scenario.runs[TEMPLATE]
        acting = scenario.acting_for(TEMPLATE)
        listing = admin.call(
            "GET",
            f"/whatsapp-business/v21.0/{admin.ids['waba_id']}/message_templates",
            params={"name": "order_ready"},
        )
        [template] = [t for t in listing["data"] if t["name"] == "order_ready"]
        assert scenario.xcom(TEMPLATE, "create_template") == template["id"]
        if acting:
            assert template["status"] == "PENDING"
            assert scenario.sent_to(TEMPLATE_TO) == []
            admin.call("POST", f"/_sandbox/templates/{template['id']}/approve")

        scenario.finished_run(TEMPLATE)
        assert scenario.xcom(TEMPLATE, "wait_for_approval") == template["id"]
        run_after = cluster.api("GET", f"/dags/{TEMPLATE}/dagRuns/{run_id}")["run_after"]
        ds_nodash = run_after[:10].replace("-", "")
        [(kind, body)] = scenario.sent_to(TEMPLATE_TO)
        assert (kind, body["name"], body["language"]["code"]) == ("template", "order_ready", "en_US")
        assert [p["text"] for p in body["components"][0]["parameters"]] == ["Alex", f"A-{ds_nodash}"]

        label = "template order_ready (en_US)"
        assert_in_order(
            cluster.task_log(TEMPLATE, run_id, "wait_for_approval"),
            f"{label} is PENDING",
            "Pausing task as DEFERRED",
            f"{label} is APPROVED",
            "Trigger fired event",
            "DAG bundles loaded",  # the resumed try: a new worker parses the DAG again
            f"{label} is APPROVED",
        )


def test_templates_as_code_syncs_defers_until_approved_and_sends_checked(scenario: Scenario) -> None:
    """The sync creates the files' templates and defers; approve them only while it is deferred; the run
    succeeds, its plan is the sync's XCom, and both templates are sent with their parameters."""
    cluster, admin = scenario.cluster, scenario.admin
    with cluster.logs_on_failure():
        run_id = scenario.runs[TEMPLATES]
        wanted = [("delivery_window", "en_US"), ("order_shipped", "en_US"), ("order_shipped", "nl")]
        if scenario.acting_for(TEMPLATES):
            path = f"/whatsapp-business/v21.0/{admin.ids['waba_id']}/message_templates"
            created = {(t["name"], t["language"]): t for t in admin.call("GET", path)["data"]}
            assert [created[key]["status"] for key in wanted] == ["PENDING"] * 3
            assert scenario.sent_to(TEMPLATES_TO) == []
            for key in wanted:
                admin.call("POST", f"/_sandbox/templates/{created[key]['id']}/approve")

        scenario.finished_run(TEMPLATES)
        plan = scenario.xcom(TEMPLATES, "sync_templates")
        assert [
            (row["action"], row["name"], row["language"]) for row in plan if row["action"] == "create"
        ] == [("create", *key) for key in wanted]
        texts = sorted(body["name"] for _, body in scenario.sent_to(TEMPLATES_TO))
        assert texts == ["delivery_window", "order_shipped"]
        template_texts = sorted(m["template_text"] for m in admin.messages(to=TEMPLATES_TO))
        assert template_texts[0].startswith("Hi Robin, we deliver order A-1042 between 9:00 and 11:00.")
        assert template_texts[1].startswith("Order A-1042 shipped\nHi Robin, your order is on its way")
        assert_in_order(
            cluster.task_log(TEMPLATES, run_id, "sync_templates"),
            "Template plan: 3 to create",
            "Pausing task as DEFERRED",
            "3 templates are APPROVED",
            "Trigger fired event",
            "DAG bundles loaded",  # the resumed try: a new worker parses the DAG again
            "3 templates are APPROVED",
        )


def test_scheduled_notification_runs_when_triggered_and_on_its_schedule(scenario: Scenario) -> None:
    """The triggered run sends the template to its Params' recipients; unpausing started the schedule's
    latest run too, which sends to the DAG's default recipients."""
    with scenario.cluster.logs_on_failure():
        scenario.finished_run(SCHEDULED)
        for number in SCHEDULED_TO:
            [(kind, body)] = scenario.sent_to(number)
            assert (kind, body["name"], body["language"]["code"]) == ("template", "hello_world", "en_US")
        wamids = scenario.xcom(SCHEDULED, "send_daily_template")
        assert len(wamids) == 2
        assert all(wamid.startswith("wamid.") for wamid in wamids)

        scenario.finished_run(SCHEDULED, scenario.scheduled_run(SCHEDULED))
        for number in (ALICE, BOB):
            assert scenario.templates_to(number) == ["hello_world"]


def test_pipeline_alerts_notify_from_the_retry_the_task_and_the_dag_callbacks(scenario: Scenario) -> None:
    """``extract`` fails once and is retried by the scheduler (retry callback), ``load`` reports its success
    and the DAG its own (a DAG callback, run by the dag-processor after the run is marked success). Free
    text reaches the recipient who wrote in; the other gets the fallback template each time."""
    cluster = scenario.cluster
    with cluster.logs_on_failure():
        run_id = scenario.finished_run(PIPELINE)
        tries = {ti["task_id"]: ti["try_number"] for ti in cluster.task_instances(PIPELINE, run_id)}
        assert tries == {"extract": 2, "load": 1}

        # The DAG's success callback may still be on its way when the run already shows success.
        wait_for(
            lambda: len(scenario.sent_to(PIPELINE_TEXT_TO)) >= 3,
            timeout=STEP_TIMEOUT,
            what="the DAG success callback's message",
        )
        texts = [body["body"] for kind, body in scenario.sent_to(PIPELINE_TEXT_TO) if kind == "text"]
        assert len(texts) == 3, scenario.sent_to(PIPELINE_TEXT_TO)
        assert texts[0].startswith(f"Retrying extract of {PIPELINE} (try 1)")
        assert "source not ready yet" in texts[0]
        # ``load`` is success (hence the run, the DAG callback) before its own callback sends: either first.
        ds = cluster.api("GET", f"/dags/{PIPELINE}/dagRuns/{run_id}")["run_after"][:10]
        assert sorted(texts[1:]) == [
            f"Loaded 5 rows ({PIPELINE}, {ds}).",
            f"Pipeline {PIPELINE} succeeded (run {run_id}).",
        ]
        wait_for(
            lambda: len(scenario.sent_to(PIPELINE_FALLBACK_TO)) >= 3,
            timeout=STEP_TIMEOUT,
            what="the fallback template of the DAG success callback",
        )
        assert [kind for kind, _ in scenario.sent_to(PIPELINE_FALLBACK_TO)] == ["template"] * 3
        assert scenario.templates_to(PIPELINE_FALLBACK_TO) == ["hello_world"] * 3


def test_media_report_uploads_and_sends_the_document_when_triggered_and_on_its_schedule(
    scenario: Scenario,
) -> None:
    """Both runs (triggered, and the schedule's latest) upload their CSV and send it as a document."""
    with scenario.cluster.logs_on_failure():
        scenario.finished_run(MEDIA)
        media_id = scenario.xcom(MEDIA, "upload_report")
        for number in MEDIA_TO:
            [(kind, body)] = scenario.sent_to(number)
            assert (kind, body["id"]) == ("document", media_id)
            assert body["filename"].startswith("orders_")
            assert body["filename"].endswith(".csv")

        scenario.finished_run(MEDIA, scenario.scheduled_run(MEDIA))
        for number in (ALICE, BOB):
            documents = [body for kind, body in scenario.sent_to(number) if kind == "document"]
            assert len(documents) == 1
            assert documents[0]["id"] != media_id, "the scheduled run uploads its own report"


def test_bulk_campaign_maps_over_chunks_and_reaches_everyone_once(scenario: Scenario) -> None:
    """Three mapped chunks at once on one account: paced, slowed by its 429s, no message lost."""
    with scenario.cluster.logs_on_failure():
        run_id = scenario.finished_run(BULK)
        chunks = scenario.cluster.task_instances(BULK, run_id)
        assert sorted(ti["map_index"] for ti in chunks if ti["task_id"] == "send_chunk") == [0, 1, 2]
        stored = [m for m in scenario.admin.messages() if m["wa_id"] in {n[1:] for n in AUDIENCE}]
        assert sorted(m["wa_id"] for m in stored) == sorted(n[1:] for n in AUDIENCE)
        assert {m["body"]["template"]["name"] for m in stored} == {"order_confirmation"}


def test_nothing_else_was_sent_and_no_task_log_holds_the_key(scenario: Scenario) -> None:
    """After every run: exactly the messages above and no others; no task log, of any try, shows the
    Maton key or a recipient's full number. Waits for every run itself, so it also passes alone."""
    cluster, admin = scenario.cluster, scenario.admin
    with cluster.logs_on_failure():
        scenario.release_the_rest()
        for dag_id in TRIGGER_CONF:
            scenario.finished_run(dag_id)
        for dag_id in (SCHEDULED, MEDIA):
            scenario.finished_run(dag_id, scenario.scheduled_run(dag_id))
        expected = {
            ONBOARDING: 1,
            TEMPLATE: 1,
            SCHEDULED: 2 + 2,  # triggered + scheduled run
            PIPELINE: 3 + 3,
            MEDIA: 2 + 2,
            BULK: len(AUDIENCE),
            TEMPLATES: 2,
        }
        runs = {dag_id: cluster.dag_runs(dag_id) for dag_id in TRIGGER_CONF}
        assert {dag_id: [r["state"] for r in dag_runs] for dag_id, dag_runs in runs.items()} == {
            dag_id: ["success"] * (2 if dag_id in (SCHEDULED, MEDIA) else 1) for dag_id in TRIGGER_CONF
        }
        # The pipeline's DAG success callback may still be on its way when its run shows success.
        wait_for(
            lambda: len(admin.messages()) >= sum(expected.values()),
            timeout=STEP_TIMEOUT,
            what="every run's messages",
        )
        assert len(admin.messages()) == sum(expected.values())

        numbers = [
            ALICE,
            BOB,
            ONBOARDING_TO,
            TEMPLATE_TO,
            *SCHEDULED_TO,
            PIPELINE_TEXT_TO,
            PIPELINE_FALLBACK_TO,
            TEMPLATES_TO,
        ]
        secrets = [admin.api_key, *(n.lstrip("+") for n in [*numbers, *MEDIA_TO, *AUDIENCE])]
        for dag_id, dag_runs in runs.items():
            for run in dag_runs:
                for ti in cluster.task_instances(dag_id, run["dag_run_id"]):
                    for try_number in range(1, ti["try_number"] + 1):
                        log = cluster.task_log(
                            dag_id, run["dag_run_id"], ti["task_id"], try_number, ti["map_index"]
                        )
                        leaked = [secret for secret in secrets if secret in log]
                        assert not leaked, f"{dag_id}.{ti['task_id']} try {try_number} logs {leaked}:\n{log}"
