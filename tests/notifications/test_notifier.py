"""The notifier against the sandbox: rendering with the callback context, the 24-hour-window fallback,
templates, and failures that are logged but never raised."""

from __future__ import annotations

import asyncio
import threading
from datetime import datetime
from types import SimpleNamespace
from typing import Any

import pytest
from airflow.sdk import DAG

from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook
from airflow_provider_whatsapp.notifications import WhatsAppNotifier, send_whatsapp_notification
from tests.log_lines import assert_logged

ALICE, BOB = "+31612345678", "+31687654321"
pytestmark = pytest.mark.usefixtures("maton_connection")


def callback_context(**extra: Any) -> dict[str, Any]:
    """What a task's failure callback receives, in the parts the notifier's default text uses."""
    dag = DAG("nightly_load", schedule=None, start_date=datetime(2025, 1, 1))
    ti = SimpleNamespace(task_id="load", try_number=2, log_url="http://airflow/log?try=2")
    dag_run = SimpleNamespace(dag_id="nightly_load", run_id="manual__1")
    return {
        "dag": dag,
        "dag_run": dag_run,
        "ti": ti,
        "run_id": "manual__1",
        "exception": ValueError("disk full"),
        **extra,
    }


def sent(admin: Any) -> list[tuple[str, str, dict[str, Any]]]:
    """``(wa_id, type, type's body)`` of every stored message."""
    return [(m["wa_id"], m["type"], m["body"][m["type"]]) for m in admin.messages()]


def test_default_text_renders_the_context_and_falls_back_to_the_template(sandbox_admin: Any) -> None:
    sandbox_admin.inbound(ALICE)  # Alice is inside the 24-hour window, Bob is not
    notifier = send_whatsapp_notification(to=[ALICE, BOB], fallback_template="hello_world")

    notifier(callback_context())

    [(alice, kind, text), (bob, fallback, template)] = sent(sandbox_admin)
    assert (alice, kind, bob, fallback) == (ALICE[1:], "text", BOB[1:], "template")
    assert text["body"] == (
        "Airflow: task load (try 2) of DAG nightly_load, run manual__1\n"
        "Error: disk full\n"
        "Log: http://airflow/log?try=2"
    )
    assert template["name"] == "hello_world"
    assert notifier.text is not None
    assert "{{" in notifier.text  # rendered on a copy: the notifier can serve the next callback


def test_custom_text_and_template_parameters_are_templated(sandbox_admin: Any) -> None:
    sandbox_admin.inbound(ALICE)
    body = {"type": "BODY", "text": "{{1}} finished", "example": {"body_text": [["x"]]}}
    created = MatonWhatsAppHook().create_template(
        {"name": "run_done", "language": "de", "category": "UTILITY", "components": [body]}
    )
    sandbox_admin.call("POST", f"/_sandbox/templates/{created.id}/approve")  # rather than await the review

    WhatsAppNotifier(to="{{ params.to }}", text="{{ dag.dag_id }} done ({{ reason }})")(
        callback_context(params={"to": ALICE}, reason="success")
    )
    WhatsAppNotifier(
        to=ALICE, template_name="run_done", language="de", template_parameters=["{{ dag.dag_id }}"]
    )(callback_context())

    [(_, _, text), (_, _, template)] = sent(sandbox_admin)
    assert text["body"] == "nightly_load done (success)"
    assert (template["name"], template["language"]["code"]) == ("run_done", "de")
    [component] = template["components"]
    assert component["parameters"] == [{"type": "text", "text": "nightly_load"}]


