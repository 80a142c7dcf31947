"""Message templates: list (cursor pagination), create, get, edit, delete by name.

Review: a new or edited template is PENDING for ``template_approval_delay`` seconds (sandbox time), then
APPROVED, or REJECTED when its name starts with ``reject_`` (``INVALID_FORMAT``) or its text holds a URL
shortener (``SCAM``). Edits follow Meta's "Edit templates" limits: only APPROVED, REJECTED or PAUSED
templates, never the category of an APPROVED one, and an APPROVED one at most once in 24 hours and 10
times in 30 days (REJECTED and PAUSED ones without limit).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import JSONResponse

from .. import validation
from ..errors import invalid_parameter, unknown_object
from ..records import Template
from ..state import KeyState
from .common import check, json_body, key_of, select_fields

router = APIRouter()

URL_SHORTENERS = ("bit.ly", "tinyurl.com", "goo.gl", "t.co/", "ow.ly", "is.gd", "buff.ly", "cutt.ly")
DEFAULT_FIELDS = ("id", "name", "language", "status", "category", "components", "parameter_format")
TEMPLATE_FIELDS = (*DEFAULT_FIELDS, "rejected_reason", "quality_score", "previous_category")
MAX_LIMIT = 1000
EDITABLE = ("APPROVED", "REJECTED", "PAUSED")
DAY = 24 * 60 * 60
EDIT_LIMITS = ((DAY, 1), (30 * DAY, 10))  # APPROVED templates: edits per window


def rejection_reason(name: str, components: list[dict[str, Any]]) -> str | None:
    """The documented rejection rule: ``reject_*`` names and URL shorteners anywhere in the texts."""
    if name.startswith("reject_"):
        return "INVALID_FORMAT"
    text = repr(components).lower()
    return "SCAM" if any(shortener in text for shortener in URL_SHORTENERS) else None


def template_record(template: Template, fields: str | None) -> dict[str, Any]:
    """A template as Graph answers it, cut to ``fields``; a known field the template lacks (such as
    ``previous_category``) is left out, as Graph does, and an unknown one is Graph's 400."""
    record = template.to_json()
    if not fields:
        return record
    record.setdefault("rejected_reason", "NONE")
    record.setdefault("quality_score", {"score": "UNKNOWN"})
    known = dict.fromkeys(TEMPLATE_FIELDS) | record
    chosen = select_fields(known, fields, "WhatsAppMessageTemplate")
    return {name: value for name, value in chosen.items() if value is not None}


