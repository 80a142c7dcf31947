"""The sync and export operators' ``execute()`` against the sandbox: the plan in the log and XCom, a dry
run and a second run with zero writes, files from object storage, the deferred wait for approval, failed
writes, and an export whose sync writes nothing."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException, TaskDeferred
from airflow.sdk import ObjectStoragePath
from airflow.sdk.module_loading import import_string

from airflow_provider_whatsapp.operators import WhatsAppExportTemplatesOperator, WhatsAppSyncTemplatesOperator
from tests.task_instance import RecordingTI

from .conftest import DELIVERY_WINDOW, ORDER_SHIPPED, Account, with_body, write_templates


def run(operator: Any) -> Any:
    return operator.execute({"ti": RecordingTI()})


def rows(plan: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(row["action"], row["name"]) for row in plan]


def test_a_dry_run_logs_the_plan_and_writes_nothing(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)

    plan = run(
        WhatsAppSyncTemplatesOperator(task_id="sync", templates=files, dry_run=True, wait_for_approval=True)
    )

    assert rows(plan) == [
        ("create", "delivery_window"),
        ("create", "order_shipped"),
        ("unmanaged", "hello_world"),
    ]
    assert account.writes() == []
    assert account.templates().keys() == {("hello_world", "en_US")}
    out = capsys.readouterr().out
    assert "Template plan: 2 to create, 1 unmanaged (dry run: nothing is applied)" in out
    assert "action     template         language  status    detail" in out
    assert "create     order_shipped    en_US     -         new UTILITY template" in out


def test_a_sync_applies_and_the_next_one_writes_nothing(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)

    first = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))
    writes = account.writes()
    second = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))

    assert [(row["action"], row["result"], row["status"]) for row in first[:2]] == [
        ("create", "done", "PENDING")
    ] * 2
    assert len(writes) == 2
    assert rows(second) == [
        ("unchanged", "delivery_window"),
        ("unchanged", "order_shipped"),
        ("unmanaged", "hello_world"),
    ]
    assert account.writes() == writes
    assert "Template plan: 2 unchanged, 1 unmanaged (0 write(s))" in capsys.readouterr().out
    json.dumps(first)  # XCom takes JSON


def test_templates_from_object_storage_and_as_dicts(account: Account, tmp_path: Path) -> None:
    folder = tmp_path / "templates"
    write_templates(folder, ORDER_SHIPPED, name="shipped.yaml")
    (folder / "more").mkdir()
    (folder / "more" / "delivery.json").write_text(json.dumps(DELIVERY_WINDOW))

    by_url = run(WhatsAppSyncTemplatesOperator(task_id="a", templates=f"file://{folder}", dry_run=True))
    by_path = run(
        WhatsAppSyncTemplatesOperator(
            task_id="b", templates=ObjectStoragePath(f"file://{folder}"), dry_run=True
        )
    )
    by_dicts = run(
        WhatsAppSyncTemplatesOperator(task_id="c", templates=[ORDER_SHIPPED, DELIVERY_WINDOW], dry_run=True)
    )

    assert rows(by_url) == rows(by_path) == rows(by_dicts)
    assert [row["origin"] for row in by_url[:2]] == [
        f"file://{folder}/more/delivery.json",
        f"file://{folder}/shipped.yaml",
    ]
    assert [row["origin"] for row in by_dicts[:2]] == ["templates[1]", "templates[0]"]


def test_bad_files_fail_for_good_before_any_request(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, {**ORDER_SHIPPED, "name": "Order Shipped"})

    with pytest.raises(AirflowFailException, match=r"Order Shipped \(en_US\): name: only lowercase letters"):
        run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))
    assert account.admin.requests_log() == []


def first_event(trigger: Any) -> dict[str, Any]:
    """Run a trigger as the triggerer does, until its first event."""

    async def main() -> dict[str, Any]:
        event = await asyncio.wait_for(anext(trigger.run()), 30)
        payload: dict[str, Any] = event.payload
        return payload

    return asyncio.run(main())


def test_the_sync_waits_deferred_for_what_it_created(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)
    sync = WhatsAppSyncTemplatesOperator(
        task_id="sync", templates=files, wait_for_approval=True, poke_interval=0.1, approval_timeout=600
    )

    ti = RecordingTI()
    with pytest.raises(TaskDeferred) as deferred:
        sync.execute({"ti": ti})  # type: ignore[typeddict-item]

    classpath, kwargs = deferred.value.trigger.serialize()
    assert classpath == "airflow_provider_whatsapp.triggers.template.WhatsAppTemplatesApprovedTrigger"
    assert kwargs["templates"] == [["delivery_window", "en_US"], ["order_shipped", "en_US"]]
    assert account.admin.api_key not in repr(kwargs)
    assert deferred.value.method_name == "execute_complete"
    plan = ti.pushed["plan"]
    assert rows(plan)[:2] == [("create", "delivery_window"), ("create", "order_shipped")]

    trigger = import_string(classpath)(**kwargs)
    waiting = trigger.check(account.hook())
    assert (waiting.state, waiting.message) == (
        "waiting",
        "template delivery_window (en_US) is PENDING; template order_shipped (en_US) is PENDING",
    )
    account.approve()
    event = first_event(trigger)

    assert event["state"] == "done"
    assert event["message"] == "2 templates are APPROVED"
    assert sync.execute_complete({"ti": ti}, event) == plan  # type: ignore[typeddict-item]


def test_the_wait_fails_when_meta_rejects_one(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, {**DELIVERY_WINDOW, "name": "reject_delivery_window"})
    sync = WhatsAppSyncTemplatesOperator(
        task_id="sync", templates=files, wait_for_approval=True, poke_interval=0.1
    )
    with pytest.raises(TaskDeferred) as deferred:
        run(sync)
    account.approve()

    event = first_event(deferred.value.trigger)

    assert event["state"] == "failed"
    assert event["message"] == "template reject_delivery_window (en_US) is REJECTED, reason: INVALID_FORMAT"
    with pytest.raises(AirflowFailException, match="is REJECTED"):
        sync.execute_complete({}, event)  # type: ignore[typeddict-item]


def test_nothing_in_review_means_no_wait(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED)
    run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))
    account.approve()

    plan = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files, wait_for_approval=True))

    assert rows(plan)[0] == ("unchanged", "order_shipped")


def test_a_rerun_while_in_review_waits_again(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED)
    run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))

    with pytest.raises(TaskDeferred) as deferred:
        run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files, wait_for_approval=True))

    assert deferred.value.trigger.templates == [["order_shipped", "en_US"]]


def test_failed_writes_fail_the_task_after_trying_each(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)
    account.admin.set_faults(script=["ok", "500"])  # the listing answers, the first create gets a 500
    ti = RecordingTI()

    with pytest.raises(
        AirflowException, match=r"1 of 2 template write\(s\) failed: create delivery_window"
    ) as failed:
        WhatsAppSyncTemplatesOperator(task_id="sync", templates=files).execute({"ti": ti})  # type: ignore[typeddict-item]

    assert not isinstance(failed.value, AirflowFailException), "a retry plans again: it may help"
    assert [(row["name"], row["result"]) for row in ti.pushed["plan"][:2]] == [
        ("delivery_window", "failed"),
        ("order_shipped", "done"),
    ]
    assert account.templates().keys() == {("hello_world", "en_US"), ("order_shipped", "en_US")}
    retried = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=files))
    assert rows(retried)[:2] == [("create", "delivery_window"), ("unchanged", "order_shipped")]


def test_blocked_edits_are_logged_and_do_not_fail_the_task(
    account: Account, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=write_templates(tmp_path, ORDER_SHIPPED)))
    changed = write_templates(
        tmp_path / "v2", with_body(ORDER_SHIPPED, "Hi {{1}}, soon: {{2}}."), DELIVERY_WINDOW
    )

    plan = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=changed))

    assert rows(plan)[:2] == [("create", "delivery_window"), ("blocked", "order_shipped")]
    assert (
        "Not applied: order_shipped (en_US): BODY text; PENDING: Meta is reviewing it"
        in capsys.readouterr().out
    )


@pytest.mark.parametrize("target", ["folder", "all.yaml", "all.json"])
def test_export_then_sync_of_the_export_writes_nothing(
    docs_account: Account, tmp_path: Path, target: str
) -> None:
    path = tmp_path / target

    written = run(WhatsAppExportTemplatesOperator(task_id="export", path=str(path)))
    plan = run(WhatsAppSyncTemplatesOperator(task_id="sync", templates=path, delete_missing=True))

    assert len(written) == (5 if target == "folder" else 1)
    assert {row["action"] for row in plan} == {"unchanged"}
    assert len(plan) == 5
    assert docs_account.writes() == []
    if target == "all.yaml":
        assert [t["name"] for t in yaml.safe_load(path.read_text())][:2] == ["hello_world", "pipeline_alert"]


def test_export_to_object_storage(docs_account: Account, tmp_path: Path) -> None:
    written = run(WhatsAppExportTemplatesOperator(task_id="export", path=f"file://{tmp_path}/exported"))

    assert sorted(Path(name).name for name in written) == sorted(
        p.name for p in (tmp_path / "exported").iterdir()
    )
    named = yaml.safe_load((tmp_path / "exported" / "delivery_update.yaml").read_text())
    assert (named["parameter_format"], named["components"][0]["text"]) == (
        "NAMED",
        "Hi {{first_name}}, order {{order_id}} arrives on {{delivery_date}}.",
    )
