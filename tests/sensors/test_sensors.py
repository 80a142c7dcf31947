"""Sensors against the sandbox: poke decisions, deferral, resuming from an event or a timeout,
``soft_fail``, and reschedule mode, which needs no triggerer."""

from __future__ import annotations

import json
import time
from datetime import timedelta
from typing import Any

import pytest
import requests
from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    TaskDeferred,
)
from airflow.sdk.bases.operator import TRIGGER_FAIL_REPR, TriggerFailureReason

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from airflow_provider_whatsapp.sensors import MatonConnectionSensor, WhatsAppTemplateStatusSensor
from airflow_provider_whatsapp.sensors.base import DEFERRAL_GRACE
from tests.airflow_compat import AirflowRescheduleException
from tests.airflow_fixtures import CONN_ENV

pytestmark = pytest.mark.usefixtures("maton_connection")
CONTEXT: Any = {}


def pending_connection() -> tuple[str, str]:
    """A new PENDING connection: its id and OAuth url."""
    created = MatonWhatsAppHook().create_maton_connection()
    assert created.url is not None
    return created.connection_id, created.url


def test_connection_sensor_pokes_pending_then_active(maton_connection: dict[str, Any]) -> None:
    connection_id, url = pending_connection()
    sensor = MatonConnectionSensor(task_id="wait", connection_id=connection_id)

    assert not sensor.poke(CONTEXT).is_done
    requests.get(url, timeout=10).raise_for_status()
    done = sensor.poke(CONTEXT)
    assert (done.is_done, done.xcom_value) == (True, connection_id)
    assert (sensor.poke_interval, sensor.timeout) == (2, 300)


def test_connection_sensor_without_id_accepts_any_active_connection(maton_connection: dict[str, Any]) -> None:
    done = MatonConnectionSensor(task_id="wait").poke(CONTEXT)

    assert (done.is_done, done.xcom_value) == (True, maton_connection["connection_id"])