def test_outside_the_window_without_fallback_is_logged_not_raised(
    sandbox_admin: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    WhatsAppNotifier(to=BOB, text="hello")(callback_context())

    assert sandbox_admin.messages() == []
    logged = "".join(capfd.readouterr())
    assert "1 of 1 recipient(s) failed: +31******321: WhatsAppOutsideWindowError" in logged


@pytest.mark.usefixtures("wrong_maton_key")
def test_a_refused_key_is_logged_not_raised(sandbox_admin: Any, capfd: pytest.CaptureFixture[str]) -> None:
    WhatsAppNotifier(to=ALICE, fallback_template="hello_world")(callback_context())

    assert sandbox_admin.messages() == []
    logged = "".join(capfd.readouterr())
    assert "MatonAuthError" in logged
    assert "wrong-key" not in logged


def test_a_broken_notifier_is_logged_not_raised(capfd: pytest.CaptureFixture[str]) -> None:
    WhatsAppNotifier(to="", text="x")(callback_context())
    WhatsAppNotifier(to=ALICE, text="{{ undefined_thing.attr }}")(callback_context())

    assert "".join(capfd.readouterr()).count("WhatsApp notification failed and was not sent") == 2


def test_long_texts_are_cut_to_the_limit(sandbox_admin: Any) -> None:
    sandbox_admin.inbound(ALICE)

    WhatsAppNotifier(to=ALICE, text="{{ exception }}")(callback_context(exception="x" * 5000))

    [(_, _, text)] = sent(sandbox_admin)
    assert len(text["body"]) == 4096
    assert text["body"].endswith("\u2026")


def test_text_and_template_are_exclusive() -> None:
    with pytest.raises(ValueError, match=r"^WhatsAppNotifier: give either text or template_name, not both$"):
        WhatsAppNotifier(to=ALICE, text="x", template_name="hello_world")


def test_deadline_alert_from_the_triggerer(sandbox_admin: Any) -> None:
    """The triggerer awaits the notifier with only ``dag_run`` and ``deadline`` in its context."""
    sandbox_admin.inbound(ALICE)
    notifier = send_whatsapp_notification(to=[ALICE])
    notifier.context = {  # type: ignore[typeddict-unknown-key]
        "dag_run": SimpleNamespace(dag_id="nightly_load", run_id="scheduled__1"),
        "deadline": SimpleNamespace(id="d1"),
    }

    asyncio.run(_await(notifier))

    [(_, kind, text)] = sent(sandbox_admin)
    assert kind == "text"
    assert text["body"] == "Airflow: DAG nightly_load, run scheduled__1: missed its deadline"


def test_a_deadline_alert_sends_off_the_triggerers_event_loop(
    sandbox_admin: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The send blocks on HTTP: it runs in a worker thread, so the triggerer's loop keeps serving."""
    sandbox_admin.inbound(ALICE)
    threads: dict[str, int] = {}
    send = WhatsAppNotifier.notify

    def recording(self: WhatsAppNotifier, context: Any) -> None:
        threads["send"] = threading.get_ident()
        send(self, context)

    monkeypatch.setattr(WhatsAppNotifier, "notify", recording)
    notifier = send_whatsapp_notification(to=[ALICE])
    notifier.context = {"dag_run": SimpleNamespace(dag_id="d", run_id="r")}  # type: ignore[typeddict-unknown-key]

    async def triggerer() -> None:
        threads["loop"] = threading.get_ident()
        await notifier

    asyncio.run(triggerer())

    assert threads["send"] != threads["loop"]
    assert len(sent(sandbox_admin)) == 1


def test_a_failing_deadline_alert_is_logged_not_raised(capfd: pytest.CaptureFixture[str]) -> None:
    notifier = send_whatsapp_notification(to=[ALICE], text="{{ no_such_variable.x }}")
    notifier.context = {"dag_run": SimpleNamespace(dag_id="d", run_id="r")}

    asyncio.run(_await(notifier))  # rendering fails: logged, not raised

    assert "not sent" in capfd.readouterr().out


async def _await(notifier: WhatsAppNotifier) -> None:
    await notifier


def test_secrets_airflow_knows_are_redacted_before_sending(sandbox_admin: Any) -> None:
    """A database URL with its password, quoted by the exception, never leaves in the text."""
    from airflow.sdk.log import mask_secret

    password = "pg-Secret-9d1f7c"
    mask_secret(password)
    sandbox_admin.inbound(ALICE)
    failure = RuntimeError(f"could not connect to postgresql://etl:{password}@db:5432/dwh")

    WhatsAppNotifier(to=ALICE)(callback_context(exception=failure))
    send_whatsapp_notification(to=BOB, fallback_template="hello_world")(callback_context(exception=failure))

    stored = sandbox_admin.messages()
    assert [m["type"] for m in stored] == ["text", "template"]
    assert "postgresql://etl:***@db:5432/dwh" in stored[0]["body"]["text"]["body"]
    assert password not in str(stored)


def test_a_templates_header_body_and_buttons_are_filled_in_its_language(sandbox_admin: Any) -> None:
    components = [
        {"type": "HEADER", "format": "TEXT", "text": "Run {{1}}", "example": {"header_text": ["x"]}},
        {"type": "BODY", "text": "{{1}} finished", "example": {"body_text": [["x"]]}},
        {
            "type": "BUTTONS",
            "buttons": [
                {"type": "URL", "text": "Open", "url": "https://airflow.example/{{1}}", "example": ["x"]}
            ],
        },
    ]
    created = MatonWhatsAppHook().create_template(
        {"name": "run_report", "language": "nl", "category": "UTILITY", "components": components}
    )
    sandbox_admin.call("POST", f"/_sandbox/templates/{created.id}/approve")
    parameters = {
        "header": ["{{ dag.dag_id }}"],
        "body": ["{{ ti.task_id }}"],
        "buttons": {0: "{{ run_id }}"},
    }

    WhatsAppNotifier(to=ALICE, template_name="run_report", language="nl", template_parameters=parameters)(
        callback_context()
    )

    [(_, kind, template)] = sent(sandbox_admin)
    assert (kind, template["name"], template["language"]["code"]) == ("template", "run_report", "nl")
    assert template["components"] == [
        {"type": "header", "parameters": [{"type": "text", "text": "nightly_load"}]},
        {"type": "body", "parameters": [{"type": "text", "text": "load"}]},
        {
            "type": "button",
            "sub_type": "url",
            "index": 0,
            "parameters": [{"type": "text", "text": "manual__1"}],
        },
    ]


def test_what_happened_is_logged_in_full(sandbox_admin: Any, capfd: pytest.CaptureFixture[str]) -> None:
    send_whatsapp_notification(to=[BOB], fallback_template="hello_world")(callback_context())
    WhatsAppNotifier(to=BOB, text="x")(callback_context())
    WhatsAppNotifier(to="", text="x")(callback_context())

    logged = "".join(capfd.readouterr())
    assert_logged(logged, "Outside the 24-hour window: sending template hello_world instead")
    assert_logged(
        logged,
        "WhatsApp notification: 1 of 1 recipient(s) failed: +31******321: WhatsAppOutsideWindowError:",
        r" \(#131047\) [^\[]+\(HTTP 400, code 131047, fbtrace_id [\w-]+\)",
    )
    assert_logged(
        logged, "WhatsApp notification failed and was not sent: to: at least one recipient is required"
    )
    assert [m["type"] for m in sandbox_admin.messages()] == ["template"]


def test_its_own_sender_and_hook_settings_are_used(
    sandbox_admin: Any, capfd: pytest.CaptureFixture[str]
) -> None:
    sandbox_admin.inbound(ALICE)
    elsewhere = WhatsAppNotifier(
        to=ALICE, text="x", phone_number_id="100000000000999", hook_params={"max_retries": 0}
    )
    assert elsewhere.hook.config.max_retries == 0

    elsewhere(callback_context())

    assert sandbox_admin.messages() == [], "sent from a number the key does not have"
    assert "WhatsApp notification: 1 of 1 recipient(s) failed" in "".join(capfd.readouterr())


def test_the_dags_macros_and_filters_render_the_text(sandbox_admin: Any) -> None:
    sandbox_admin.inbound(ALICE)
    dag = DAG(
        "nightly_load",
        schedule=None,
        start_date=datetime(2025, 1, 1),
        user_defined_macros={"team": "data-eng"},
        user_defined_filters={"shout": str.upper},
    )

    WhatsAppNotifier(to=ALICE, text="{{ team }}: {{ dag.dag_id | shout }}")(callback_context(dag=dag))

    [(_, _, text)] = sent(sandbox_admin)
    assert text["body"] == "data-eng: NIGHTLY_LOAD"


def test_a_serialized_dag_in_the_context_still_renders(sandbox_admin: Any) -> None:
    """``dag.test()`` runs DAG callbacks with a serialized DAG, which cannot make a Jinja environment."""
    sandbox_admin.inbound(ALICE)
    context = callback_context(
        dag=SimpleNamespace(dag_id="nightly_load", render_template_as_native_obj=False)
    )

    WhatsAppNotifier(to=ALICE, text="{{ dag.dag_id }} is done")(context)

    [(_, _, text)] = sent(sandbox_admin)
    assert text["body"] == "nightly_load is done"


def test_a_text_of_exactly_the_limit_is_sent_whole(sandbox_admin: Any) -> None:
    sandbox_admin.inbound(ALICE)
    WhatsAppNotifier(to=ALICE, text="{{ exception }}")(callback_context(exception="y" * 4096))
    [(_, _, text)] = sent(sandbox_admin)
    assert text["body"] == "y" * 4096