def encode_cursor(template: Template) -> str:
    """An opaque cursor (Graph's are base64 too)."""
    return base64.urlsafe_b64encode(f"seq:{template.seq}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The sequence number in a cursor, or Graph's 400 for a bad one."""
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        if text.startswith("seq:"):
            return int(text[4:])
    except ValueError:
        pass
    raise invalid_parameter(f"Invalid cursor: {cursor}")


def parse_limit(raw: str | None) -> int:
    """``limit`` (default 25), a positive integer."""
    if raw is None:
        return 25
    if not raw.isdigit() or int(raw) < 1:
        raise invalid_parameter("limit must be a positive integer")
    return min(int(raw), MAX_LIMIT)


def fake_graph_link(request: Request, key: KeyState, version: str, **cursor: str) -> str:
    """A ``paging.next`` / ``previous`` link as Graph writes it: on Meta's host, with an access token."""
    query = {"access_token": key.page_token, "limit": request.query_params.get("limit", "25")}
    for name in ("fields", "status", "name"):
        if name in request.query_params:
            query[name] = request.query_params[name]
    query.update(cursor)
    return f"https://graph.facebook.com/{version}/{key.waba_id}/message_templates?{urlencode(query)}"


def matches(template: Template, request: Request) -> bool:
    """The ``status`` / ``category`` / ``language`` (comma lists, exact) and ``name`` (substring) filters."""
    params = request.query_params
    for name, value in (
        ("status", template.status),
        ("category", template.category),
        ("language", template.language),
    ):
        if name in params and value.upper() not in {item.strip().upper() for item in params[name].split(",")}:
            return False
    return "name" not in params or params["name"].lower() in template.name.lower()


@router.get("/whatsapp-business/{version}/{waba_id}/message_templates")
async def list_templates(request: Request, version: str, waba_id: str) -> JSONResponse:
    """One page of templates, oldest first: ``{"data", "paging": {"cursors", "next"?, "previous"?}}``."""
    key = key_of(request)
    if waba_id != key.waba_id:
        raise unknown_object(waba_id, "get")
    params = request.query_params
    limit = parse_limit(params.get("limit"))
    found = [template for template in key.sorted_templates() if matches(template, request)]
    if "after" in params:
        after = decode_cursor(params["after"])
        found = [template for template in found if template.seq > after]
        page, has_before, has_after = found[:limit], True, len(found) > limit
    elif "before" in params:
        before = decode_cursor(params["before"])
        found = [template for template in found if template.seq < before]
        page, has_before, has_after = found[-limit:], len(found) > limit, True
    else:
        page, has_before, has_after = found[:limit], False, len(found) > limit
    fields = params.get("fields")
    answer: dict[str, Any] = {"data": [template_record(template, fields) for template in page]}
    if page:
        first, last = encode_cursor(page[0]), encode_cursor(page[-1])
        paging: dict[str, Any] = {"cursors": {"before": first, "after": last}}
        if has_before:
            paging["previous"] = fake_graph_link(request, key, version, before=first)
        if has_after:
            paging["next"] = fake_graph_link(request, key, version, after=last)
        answer["paging"] = paging
    return JSONResponse(answer)


@router.post("/whatsapp-business/{version}/{waba_id}/message_templates")
async def create_template(request: Request, waba_id: str) -> JSONResponse:
    """Create a template (validated); answers ``{"id", "status": "PENDING", "category"}``."""
    key = key_of(request)
    if waba_id != key.waba_id:
        raise unknown_object(waba_id, "post")
    body = await json_body(request)
    check(validation.validate_template_definition(body))
    name, language = str(body["name"]), str(body["language"])
    if any(t.name == name and t.language == language for t in key.templates.values()):
        raise invalid_parameter(
            f'Message template "{name}" already exists in {language}', error_subcode=2388023
        )
    components = list(body.get("components") or [])
    delay = key.config.template_approval_delay
    template = key.add_template(
        name,
        language,
        str(body["category"]).upper(),
        components,
        parameter_format=str(body.get("parameter_format", "POSITIONAL")).upper(),
        decide_at=key.now() + delay,
        rejected_reason=rejection_reason(name, components),
    )
    template.refresh(key.now())
    return JSONResponse({"id": template.id, "status": template.status, "category": template.category})


@router.delete("/whatsapp-business/{version}/{waba_id}/message_templates")
async def delete_templates(request: Request, waba_id: str) -> JSONResponse:
    """Delete every language of ``name`` (or only ``hsm_id``); answers ``{"success": true}``."""
    key = key_of(request)
    if waba_id != key.waba_id:
        raise unknown_object(waba_id, "delete")
    name = request.query_params.get("name")
    hsm_id = request.query_params.get("hsm_id")
    if not name:
        raise invalid_parameter("The parameter name is required")
    doomed = [t.id for t in key.templates.values() if t.name == name and hsm_id in (None, t.id)]
    if not doomed:
        raise invalid_parameter(f"Message template {name} was not found", error_subcode=2593002)
    for template_id in doomed:
        del key.templates[template_id]
    return JSONResponse({"success": True})


def get_template(request: Request, key: KeyState, template: Template) -> JSONResponse:
    """``GET /{template_id}`` with optional ``fields``."""
    template.refresh(key.now())
    return JSONResponse(template_record(template, request.query_params.get("fields")))


def check_edit_allowed(template: Template, body: dict[str, Any], now: float) -> None:
    """Meta's edit limits (Graph documents no dedicated code for them: 400 code 100)."""
    if template.status not in EDITABLE:
        raise invalid_parameter(
            f"Only templates with status {', '.join(EDITABLE)} can be edited; {template.name} is "
            f"{template.status}"
        )
    if template.status != "APPROVED":
        return
    if "category" in body and str(body["category"]).upper() != template.category:
        raise invalid_parameter(
            f"The category of an APPROVED template cannot be edited ({template.category})"
        )
    for window, limit in EDIT_LIMITS:
        if sum(1 for at in template.edits if now - at < window) >= limit:
            days = window // DAY
            raise invalid_parameter(
                f"An APPROVED template can be edited {limit} time(s) in {days} day(s); {template.name} "
                "has used its edits: try again later"
            )


async def edit_template(request: Request, key: KeyState, template: Template) -> JSONResponse:
    """``POST /{template_id}``: new components and/or category; the template goes back to review."""
    body = await json_body(request)
    check(validation.validate_template_edit(body, template.parameter_format))
    now = key.now()
    template.refresh(now)
    check_edit_allowed(template, body, now)
    if template.status == "APPROVED":
        template.edits.append(now)
    if "components" in body:
        template.components = list(body["components"])
    if "category" in body:
        template.category = str(body["category"]).upper()
    reason = rejection_reason(template.name, template.components)
    template.status = "PENDING"
    template.decide_at = now + key.config.template_approval_delay
    template.verdict = "REJECTED" if reason else "APPROVED"
    template.rejected_reason = reason
    template.refresh(now)
    return JSONResponse({"success": True})
