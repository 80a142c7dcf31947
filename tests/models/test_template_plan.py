"""The plan as a reader sees it (table, summary, JSON), and the comparison's rules without a server."""

from __future__ import annotations

from typing import Any

from airflow_provider_whatsapp.models import TemplateInfo
from airflow_provider_whatsapp.models.template_files import load_templates
from airflow_provider_whatsapp.models.template_plan import component_changes, make_plan

BODY = {"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ann"]]}}


def wanted(name: str, **fields: Any) -> dict[str, Any]:
    return {"name": name, "language": "en_US", "category": "UTILITY", "components": [BODY], **fields}


def stored(name: str, status: str = "APPROVED", **fields: Any) -> TemplateInfo:
    answer = {"id": str(100000000000000 + len(name)), "status": status, **wanted(name), **fields}
    return TemplateInfo.from_response(answer)


def test_the_plan_table_summary_and_json() -> None:
    files = load_templates(
        [wanted("new_one"), wanted("same"), wanted("edited", components=[{**BODY, "text": "Yo {{1}}"}])]
    )
    account = [stored("same"), stored("edited"), stored("old_one", status="PAUSED")]

    plan = make_plan(files, account)

    assert plan.table().splitlines() == [
        "action     template  language  status    detail",
        "---------  --------  --------  --------  " + "-" * 55,
        "create     new_one   en_US     -         new UTILITY template",
        "update     edited    en_US     APPROVED  BODY text",
        "unchanged  same      en_US     APPROVED",
        "unmanaged  old_one   en_US     PAUSED    not in the files; kept (delete_missing=True deletes it)",
    ]
    assert plan.summary() == "1 to create, 1 to update, 1 unchanged, 1 unmanaged"
    assert plan.to_json()[1] == {
        "action": "update",
        "name": "edited",
        "language": "en_US",
        "status": "APPROVED",
        "template_id": "100000000000006",
        "origin": "templates[2]",
        "detail": "BODY text",
        "changes": ["BODY text"],
        "result": None,
    }
    applied = make_plan(files, account).writes[0].applied("done", status="PENDING")
    assert (applied.result, applied.status, applied.action) == ("done", "PENDING", "create")


def test_an_applied_plan_shows_each_result() -> None:
    plan = make_plan(load_templates([wanted("new_one")]), [])
    done = type(plan)((plan.items[0].applied("failed", detail="new UTILITY template; WhatsAppAPIError: no"),))

    assert (
        done.table().splitlines()[2]
        == "create  new_one   en_US     -       failed  new UTILITY template; WhatsAppAPIError: no"
    )
    assert done.failed() == list(done.items)


def test_a_rejected_template_that_is_unchanged_says_why_it_was_rejected() -> None:
    plan = make_plan(load_templates([wanted("same")]), [stored("same", "REJECTED", rejected_reason="SCAM")])

    [item] = plan.items
    assert (item.action, item.detail) == ("unchanged", "REJECTED, reason SCAM")


def test_only_what_the_file_gives_is_compared_and_components_in_any_order() -> None:
    mine = [{"type": "FOOTER", "text": "Bye "}, {"type": "body", "text": "Hi"}]
    theirs = [
        {"type": "BODY", "text": "Hi", "add_security_recommendation": True},
        {"type": "FOOTER", "text": "Bye"},
    ]

    assert component_changes(mine, theirs) == []
    assert component_changes(theirs, mine) == ["BODY add_security_recommendation"]
    assert component_changes([{"type": "BODY", "text": "Hi"}], theirs) == ["FOOTER removed"]
    buttons = {"type": "BUTTONS", "buttons": [{"type": "QUICK_REPLY", "text": "A"}]}
    assert component_changes([buttons], [{**buttons, "buttons": [{"type": "QUICK_REPLY", "text": "B"}]}]) == [
        "button 0 text"
    ]
    assert component_changes([buttons], [{**buttons, "buttons": []}]) == ["1 buttons instead of 0"]
    assert component_changes([buttons], []) == ["BUTTONS added"]


def test_a_template_meta_is_deleting_is_blocked_even_unchanged() -> None:
    plan = make_plan(load_templates([wanted("same")]), [stored("same", "PENDING_DELETION")])

    [item] = plan.items
    assert (item.action, item.detail) == (
        "blocked",
        "PENDING_DELETION: Meta is deleting it; its name cannot be used again yet",
    )


def test_a_media_headers_sample_is_metas_own_once_stored() -> None:
    """Meta lists the sample of an IMAGE header as a URL of its own, not the upload handle sent."""
    sent = [{"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::aW1hZ2U="]}}, BODY]
    listed = [{**sent[0], "example": {"header_handle": ["https://scontent.whatsapp.net/v/sample.jpg"]}}, BODY]

    assert component_changes(sent, listed) == []
    assert component_changes([{**sent[0], "format": "VIDEO"}, BODY], listed) == ["HEADER format"]
