"""Phone numbers, the business profile, and ``/{object_id}`` for every kind of object.

An id that is not one of this key's objects answers Graph's 400 code 100 subcode 33 (Graph does not
answer 404 for unknown ids).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import validation
from ..errors import unknown_object
from ..records import digits
from ..state import KeyState
from .common import check, json_body, key_of, select_fields
from .media import delete_media, media_info
from .templates import edit_template, get_template

router = APIRouter()

PROFILE_FIELDS = ("about", "address", "description", "email", "profile_picture_url", "websites", "vertical")


def phone_record(key: KeyState) -> dict[str, Any]:
    """The phone number node with the fields of Meta's spec."""
    registered = key.phone_registered
    return {
        "id": key.phone_number_id,
        "display_phone_number": key.display_phone_number,
        "verified_name": "Sandbox Business",
        "status": "CONNECTED" if registered else "DISCONNECTED",
        "quality_rating": "GREEN",
        "code_verification_status": "VERIFIED",
        "name_status": "APPROVED",
        "platform_type": "CLOUD_API" if registered else "NOT_APPLICABLE",
        "throughput": {"level": "STANDARD"},
        "messaging_limit_tier": "TIER_1K",
        "is_official_business_account": False,
        "account_mode": "LIVE",
        "country_code": "US",
        "country_dial_code": "1",
    }


@router.get("/whatsapp-business/{version}/{waba_id}/phone_numbers")
async def list_phone_numbers(request: Request, waba_id: str) -> JSONResponse:
    """The WABA's phone numbers (one per key): ``{"data": [...], "paging": {"cursors": ...}}``."""
    key = key_of(request)
    if waba_id != key.waba_id:
        raise unknown_object(waba_id, "get")
    record = select_fields(
        phone_record(key), request.query_params.get("fields"), "WhatsAppBusinessPhoneNumber"
    )
    cursor = "QVFI" + digits(key.phone_number_id)
    return JSONResponse({"data": [record], "paging": {"cursors": {"before": cursor, "after": cursor}}})


@router.get("/whatsapp-business/{version}/{phone_number_id}/whatsapp_business_profile")
async def get_business_profile(request: Request, phone_number_id: str) -> JSONResponse:
    """``{"data": [{"business_profile": {...}, "id": ...}]}`` as in Meta's spec, cut to ``fields``."""
    key = key_of(request)
    if phone_number_id != key.phone_number_id:
        raise unknown_object(phone_number_id, "get")
    profile = select_fields(
        key.profile,
        request.query_params.get("fields"),
        "WhatsAppBusinessProfile",
        always=("messaging_product",),
    )
    return JSONResponse({"data": [{"business_profile": profile, "id": key.phone_number_id}]})


@router.post("/whatsapp-business/{version}/{phone_number_id}/whatsapp_business_profile")
async def update_business_profile(request: Request, phone_number_id: str) -> JSONResponse:
    """Update the profile (validated); answers ``{"success": true}``."""
    key = key_of(request)
    if phone_number_id != key.phone_number_id:
        raise unknown_object(phone_number_id, "post")
    body = await json_body(request)
    check(validation.validate_business_profile_update(body))
    for name in PROFILE_FIELDS:
        if name in body:
            key.profile[name] = body[name]
    if "profile_picture_handle" in body:
        key.profile["profile_picture_url"] = f"https://pps.whatsapp.net/v/{key.phone_number_id}.jpg"
    return JSONResponse({"success": True})


@router.api_route("/whatsapp-business/{version}/{object_id}", methods=["GET", "POST", "DELETE"])
async def object_node(request: Request, object_id: str) -> JSONResponse:
    """``/{id}`` of a phone number (GET), media (GET, DELETE), template (GET, POST edit) or WABA (GET)."""
    key = key_of(request)
    method = request.method
    if method == "GET" and object_id == key.phone_number_id:
        fields = request.query_params.get("fields")
        return JSONResponse(select_fields(phone_record(key), fields, "WhatsAppBusinessPhoneNumber"))
    if method == "GET" and object_id == key.waba_id:
        waba = {"id": key.waba_id, "name": "Sandbox WABA", "currency": "USD", "timezone_id": "1"}
        return JSONResponse(
            select_fields(waba, request.query_params.get("fields"), "WhatsAppBusinessAccount")
        )
    if object_id in key.media and method in ("GET", "DELETE"):
        return media_info(request, key.media[object_id]) if method == "GET" else delete_media(key, object_id)
    template = key.templates.get(object_id)
    if template is not None and method in ("GET", "POST"):
        return (
            get_template(request, key, template)
            if method == "GET"
            else await edit_template(request, key, template)
        )
    raise unknown_object(object_id, method)
