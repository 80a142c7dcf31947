"""The sync through the hook, against the sandbox: every kind of plan item, what Meta's edit rules block,
a second sync and an export's sync with zero writes (counted by the sandbox), and paging."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models.template_files import export_files

from .conftest import DAY, DELIVERY_WINDOW, ORDER_SHIPPED, Account, with_body, write_templates


def actions(plan: Any) -> dict[str, str]:
    """``{name: action}`` of a plan (every template here is en_US)."""
    return {item.name: item.action for item in plan.items}


def test_first_sync_creates_and_a_second_one_writes_nothing(account: Account, tmp_path: Path) -> None:
    files = write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)
    hook = account.hook()

    plan = hook.plan_templates(files)
    assert account.writes() == []
    assert actions(plan) == {
        "order_shipped": "create",
        "delivery_window": "create",
        "hello_world": "unmanaged",
    }

    applied = hook.apply_template_plan(plan)

    created = account.writes()
    assert created == [f"POST /whatsapp-business/v21.0/{account.waba_id}/message_templates"] * 2
    assert {item.name: (item.result, item.status) for item in applied.writes} == {
        "delivery_window": ("done", "PENDING"),
        "order_shipped": ("done", "PENDING"),
    }
    assert sorted(applied.awaiting_review()) == [("delivery_window", "en_US"), ("order_shipped", "en_US")]
    stored = account.templates()
    assert stored[("delivery_window", "en_US")]["parameter_format"] == "NAMED"
    assert stored[("order_shipped", "en_US")]["components"] == ORDER_SHIPPED["components"]

    again = hook.plan_templates(files)
    hook.apply_template_plan(again)

    assert actions(again) == {
        "order_shipped": "unchanged",
        "delivery_window": "unchanged",
        "hello_world": "unmanaged",
    }
    assert again.writes == []
    assert account.writes() == created, "the second sync made no write request"


def test_update_delete_and_unmanaged(account: Account, tmp_path: Path) -> None:
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, ORDER_SHIPPED, DELIVERY_WINDOW)))
    account.approve()
    changed = with_body(ORDER_SHIPPED, "Hello {{1}}, your parcel arrives {{2}}.")
    files = write_templates(tmp_path / "v2", changed)

    kept = hook.plan_templates(files)
    plan = hook.plan_templates(files, delete_missing=True)

    assert actions(kept) == {
        "order_shipped": "update",
        "delivery_window": "unmanaged",
        "hello_world": "unmanaged",
    }
    assert actions(plan) == {"order_shipped": "update", "delivery_window": "delete", "hello_world": "delete"}
    update = next(item for item in plan.items if item.action == "update")
    assert update.detail == "BODY text"
    before = len(account.writes())

    applied = hook.apply_template_plan(plan)

    assert [item.result for item in applied.writes] == ["done"] * 3
    template_id = update.template_id
    assert account.writes()[before:] == [
        f"POST /whatsapp-business/v21.0/{template_id}",
        f"DELETE /whatsapp-business/v21.0/{account.waba_id}/message_templates",
        f"DELETE /whatsapp-business/v21.0/{account.waba_id}/message_templates",
    ]
    stored = account.templates()
    assert list(stored) == [("order_shipped", "en_US")]
    assert stored[("order_shipped", "en_US")]["status"] == "PENDING"
    assert (
        stored[("order_shipped", "en_US")]["components"][1]["text"]
        == "Hello {{1}}, your parcel arrives {{2}}."
    )


@pytest.mark.parametrize(
    ("change", "status", "reason"),
    [
        ({"category": "MARKETING"}, "APPROVED", "category UTILITY -> MARKETING; the category of an APPROVED"),
        ({"body": "Hi {{1}}, it arrives {{2}}."}, "PENDING", "BODY text; PENDING: Meta is reviewing it"),
        ({"body": "Hi {{1}}, it arrives {{2}}."}, "DISABLED", "BODY text; DISABLED: only APPROVED, REJECTED"),
        ({"format": "NAMED"}, "APPROVED", "parameter_format POSITIONAL -> NAMED: a template cannot switch"),
    ],
)
def test_edits_that_metas_rules_refuse_are_blocked_and_not_sent(
    account: Account, tmp_path: Path, change: dict[str, str], status: str, reason: str
) -> None:
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, ORDER_SHIPPED)))
    if status != "PENDING":
        account.approve()
    if status == "DISABLED":
        account.template_action("order_shipped", "disable")
    wanted = with_body(ORDER_SHIPPED, change["body"]) if "body" in change else dict(ORDER_SHIPPED)
    if "category" in change:
        wanted["category"] = change["category"]
    if "format" in change:
        wanted = {**DELIVERY_WINDOW, "name": "order_shipped"}
    before = account.writes()

    plan = hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path / "v2", wanted)))

    [item] = [item for item in plan.items if item.name == "order_shipped"]
    assert (item.action, item.status) == ("blocked", status)
    assert reason in item.detail
    assert account.writes() == before


def test_a_rejected_template_takes_new_components_and_category(account: Account, tmp_path: Path) -> None:
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, ORDER_SHIPPED)))
    account.template_action("order_shipped", "reject", reason="INCORRECT_CATEGORY")
    assert actions(hook.plan_templates(write_templates(tmp_path / "same", ORDER_SHIPPED)))[
        "order_shipped"
    ] == ("unchanged")
    fixed = {**with_body(ORDER_SHIPPED, "Hi {{1}}, arriving {{2}}."), "category": "MARKETING"}

    plan = hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path / "v2", fixed)))

    [item] = [item for item in plan.items if item.name == "order_shipped"]
    assert (item.action, item.result, item.detail) == (
        "update",
        "done",
        "category UTILITY -> MARKETING; BODY text",
    )
    stored = account.templates()[("order_shipped", "en_US")]
    assert (stored["category"], stored["status"]) == ("MARKETING", "PENDING")


def test_an_approved_template_edited_again_within_a_day_is_blocked_by_meta(
    account: Account, tmp_path: Path
) -> None:
    """Meta allows an APPROVED template one edit in 24 hours: the API does not say so beforehand, so the
    second edit is sent, refused, and reported blocked with Meta's reason; a day later it goes through."""
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, ORDER_SHIPPED)))
    account.approve()
    first = with_body(ORDER_SHIPPED, "Hi {{1}}, arriving {{2}}.")
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path / "v2", first)))
    account.approve()
    second = write_templates(tmp_path / "v3", with_body(ORDER_SHIPPED, "Hi {{1}}, it arrives {{2}}."))

    refused = hook.apply_template_plan(hook.plan_templates(second))

    [item] = [item for item in refused.items if item.name == "order_shipped"]
    assert (item.action, item.result) == ("blocked", "refused")
    assert "Meta refused the edit" in item.detail
    assert "1 time(s) in 1 day(s)" in item.detail
    assert refused.failed() == []

    account.admin.advance_clock(DAY)
    later = hook.apply_template_plan(hook.plan_templates(second))
    assert [(item.action, item.result) for item in later.writes] == [("update", "done")]


