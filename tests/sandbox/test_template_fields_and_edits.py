"""What a template sync relies on, the sandbox side: ``fields`` may ask for ``previous_category`` (Graph
leaves it out of a template Meta never moved), and an edit of a NAMED template is judged as NAMED."""

from __future__ import annotations

from .conftest import Client
from .test_template_rules import NAMED, create


def test_previous_category_is_given_only_where_meta_changed_the_category(client: Client) -> None:
    moved = create(client, {**NAMED, "name": "moved"})
    create(client, {**NAMED, "name": "kept"})
    client.admin("POST", f"templates/{moved}/category", json={"category": "MARKETING"})

    answer = client.gateway(
        "GET", f"{client.waba_id}/message_templates", params={"fields": "name,category,previous_category"}
    )

    assert answer.status_code == 200, answer.text
    records = {record["name"]: record for record in answer.json()["data"]}
    assert records["moved"] == {
        "id": moved,
        "name": "moved",
        "category": "MARKETING",
        "previous_category": "UTILITY",
    }
    assert "previous_category" not in records["kept"]
    unknown = client.gateway("GET", f"{client.waba_id}/message_templates", params={"fields": "name,colour"})
    assert unknown.status_code == 400
    assert "(colour)" in unknown.json()["error"]["message"]


def test_an_edit_of_a_named_template_is_judged_with_named_variables(client: Client) -> None:
    template_id = create(client, NAMED)
    components = [{**NAMED["components"][0], "text": "Hello {{first_name}}, {{order_id}} is ready"}]

    edited = client.gateway("POST", template_id, json={"components": components})
    positional = client.gateway(
        "POST",
        template_id,
        json={"components": [{"type": "BODY", "text": "Hi {{1}}", "example": {"body_text": [["Ann"]]}}]},
    )

    assert edited.status_code == 200, edited.text
    assert positional.status_code == 400
    assert "lowercase name" in positional.json()["error"]["error_data"]["details"]