def test_connection_sensor_without_id_waits_for_the_one_the_airflow_connection_pins(
    sandbox_admin: SandboxAdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    connection_id, url = pending_connection()
    pinned = json.loads(sandbox_admin.airflow_connection_json())
    pinned["extra"]["connection_id"] = connection_id
    monkeypatch.setenv(CONN_ENV, json.dumps(pinned))
    sensor = MatonConnectionSensor(task_id="wait")

    assert not sensor.poke(CONTEXT).is_done  # the key's other connection is ACTIVE: not the one pinned
    requests.get(url, timeout=10).raise_for_status()
    done = sensor.poke(CONTEXT)
    assert (done.is_done, done.xcom_value) == (True, connection_id)


def test_connection_sensor_fails_at_once_on_failed_or_deleted(sandbox_admin: Any) -> None:
    failed, _ = pending_connection()
    sandbox_admin.call("POST", f"/_sandbox/connections/{failed}/fail")
    deleted, _ = pending_connection()
    MatonWhatsAppHook().delete_maton_connection(deleted)

    with pytest.raises(AirflowFailException, match="FAILED"):
        MatonConnectionSensor(task_id="wait", connection_id=failed).poke(CONTEXT)
    with pytest.raises(AirflowFailException, match="does not exist"):
        MatonConnectionSensor(task_id="wait", connection_id=deleted).poke(CONTEXT)


def create_template(name: str) -> str:
    """Submit a template for review; its id."""
    body = {"name": name, "language": "en_US", "category": "UTILITY"}
    return MatonWhatsAppHook().create_template({**body, "components": [{"type": "BODY", "text": "Hi"}]}).id


def test_template_sensor_waits_during_the_review_then_approved_or_rejected(
    manual_review: SandboxAdminClient,
) -> None:
    approved, rejected = create_template("approve_me"), create_template("reject_me")
    sensor = WhatsAppTemplateStatusSensor(task_id="t", template_name="approve_me")
    other = WhatsAppTemplateStatusSensor(task_id="t", template_name="reject_me")

    assert not sensor.poke(CONTEXT).is_done  # PENDING until the test decides
    assert not other.poke(CONTEXT).is_done
    manual_review.call("POST", f"/_sandbox/templates/{approved}/approve")
    manual_review.call("POST", f"/_sandbox/templates/{rejected}/reject", json={"reason": "SCAM"})
    done = sensor.poke(CONTEXT)
    assert (done.is_done, done.xcom_value) == (True, approved)
    with pytest.raises(AirflowFailException, match="REJECTED, reason: SCAM"):
        other.poke(CONTEXT)


@pytest.mark.parametrize("deferrable", [False, True])
def test_template_sensor_fails_at_once_on_a_disabled_template_and_waits_on_a_paused_one(
    manual_review: SandboxAdminClient, deferrable: bool
) -> None:
    """DISABLED never comes back by waiting: the first check fails, before any deferral. PAUSED may."""
    disabled, paused = create_template("disable_me"), create_template("pause_me")
    manual_review.call("POST", f"/_sandbox/templates/{disabled}/disable")
    manual_review.call("POST", f"/_sandbox/templates/{paused}/pause")
    context: Any = {"ti": FirstTry()}

    with pytest.raises(AirflowFailException, match=r"template disable_me \(en_US\) is DISABLED"):
        WhatsAppTemplateStatusSensor(
            task_id="t", template_name="disable_me", deferrable=deferrable, timeout=60
        ).execute(context)
    waiting = WhatsAppTemplateStatusSensor(task_id="t", template_name="pause_me")
    assert not waiting.poke(CONTEXT).is_done


def test_template_sensor_approved_and_missing() -> None:
    done = WhatsAppTemplateStatusSensor(task_id="t", template_name="hello_world").poke(CONTEXT)
    assert done.is_done
    assert done.xcom_value
    with pytest.raises(AirflowFailException, match="does not exist"):
        WhatsAppTemplateStatusSensor(task_id="t", template_name="nope", language="de").poke(CONTEXT)


def test_template_sensor_looks_in_the_waba_it_is_given(
    sandbox_key: dict[str, Any], sandbox_admin: SandboxAdminClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    without_waba = json.loads(sandbox_admin.airflow_connection_json())
    del without_waba["extra"]["waba_id"]
    monkeypatch.setenv(CONN_ENV, json.dumps(without_waba))
    sensor = WhatsAppTemplateStatusSensor(
        task_id="t", template_name="hello_world", waba_id="{{ params.waba }}", deferrable=True
    )
    sensor.render_template_fields({"params": {"waba": sandbox_key["waba_id"]}})

    assert sensor.poke(CONTEXT).is_done
    assert sensor.make_trigger().serialize()[1]["waba_id"] == sandbox_key["waba_id"]
    assert sandbox_admin.requests_log(f"/{sandbox_key['waba_id']}/message_templates")


def test_deferrable_sensor_defers_with_a_keyless_trigger_and_resumes(
    maton_connection: dict[str, Any],
) -> None:
    connection_id, _ = pending_connection()
    sensor = MatonConnectionSensor(
        task_id="wait", connection_id=connection_id, deferrable=True, hook_params={"timeout": 7}
    )

    before = time.time()
    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(CONTEXT)

    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "airflow_provider_whatsapp.triggers.connection.MatonConnectionTrigger"
    timeout_at = kwargs.pop("timeout_at")
    assert kwargs == {
        "maton_conn_id": "maton_whatsapp_default",
        "hook_params": {"timeout": 7},
        "poke_interval": 2,
        "connection_id": connection_id,
    }
    assert before + sensor.timeout <= timeout_at <= time.time() + sensor.timeout
    assert deferred.value.timeout == timedelta(seconds=sensor.timeout) + DEFERRAL_GRACE
    assert maton_connection["api_key"] not in repr(kwargs)
    assert deferred.value.method_name == "execute_complete"
    event = {"state": "done", "message": "ACTIVE", "value": connection_id}
    assert sensor.execute_complete(CONTEXT, event) == connection_id
    with pytest.raises(AirflowFailException, match="FAILED"):
        sensor.execute_complete(CONTEXT, {"state": "failed", "message": "FAILED", "value": None})


def test_soft_fail_skips_on_a_terminal_status_when_deferrable_too(sandbox_admin: SandboxAdminClient) -> None:
    failed, _ = pending_connection()
    sandbox_admin.fail_connection(failed)

    for deferrable in (False, True):
        sensor = MatonConnectionSensor(
            task_id="wait", connection_id=failed, deferrable=deferrable, soft_fail=True, timeout=10
        )
        with pytest.raises(AirflowSkipException):
            sensor.execute({"ti": FirstTry()})  # type: ignore[typeddict-item]


def test_never_fail_skips_any_error_of_the_first_deferrable_check() -> None:
    sensor = MatonConnectionSensor(
        task_id="wait", connection_id="c1", deferrable=True, never_fail=True, maton_conn_id="no_such_conn"
    )
    with pytest.raises(AirflowSkipException, match="never_fail"):
        sensor.execute({"ti": FirstTry()})  # type: ignore[typeddict-item]


@pytest.mark.parametrize(
    ("soft_fail", "raised"), [(True, AirflowSkipException), (False, AirflowSensorTimeout)]
)
def test_a_deferral_timeout_skips_with_soft_fail_else_fails(
    soft_fail: bool, raised: type[BaseException]
) -> None:
    sensor = MatonConnectionSensor(task_id="wait", connection_id="c1", deferrable=True, soft_fail=soft_fail)
    timed_out = {"error": TriggerFailureReason.TRIGGER_TIMEOUT}

    with pytest.raises(raised):
        sensor.resume_execution(TRIGGER_FAIL_REPR, timed_out, CONTEXT)


def test_deferrable_sensor_returns_at_once_when_already_done() -> None:
    sensor = WhatsAppTemplateStatusSensor(task_id="t", template_name="hello_world", deferrable=True)

    assert sensor.execute(CONTEXT)


def test_reschedule_mode_gives_the_slot_back_then_finishes_without_a_triggerer() -> None:
    connection_id, url = pending_connection()
    sensor = MatonConnectionSensor(
        task_id="wait", connection_id=connection_id, mode="reschedule", poke_interval=1, timeout=60
    )
    context: Any = {"ti": FirstTry()}

    with pytest.raises(AirflowRescheduleException):
        sensor.execute(context)
    requests.get(url, timeout=10).raise_for_status()
    assert sensor.execute(context) == connection_id


class FirstTry:
    """The one thing a rescheduled sensor asks its task instance: when it first started waiting."""

    def get_first_reschedule_date(self, context: Any) -> None:
        """Never rescheduled before."""


def test_a_poking_sensor_that_times_out_says_what_its_last_check_saw(
    monkeypatch: pytest.MonkeyPatch, refused_url: str
) -> None:
    unreachable = {"conn_type": "maton_whatsapp", "host": refused_url, "password": "k"}
    monkeypatch.setenv(CONN_ENV, json.dumps(unreachable))
    sensor = MatonConnectionSensor(task_id="wait", poke_interval=0.05, timeout=0.2, mode="poke")

    with pytest.raises(AirflowSensorTimeout, match="last check: GET /connections: gateway unreachable at"):
        sensor.execute({"ti": FirstTry()})  # type: ignore[typeddict-item]