def test_an_edit_of_a_template_deleted_meanwhile_fails_and_is_not_called_blocked(
    account: Account, tmp_path: Path
) -> None:
    """Graph's 100 with subcode 33 (no such object) is a failure to report, not Meta's edit limits."""
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(write_templates(tmp_path, ORDER_SHIPPED)))
    account.approve()
    plan = hook.plan_templates(
        write_templates(tmp_path / "v2", with_body(ORDER_SHIPPED, "Hi {{1}}, on {{2}}."))
    )
    template_id = account.templates()[("order_shipped", "en_US")]["id"]
    path = f"/whatsapp-business/v21.0/{account.waba_id}/message_templates"
    account.admin.call("DELETE", path, params={"name": "order_shipped", "hsm_id": template_id})

    applied = hook.apply_template_plan(plan)

    [item] = [item for item in applied.items if item.name == "order_shipped"]
    assert (item.action, item.result) == ("update", "failed")
    assert "WhatsAppNotFoundError" in item.detail or "code 100" in item.detail, item.detail
    assert applied.failed() == [item]


def test_a_category_meta_changed_is_drift_not_an_edit(account: Account, tmp_path: Path) -> None:
    hook = account.hook()
    files = write_templates(tmp_path, ORDER_SHIPPED)
    hook.apply_template_plan(hook.plan_templates(files))
    account.approve()
    account.template_action("order_shipped", "category", category="MARKETING")
    before = account.writes()

    drifted = hook.apply_template_plan(hook.plan_templates(files))
    changed = hook.plan_templates(
        write_templates(tmp_path / "v2", with_body(ORDER_SHIPPED, "Hi {{1}}: {{2}}."))
    )
    accepted = hook.plan_templates(
        write_templates(tmp_path / "v3", {**ORDER_SHIPPED, "category": "MARKETING"})
    )

    [item] = [item for item in drifted.items if item.name == "order_shipped"]
    assert item.action == "drift"
    assert item.detail.startswith(
        "Meta changed the category UTILITY -> MARKETING; the file still says UTILITY"
    )
    assert account.writes() == before
    [edit] = changed.writes
    assert edit.edit is not None
    assert "category" not in edit.edit, "the edit leaves Meta's category alone"
    assert "Meta changed the category" in edit.detail
    assert actions(accepted)["order_shipped"] == "unchanged"


