"""Sensors against the sandbox: poke decisions, deferral, resuming from an event, and a reschedule-mode
DAG run that needs no triggerer."""

from __future__ import annotations

import time
from typing import Any

import pytest
import requests
from airflow.sdk.exceptions import AirflowFailException, AirflowRescheduleException, TaskDeferred

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.sensors import MatonConnectionSensor, WhatsAppTemplateStatusSensor

pytestmark = pytest.mark.usefixtures("maton_connection")
CONTEXT: Any = {}


def pending_connection() -> tuple[str, str]:
    """A new PENDING connection: its id and OAuth url."""
    created = MatonWhatsAppHook().create_connection()
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


def test_connection_sensor_fails_at_once_on_failed_or_deleted(sandbox_admin: Any) -> None:
    failed, _ = pending_connection()
    sandbox_admin.call("POST", f"/_sandbox/connections/{failed}/fail")
    deleted, _ = pending_connection()
    MatonWhatsAppHook().delete_connection(deleted)

    with pytest.raises(AirflowFailException, match="FAILED"):
        MatonConnectionSensor(task_id="wait", connection_id=failed).poke(CONTEXT)
    with pytest.raises(AirflowFailException, match="does not exist"):
        MatonConnectionSensor(task_id="wait", connection_id=deleted).poke(CONTEXT)


def test_template_sensor_approved_rejected_and_missing() -> None:
    body = {"name": "reject_me", "language": "en_US", "category": "UTILITY"}
    MatonWhatsAppHook().create_template({**body, "components": [{"type": "BODY", "text": "Hello"}]})

    done = WhatsAppTemplateStatusSensor(task_id="t", template_name="hello_world").poke(CONTEXT)
    assert done.is_done
    assert done.xcom_value
    in_review = WhatsAppTemplateStatusSensor(task_id="t", template_name="reject_me").poke(CONTEXT)
    assert not in_review.is_done  # the test sandbox reviews after 0.5 s
    time.sleep(1.0)
    with pytest.raises(AirflowFailException, match="REJECTED, reason: INVALID_FORMAT"):
        WhatsAppTemplateStatusSensor(task_id="t", template_name="reject_me").poke(CONTEXT)
    with pytest.raises(AirflowFailException, match="does not exist"):
        WhatsAppTemplateStatusSensor(task_id="t", template_name="nope", language="de").poke(CONTEXT)


def test_deferrable_sensor_defers_with_a_keyless_trigger_and_resumes(
    maton_connection: dict[str, Any],
) -> None:
    connection_id, _ = pending_connection()
    sensor = MatonConnectionSensor(task_id="wait", connection_id=connection_id, deferrable=True)

    with pytest.raises(TaskDeferred) as deferred:
        sensor.execute(CONTEXT)

    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "airflow_provider_whatsapp.triggers.connection.MatonConnectionTrigger"
    assert kwargs == {
        "maton_conn_id": "maton_whatsapp_default",
        "poke_interval": 2,
        "connection_id": connection_id,
    }
    assert maton_connection["api_key"] not in repr(kwargs)
    assert deferred.value.method_name == "execute_complete"
    event = {"state": "done", "message": "ACTIVE", "value": connection_id}
    assert sensor.execute_complete(CONTEXT, event) == connection_id
    with pytest.raises(AirflowFailException, match="FAILED"):
        sensor.execute_complete(CONTEXT, {"state": "failed", "message": "FAILED", "value": None})


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
