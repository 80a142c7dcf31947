"""Templates as code, the sandbox side: seeds, named parameters, header kinds, buttons, Meta's edit rules,
a category Meta changes by itself, and paging over many pages."""

from __future__ import annotations

from typing import Any

import pytest

from airflow_provider_whatsapp.sandbox.seeds import DOC_TEMPLATES, HELLO_WORLD
from airflow_provider_whatsapp.sandbox.validation import validate_template_definition

from .conftest import REVIEW_DELAY, Client, new_client

DAY = 24 * 60 * 60
NAMED = {
    "name": "named_hello",
    "language": "en_US",
    "category": "UTILITY",
    "parameter_format": "NAMED",
    "components": [
        {
            "type": "BODY",
            "text": "Hi {{first_name}}, order {{order_id}} is ready",
            "example": {
                "body_text_named_params": [
                    {"param_name": "first_name", "example": "Ann"},
                    {"param_name": "order_id", "example": "42"},
                ]
            },
        }
    ],
}


def create(client: Client, body: dict[str, Any], approve: bool = True) -> str:
    answer = client.gateway("POST", f"{client.waba_id}/message_templates", json=body)
    assert answer.status_code == 200, answer.text
    if approve:
        client.advance(REVIEW_DELAY)
    template_id: str = answer.json()["id"]
    return template_id


def send(client: Client, name: str, components: list[dict[str, Any]]) -> dict[str, Any]:
    template = {"name": name, "language": {"code": "en_US"}, "components": components}
    answer: dict[str, Any] = client.send({"type": "template", "template": template}).json()
    return answer


def error_of(answer: dict[str, Any]) -> tuple[int, str]:
    return answer["error"]["code"], answer["error"]["error_data"]["details"]


@pytest.mark.parametrize("definition", [HELLO_WORLD, *DOC_TEMPLATES], ids=lambda d: d["name"])
def test_every_seed_is_a_valid_definition(definition: dict[str, Any]) -> None:
    assert validate_template_definition(definition) is None


def test_started_keys_get_the_documented_templates_and_new_keys_only_hello_world(
    client: Client, unlimited_sandbox: Any
) -> None:
    def names(of: Client) -> list[str]:
        data = of.gateway("GET", f"{of.waba_id}/message_templates").json()["data"]
        return [t["name"] for t in data]

    assert names(client) == ["hello_world"]
    seeded = new_client(unlimited_sandbox.url, templates="docs")
    assert names(seeded) == [t["name"] for t in (HELLO_WORLD, *DOC_TEMPLATES)]
    seeded.admin("POST", "reset")
    assert names(seeded) == [t["name"] for t in (HELLO_WORLD, *DOC_TEMPLATES)]
    assert (
        client.session.post(f"{client.base_url}/_sandbox/keys", json={"templates": "all"}).status_code == 400
    )


def test_named_parameters_must_match_by_name(client: Client) -> None:
    create(client, NAMED)

    def body(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
        parameters = [{"type": "text", "parameter_name": n, "text": v} for n, v in pairs]
        return [{"type": "body", "parameters": parameters}]

    assert "messages" in send(client, "named_hello", body(("order_id", "42"), ("first_name", "Ann")))
    code, details = error_of(send(client, "named_hello", body(("first_name", "Ann"), ("order", "42"))))
    assert code == 132000
    assert "first_name, order_id" in details
    unnamed = [
        {"type": "body", "parameters": [{"type": "text", "text": "Ann"}, {"type": "text", "text": "4"}]}
    ]
    assert error_of(send(client, "named_hello", unnamed))[0] == 132000
    positional_with_names = [
        {"type": "body", "parameters": [{"type": "text", "parameter_name": "x", "text": "A"}]}
    ]
    create(
        client,
        {
            **NAMED,
            "name": "positional",
            "parameter_format": "POSITIONAL",
            "components": [{"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ann"]]}}],
        },
    )
    assert error_of(send(client, "positional", positional_with_names))[0] == 132000


def test_named_definitions_are_checked(client: Client) -> None:
    wrong_example = {
        **NAMED,
        "components": [
            {
                **NAMED["components"][0],
                "example": {"body_text_named_params": [{"param_name": "first_name", "example": "Ann"}]},
            }
        ],
    }
    answer = client.gateway("POST", f"{client.waba_id}/message_templates", json=wrong_example)
    assert answer.status_code == 400
    assert "param_name" in answer.json()["error"]["error_data"]["details"]
    named_as_positional = {**NAMED, "parameter_format": "POSITIONAL"}
    answer = client.gateway("POST", f"{client.waba_id}/message_templates", json=named_as_positional)
    assert "NAMED" in answer.json()["error"]["error_data"]["details"]


