"""Phone numbers and the business profile."""

from __future__ import annotations

from .conftest import Client


def test_phone_number_get_and_list(client: Client) -> None:
    number = client.gateway("GET", client.phone_number_id).json()
    assert number["id"] == client.phone_number_id
    assert number["display_phone_number"] == "+1 555-010-0000"
    assert {
        "verified_name",
        "quality_rating",
        "code_verification_status",
        "platform_type",
        "throughput",
    } <= set(number)
    picked = client.gateway("GET", client.phone_number_id, params={"fields": "display_phone_number"}).json()
    assert picked == {"id": client.phone_number_id, "display_phone_number": "+1 555-010-0000"}
    listed = client.gateway("GET", f"{client.waba_id}/phone_numbers").json()
    assert [n["id"] for n in listed["data"]] == [client.phone_number_id]
    assert "cursors" in listed["paging"]
    bad = client.gateway("GET", client.phone_number_id, params={"fields": "secret"})
    assert bad.status_code == 400


def test_business_profile_get_and_update(client: Client) -> None:
    path = f"{client.phone_number_id}/whatsapp_business_profile"
    update = {"messaging_product": "whatsapp", "about": "Open 9-5", "websites": ["https://example.org"]}
    assert client.gateway("POST", path, json=update).json() == {"success": True}
    answer = client.gateway("GET", path, params={"fields": "about,websites"}).json()
    assert answer["data"][0]["business_profile"] == {
        "messaging_product": "whatsapp",
        "about": "Open 9-5",
        "websites": ["https://example.org"],
    }
    full = client.gateway("GET", path).json()["data"][0]["business_profile"]
    assert full["vertical"] == "OTHER"
    rejected = client.gateway("POST", path, json={"messaging_product": "whatsapp", "about": "x" * 200})
    assert rejected.status_code == 400
