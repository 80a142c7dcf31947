"""The API's answers parse (extra fields kept) and never show secrets or full phone numbers in reprs."""

from __future__ import annotations

import pytest

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.models import (
    BusinessProfile,
    BusinessProfileUpdate,
    MatonConnection,
    MediaInfo,
    PhoneNumberInfo,
    SendResult,
    TemplateCreateResult,
    TemplateInfo,
    validate_model,
)
from airflow_provider_whatsapp.models.common import read_answer

try:
    from airflow_provider_whatsapp.sandbox.validation import validate_business_profile_update
except ImportError:  # pragma: no cover
    validate_business_profile_update = None  # type: ignore[assignment]


def test_send_result_from_response() -> None:
    answer = {
        "messaging_product": "whatsapp",
        "contacts": [{"input": "+31612345789", "wa_id": "31612345789"}],
        "messages": [{"id": "wamid.HBgL", "message_status": "accepted"}],
    }
    result = SendResult.from_response(answer)
    assert (result.message_id, result.wa_id, result.input, result.message_status) == (
        "wamid.HBgL",
        "31612345789",
        "+31612345789",
        "accepted",
    )
    assert "612345" not in repr(result)
    assert "612345" not in str(result)
    assert "31******789" in repr(result)


def test_send_result_without_message_id() -> None:
    with pytest.raises(WhatsAppValidationError):
        SendResult.from_response({"messages": []})


def test_media_info_coerces_size_and_hides_url() -> None:
    info = MediaInfo.model_validate(
        {
            "id": "1",
            "url": "https://lookaside.fbsbx.com/x?hash=SIG",
            "mime_type": "image/jpeg",
            "sha256": "h",
            "file_size": "303833",
            "messaging_product": "whatsapp",
        }
    )
    assert info.file_size == 303833
    assert "SIG" not in repr(info)


def test_template_info_keeps_unknown_fields() -> None:
    info = TemplateInfo.model_validate(
        {
            "id": "1",
            "name": "hello_world",
            "language": "en_US",
            "status": "APPROVED",
            "category": "MARKETING",
            "components": [{"type": "BODY", "text": "Hi"}],
            "previous_category": "ACCOUNT_UPDATE",
            "sub_category": "NEW",
        }
    )
    assert info.components == [{"type": "BODY", "text": "Hi"}]
    assert info.model_extra == {"sub_category": "NEW"}
    assert (
        TemplateCreateResult.model_validate({"id": "1", "status": "PENDING", "category": "UTILITY"}).status
        == "PENDING"
    )


def test_phone_number_info() -> None:
    number = PhoneNumberInfo.model_validate(
        {
            "id": "1906385232743451",
            "display_phone_number": "+1 631-555-5555",
            "verified_name": "Jasper's Market",
            "quality_rating": "GREEN",
            "status": "LINKED",
        }
    )
    assert (number.quality_rating, number.status, number.verified_name) == (
        "GREEN",
        "LINKED",
        "Jasper's Market",
    )


@pytest.mark.parametrize(
    "answer",
    [
        {
            "data": [
                {
                    "about": "Hi",
                    "websites": ["https://a.example"],
                    "vertical": "RETAIL",
                    "messaging_product": "whatsapp",
                }
            ]
        },
        {
            "data": [
                {
                    "business_profile": {
                        "about": "Hi",
                        "websites": ["https://a.example"],
                        "vertical": "RETAIL",
                        "messaging_product": "whatsapp",
                    }
                }
            ]
        },
    ],
)
def test_business_profile_from_both_answer_shapes(answer: dict[str, object]) -> None:
    profile = BusinessProfile.from_response(answer)
    assert (profile.about, profile.websites, profile.vertical) == ("Hi", ["https://a.example"], "RETAIL")


def test_business_profile_update_limits() -> None:
    update = BusinessProfileUpdate(
        about="a" * 139,
        address="b" * 256,
        description="c" * 512,
        email="x" * 118 + "@b.example",
        websites=["https://a.example/" + "x" * 238, "http://b.example"],
        vertical="RESTAURANT",
    )
    body = update.to_api()
    assert body["messaging_product"] == "whatsapp"
    if validate_business_profile_update is not None:
        assert validate_business_profile_update(body) is None
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(
            BusinessProfileUpdate,
            {
                "about": "a" * 140,
                "address": "b" * 257,
                "description": "c" * 513,
                "email": "x" * 119 + "@b.example",
                "websites": ["https://a", "https://b", "https://c"],
                "vertical": "SPACE",
            },
        )
    fields = [field for field, _ in caught.value.errors]
    assert fields == ["about", "address", "description", "email", "websites", "vertical"]
    with pytest.raises(WhatsAppValidationError) as caught:
        BusinessProfileUpdate(about="", websites=["example.com"], email="nope")
    assert caught.value.errors == [
        ("about", "must not be empty"),
        ("email", "must be an e-mail address"),
        ("websites.0", "must be an http(s) URL"),
    ]


def test_maton_connection_hides_session_url() -> None:
    answer = {
        "connection": {
            "connection_id": "21fd90f9-5935-43cd-b6c8-bde9d915ca80",
            "status": "PENDING",
            "creation_time": "2025-12-08T07:20:53.488460Z",
            "last_updated_time": "2026-01-31T20:03:32.593153Z",
            "url": "https://connect.maton.ai/?session_token=SECRET-TOKEN",
            "app": "whatsapp-business",
            "method": "OAUTH2",
            "metadata": {},
        }
    }
    connection = MatonConnection.from_response(answer)
    assert connection.url == answer["connection"]["url"]
    assert not connection.is_active
    assert "SECRET-TOKEN" not in repr(connection)
    assert "SECRET-TOKEN" not in str(connection)
    assert MatonConnection.from_response({"connection_id": "c", "status": "SUSPENDED"}).status == "SUSPENDED"


@pytest.mark.parametrize("body", [[{"id": "1"}], "ok", None, 7])
def test_an_answer_that_is_not_an_object_is_refused_by_its_shape(body: object) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        read_answer(MediaInfo, body)
    assert caught.value.errors == [("", "the answer is not a JSON object")]


@pytest.mark.parametrize(
    ("value", "prefix", "errors"),
    [
        ({"about": "x" * 140}, "profile", [("profile.about", "at most 139 characters")]),
        ({"about": "x" * 140}, "", [("about", "at most 139 characters")]),
        ("x", "profile", [("profile", "must be a BusinessProfileUpdate or an object")]),
    ],
)
def test_a_nested_models_errors_are_named_from_where_it_sits(
    value: object, prefix: str, errors: list[tuple[str, str]]
) -> None:
    with pytest.raises(WhatsAppValidationError) as caught:
        validate_model(BusinessProfileUpdate, value, prefix)  # type: ignore[arg-type]
    assert caught.value.errors == errors