def test_header_media_kind_and_buttons_are_checked(client: Client) -> None:
    create(
        client,
        {
            "name": "with_image",
            "language": "en_US",
            "category": "MARKETING",
            "components": [
                {"type": "HEADER", "format": "IMAGE", "example": {"header_handle": ["4::x"]}},
                {"type": "BODY", "text": "Look"},
                {
                    "type": "BUTTONS",
                    "buttons": [
                        {
                            "type": "URL",
                            "text": "Open",
                            "url": "https://example.com/{{1}}",
                            "example": ["https://example.com/a"],
                        },
                        {"type": "QUICK_REPLY", "text": "Stop"},
                    ],
                },
            ],
        },
    )
    image = {
        "type": "header",
        "parameters": [{"type": "image", "image": {"link": "https://example.com/a.jpg"}}],
    }
    url = {"type": "button", "sub_type": "url", "index": "0", "parameters": [{"type": "text", "text": "a"}]}
    assert "messages" in send(client, "with_image", [image, url])
    document = {
        "type": "header",
        "parameters": [{"type": "document", "document": {"link": "https://e.com/a.pdf"}}],
    }
    code, details = error_of(send(client, "with_image", [document, url]))
    assert (code, details) == (
        132012,
        "header: a parameter of type document where the template expects image",
    )
    wrong_sub_type = {**url, "sub_type": "quick_reply"}
    assert error_of(send(client, "with_image", [image, wrong_sub_type]))[0] == 132012
    payload = {
        "type": "button",
        "sub_type": "quick_reply",
        "index": "1",
        "parameters": [{"type": "text", "text": "x"}],
    }
    assert error_of(send(client, "with_image", [image, url, payload]))[0] == 132012
    assert error_of(send(client, "with_image", [image]))[0] == 132000  # the URL button needs its parameter
    missing = {"type": "header", "parameters": []}
    assert error_of(send(client, "with_image", [missing, url]))[0] == 132000


def test_meta_edit_rules(client: Client) -> None:
    body = {
        "name": "editable",
        "language": "en_US",
        "category": "UTILITY",
        "components": [{"type": "BODY", "text": "Version 1"}],
    }
    template_id = create(client, body, approve=False)

    def edit(text: str, **extra: Any) -> Any:
        return client.gateway(
            "POST", template_id, json={"components": [{"type": "BODY", "text": text}], **extra}
        )

    assert "PENDING" in edit("Too early").json()["error"]["error_data"]["details"]
    client.advance(REVIEW_DELAY)
    assert "category" in edit("Other category", category="MARKETING").json()["error"]["error_data"]["details"]
    assert edit("Version 2").json() == {"success": True}
    client.advance(REVIEW_DELAY)
    refused = edit("Version 3 on the same day")
    assert (refused.status_code, refused.json()["error"]["code"]) == (400, 100)
    assert "1 time(s) in 1 day(s)" in refused.json()["error"]["error_data"]["details"]
    for version in range(3, 12):  # one a day: version 11 is the 10th edit within 30 days
        client.advance(DAY)
        answer = edit(f"Version {version}")
        assert answer.status_code == 200, answer.text
        client.advance(REVIEW_DELAY)
    client.advance(DAY)
    assert "10 time(s) in 30 day(s)" in edit("Version 12").json()["error"]["error_data"]["details"]
    client.admin("POST", f"templates/{template_id}/pause")
    for text in ("Paused edit 1", "Paused edit 2"):  # PAUSED and REJECTED templates: no limit
        assert edit(text).status_code == 200
        client.admin("POST", f"templates/{template_id}/pause")
    client.admin("POST", f"templates/{template_id}/disable")
    assert "DISABLED" in edit("Disabled").json()["error"]["error_data"]["details"]


def test_meta_changes_a_category_by_itself(client: Client) -> None:
    template_id = create(
        client,
        {
            "name": "recategorised",
            "language": "en_US",
            "category": "UTILITY",
            "components": [{"type": "BODY", "text": "Sale!"}],
        },
    )
    changed = client.admin("POST", f"templates/{template_id}/category", json={"category": "MARKETING"}).json()
    assert (changed["category"], changed["previous_category"]) == ("MARKETING", "UTILITY")
    read = client.gateway("GET", template_id, params={"fields": "category,previous_category"}).json()
    assert read == {"id": template_id, "category": "MARKETING", "previous_category": "UTILITY"}
    bad = client.admin("POST", f"templates/{template_id}/category", json={"category": "PROMO"})
    assert bad.status_code == 400


def test_paging_over_many_pages_sees_each_template_once_in_order(client: Client) -> None:
    names = [f"bulk_{i:03d}" for i in range(57)]
    for name in names:
        create(
            client,
            {
                "name": name,
                "language": "en_US",
                "category": "UTILITY",
                "components": [{"type": "BODY", "text": name}],
            },
            approve=False,
        )
    seen: list[str] = []
    params: dict[str, Any] = {"limit": 5}
    pages = 0
    while True:
        page = client.gateway("GET", f"{client.waba_id}/message_templates", params=params).json()
        pages += 1
        seen += [t["name"] for t in page["data"]]
        if "next" not in page.get("paging", {}):
            break
        params = {"limit": 5, "after": page["paging"]["cursors"]["after"]}
    assert seen == ["hello_world", *names]
    assert pages == 12
    back = client.gateway(
        "GET",
        f"{client.waba_id}/message_templates",
        params={"limit": 5, "before": page["paging"]["cursors"]["before"]},
    ).json()
    assert [t["name"] for t in back["data"]] == names[-8:-3]