def test_what_the_server_rewrites_is_not_a_change(account: Account, tmp_path: Path) -> None:
    """Made in WhatsApp Manager with component types in lower case and a phone number with spaces; the file
    writes them in upper case, in another component order, with text padded by a YAML block."""
    account.create(
        {
            "name": "call_us",
            "language": "en_US",
            "category": "UTILITY",
            "components": [
                {"type": "body", "text": "Questions? Call us."},
                {
                    "type": "buttons",
                    "buttons": [{"type": "phone_number", "text": "Call", "phone_number": "+1 555 0100"}],
                },
            ],
        }
    )
    wanted = {
        "name": "call_us",
        "language": "en_US",
        "category": "UTILITY",
        "components": [
            {
                "type": "BUTTONS",
                "buttons": [{"type": "PHONE_NUMBER", "text": "Call", "phone_number": "+15550100"}],
            },
            {"type": "BODY", "text": "Questions? Call us.\n"},
        ],
    }

    plan = account.hook().plan_templates([wanted])

    assert actions(plan)["call_us"] == "unchanged"


def test_paging_over_more_than_two_pages(account: Account, tmp_path: Path) -> None:
    names = [f"notice_{number:02d}" for number in range(10)]
    definitions = [{**ORDER_SHIPPED, "name": name} for name in names]
    files = write_templates(tmp_path, *definitions)
    hook = account.hook()
    hook.apply_template_plan(hook.plan_templates(files, page_size=3))
    listed = account.gets()

    plan = hook.plan_templates(files, page_size=3)

    assert account.gets() - listed == 4, "11 templates, 3 a page"
    assert [item.name for item in plan.items if item.action == "unchanged"] == names
    assert [item.action for item in plan.items if item.name == "hello_world"] == ["unmanaged"]


def test_export_then_sync_of_the_export_writes_nothing(docs_account: Account, tmp_path: Path) -> None:
    hook = docs_account.hook()
    for name, text in export_files(hook.export_templates()).items():
        (tmp_path / name).write_text(text)

    plan = hook.apply_template_plan(hook.plan_templates(tmp_path, delete_missing=True))

    assert sorted(path.name for path in tmp_path.iterdir()) == [
        "delivery_update.yaml",
        "hello_world.yaml",
        "monthly_report.yaml",
        "order_confirmation.yaml",
        "pipeline_alert.yaml",
    ]
    assert {item.action for item in plan.items} == {"unchanged"}
    assert docs_account.writes() == []


def test_bad_files_fail_before_any_request(account: Account, tmp_path: Path) -> None:
    broken = {**ORDER_SHIPPED, "components": [{"type": "BODY", "text": "Hi {{1}}"}]}

    with pytest.raises(WhatsAppValidationError) as caught:
        account.hook().plan_templates(write_templates(tmp_path, broken))

    [(field, rule)] = caught.value.errors
    assert field.endswith("templates.yaml: order_shipped (en_US): components.0 (BODY)")
    assert rule == "example values are required when the text has variables"
    assert account.admin.requests_log() == []
