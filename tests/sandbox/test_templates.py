"""Templates: send rules (132001 / 132000 / 132015 / 132016), review, pagination, edit, delete."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlparse

from .conftest import REVIEW_DELAY, Client


def definition(
    name: str, body: str = "Hi {{1}}, your order {{2}} has shipped", **extra: Any
) -> dict[str, Any]:
    return {
        "name": name,
        "language": "en_US",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": body, "example": {"body_text": [["Ann", "42"]]}}],
        **extra,
    }


def create(client: Client, body: dict[str, Any]) -> dict[str, Any]:
    answer = client.gateway("POST", f"{client.waba_id}/message_templates", json=body)
    assert answer.status_code == 200, answer.text
    created: dict[str, Any] = answer.json()
    return created


def send(client: Client, name: str, parameters: list[str], language: str = "en_US") -> dict[str, Any]:
    components = [{"type": "body", "parameters": [{"type": "text", "text": p} for p in parameters]}]
    template = {"name": name, "language": {"code": language}, "components": components}
    answer: dict[str, Any] = client.send({"type": "template", "template": template}).json()
    return answer


def status_of(client: Client, template_id: str) -> str:
    status: str = client.gateway("GET", template_id).json()["status"]
    return status


def test_create_review_and_send(client: Client) -> None:
    created = create(client, definition("order_shipped"))
    assert created["status"] == "PENDING"
    assert created["category"] == "UTILITY"
    assert send(client, "order_shipped", ["Ann", "42"])["error"]["code"] == 132001  # still PENDING
    client.advance(REVIEW_DELAY)
    assert status_of(client, created["id"]) == "APPROVED"
    assert "messages" in send(client, "order_shipped", ["Ann", "42"])
    assert send(client, "order_shipped", ["Ann"])["error"]["code"] == 132000
    assert send(client, "order_shipped", ["Ann", "42", "x"])["error"]["code"] == 132000
    assert send(client, "order_shipped", ["Ann", "42"], language="de")["error"]["code"] == 132001
    assert send(client, "no_such_template", [])["error"]["code"] == 132001


def test_hello_world_takes_no_parameters(client: Client) -> None:
    # Maton's reference example sends "John" to hello_world, which Meta answers with 132000.
    assert send(client, "hello_world", ["John"])["error"]["code"] == 132000


def test_rejection_rule(client: Client) -> None:
    by_name = create(client, definition("reject_me"))
    by_link = create(client, definition("promo_link", "Hi {{1}}, see https://bit.ly/x {{2}}"))
    assert status_of(client, by_link["id"]) == status_of(client, by_name["id"]) == "PENDING"
    client.advance(REVIEW_DELAY)
    rejected = client.gateway("GET", by_name["id"]).json()
    assert (rejected["status"], rejected["rejected_reason"]) == ("REJECTED", "INVALID_FORMAT")
    assert client.gateway("GET", by_link["id"]).json()["rejected_reason"] == "SCAM"
    assert send(client, "reject_me", ["a", "b"])["error"]["code"] == 132001


def test_admin_pause_disable_approve(client: Client) -> None:
    created = create(client, definition("flagged"))
    client.admin("POST", f"templates/{created['id']}/approve")
    assert "messages" in send(client, "flagged", ["a", "b"])
    client.admin("POST", f"templates/{created['id']}/pause")
    assert send(client, "flagged", ["a", "b"])["error"]["code"] == 132015
    client.admin("POST", f"templates/{created['id']}/disable")
    assert send(client, "flagged", ["a", "b"])["error"]["code"] == 132016
    client.admin("POST", f"templates/{created['id']}/reject", json={"reason": "PROMOTIONAL"})
    assert client.gateway("GET", created["id"]).json()["rejected_reason"] == "PROMOTIONAL"


def test_duplicate_name_and_language(client: Client) -> None:
    create(client, definition("twice"))
    again = client.gateway("POST", f"{client.waba_id}/message_templates", json=definition("twice"))
    error = again.json()["error"]
    assert (again.status_code, error["code"], error["error_subcode"]) == (400, 100, 2388023)
    create(client, {**definition("twice"), "language": "de"})


def test_invalid_definition_is_rejected(client: Client) -> None:
    answer = client.gateway("POST", f"{client.waba_id}/message_templates", json={"name": "x"})
    assert answer.status_code == 400
    assert answer.json()["error"]["type"] == "OAuthException"


def test_pagination_through_sixty_templates(client: Client) -> None:
    for index in range(59):  # plus the seeded hello_world
        create(client, definition(f"bulk_{index:02d}"))
    seen: list[str] = []
    pages = 0
    params: dict[str, str] = {"limit": "25"}
    while True:
        page = client.gateway("GET", f"{client.waba_id}/message_templates", params=params).json()
        pages += 1
        seen += [template["id"] for template in page["data"]]
        paging = page["paging"]
        if "next" not in paging:
            break
        link = urlparse(paging["next"])
        assert link.netloc == "graph.facebook.com"
        query = parse_qs(link.query)
        assert query["access_token"][0].startswith("EAAG")
        assert query["after"] == [paging["cursors"]["after"]]
        params = {"limit": "25", "after": paging["cursors"]["after"]}
    assert pages == 3
    assert len(seen) == 60
    assert len(set(seen)) == 60
    back = client.gateway(
        "GET",
        f"{client.waba_id}/message_templates",
        params={"limit": "25", "before": page["paging"]["cursors"]["before"]},
    ).json()
    assert [t["id"] for t in back["data"]] == seen[25:50]


def test_filters_and_fields(client: Client) -> None:
    create(client, definition("pending_one"))
    approved = client.gateway(
        "GET", f"{client.waba_id}/message_templates", params={"status": "APPROVED", "fields": "name,status"}
    ).json()
    assert approved["data"] == [
        {"id": approved["data"][0]["id"], "name": "hello_world", "status": "APPROVED"}
    ]
    by_name = client.gateway("GET", f"{client.waba_id}/message_templates", params={"name": "pending"}).json()
    assert [t["name"] for t in by_name["data"]] == ["pending_one"]
    bad = client.gateway("GET", f"{client.waba_id}/message_templates", params={"fields": "nope"})
    assert bad.status_code == 400
    assert bad.json()["error"]["code"] == 100


def test_edit_and_delete(client: Client) -> None:
    created = create(client, definition("editable"))
    client.advance(REVIEW_DELAY)
    assert status_of(client, created["id"]) == "APPROVED"
    edit = {"components": [{"type": "BODY", "text": "Hello {{1}}", "example": {"body_text": [["Ann"]]}}]}
    assert client.gateway("POST", created["id"], json=edit).json() == {"success": True}
    assert status_of(client, created["id"]) == "PENDING"
    client.advance(REVIEW_DELAY)
    assert status_of(client, created["id"]) == "APPROVED"
    assert "messages" in send(client, "editable", ["Ann"])
    deleted = client.gateway("DELETE", f"{client.waba_id}/message_templates", params={"name": "editable"})
    assert deleted.json() == {"success": True}
    missing = client.gateway("GET", created["id"])
    assert (missing.status_code, missing.json()["error"]["error_subcode"]) == (400, 33)
    again = client.gateway("DELETE", f"{client.waba_id}/message_templates", params={"name": "editable"})
    assert again.status_code == 400
