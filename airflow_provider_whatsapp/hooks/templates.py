"""Message templates of the WhatsApp Business Account: list (every page), read, create, edit, delete,
and the check of a template send against the account's template (looked up once per hook)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from functools import cached_property
from typing import Any

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError
from airflow_provider_whatsapp.hooks.base import WhatsAppBaseHook
from airflow_provider_whatsapp.hooks.transport import RetryPolicy
from airflow_provider_whatsapp.models import (
    TemplateCreateResult,
    TemplateDefinition,
    TemplateEdit,
    TemplateInfo,
    TemplateMessage,
    validate_model,
)
from airflow_provider_whatsapp.models.template_check import check_template_send
from airflow_provider_whatsapp.utils import ids

TEMPLATE_FIELDS = (
    "id,name,language,status,category,components,rejected_reason,parameter_format,previous_category"
)
#: At 25 templates a page (Graph's default), 1000 pages hold far more than Meta's largest quota (6000).
MAX_TEMPLATE_PAGES = 1000


class WhatsAppTemplatesMixin(WhatsAppBaseHook):
    """``/{waba_id}/message_templates`` and ``/{template_id}``."""

    def list_templates(
        self,
        status: str | None = None,
        *,
        name: str | None = None,
        limit: int | None = None,
        waba_id: str | None = None,
    ) -> Iterator[TemplateInfo]:
        """Iterate over every template of the account, page by page (``limit`` is the page size).

        Pages are fetched by rebuilding the gateway URL with the ``after`` cursor: Graph's
        ``paging.next`` points at Meta's host and can carry a token, so it is never followed or logged.
        A cursor seen before, or more than ``MAX_TEMPLATE_PAGES`` pages, means the server is looping:
        that raises rather than iterating forever or returning a partial list as if it were whole.
        """
        params: dict[str, Any] = {"fields": TEMPLATE_FIELDS}
        params.update(
            {k: v for k, v in {"status": status, "name": name, "limit": limit}.items() if v is not None}
        )
        path = f"{self.account(waba_id)}/message_templates"
        seen: set[str] = set()
        for _ in range(MAX_TEMPLATE_PAGES):
            page = self.client.graph("GET", path, params=params)
            data = page.get("data") if isinstance(page, Mapping) else None
            for item in data if isinstance(data, list) else []:
                yield self.answer(TemplateInfo, item, "GET message_templates")
            paging = page.get("paging") if isinstance(page, Mapping) else None
            cursors = paging.get("cursors") if isinstance(paging, Mapping) else None
            after = cursors.get("after") if isinstance(cursors, Mapping) else None
            if not isinstance(paging, Mapping) or not paging.get("next") or not isinstance(after, str):
                return
            if after in seen:
                raise WhatsAppAPIError(
                    f"template paging repeated a cursor after {len(seen) + 1} pages: the list would never end"
                )
            seen.add(after)
            params["after"] = after
        raise WhatsAppAPIError(f"template paging went past {MAX_TEMPLATE_PAGES} pages: stopped")

    def get_template(self, template_id: str) -> TemplateInfo:
        """One template by id."""
        path = ids.graph_id(template_id, "template_id")
        answer = self.client.graph("GET", path, params={"fields": TEMPLATE_FIELDS})
        return self.answer(TemplateInfo, answer, "GET template")

    def find_template(self, name: str, language: str, *, waba_id: str | None = None) -> TemplateInfo | None:
        """The template with this name in this language, or None."""
        matches = self.list_templates(name=name, waba_id=waba_id)  # Graph's filter also matches parts
        return next((t for t in matches if t.name == name and t.language == language), None)

    @cached_property
    def _approved_templates(self) -> dict[tuple[str, str, str], TemplateInfo]:
        """The APPROVED templates checked sends found, by (account, name, language)."""
        return {}

    def check_template_send(
        self, message: TemplateMessage | Mapping[str, Any], *, waba_id: str | None = None
    ) -> TemplateInfo:
        """Check a template message against the account's template before it is sent: the template
        exists in that language, is APPROVED, and gets exactly the parameters its components declare.

        Raises :class:`WhatsAppValidationError` naming the template, the component, what it takes and
        what was given. An APPROVED template is looked up once per hook (one task), then remembered;
        this hook's own creates, edits and deletes forget what it remembered.
        """
        template = validate_model(TemplateMessage, message).template
        key = (self.account(waba_id), template.name, template.language.code)
        stored = self._approved_templates.get(key)
        if stored is None:
            stored = self.find_template(template.name, template.language.code, waba_id=waba_id)
        checked = check_template_send(template, stored)
        self._approved_templates[key] = checked
        return checked

    def create_template(
        self, template: TemplateDefinition | Mapping[str, Any], *, waba_id: str | None = None
    ) -> TemplateCreateResult:
        """Submit a template for review; it starts PENDING."""
        body = validate_model(TemplateDefinition, template).to_api()
        self._approved_templates.clear()
        answer = self.client.graph("POST", f"{self.account(waba_id)}/message_templates", json=body)
        return self.answer(TemplateCreateResult, answer, "POST message_templates")

    def update_template(
        self,
        template_id: str,
        *,
        components: Sequence[Mapping[str, Any]] | None = None,
        category: str | None = None,
    ) -> bool:
        """Edit an existing template's components or category (Meta re-reviews it)."""
        edit = validate_model(
            TemplateEdit,
            {"components": None if components is None else list(components), "category": category},
        )
        path = ids.graph_id(template_id, "template_id")
        self._approved_templates.clear()
        answer = self.client.graph("POST", path, json=edit.to_api(), policy=RetryPolicy.IDEMPOTENT)
        return bool(answer.get("success"))

    def delete_template(self, name: str, *, hsm_id: str | None = None, waba_id: str | None = None) -> bool:
        """Delete a template by name (every language), or only the one whose id is ``hsm_id``."""
        params = {"name": name}
        if hsm_id is not None:
            params["hsm_id"] = ids.graph_id(hsm_id, "hsm_id")
        self._approved_templates.clear()
        answer = self.client.graph("DELETE", f"{self.account(waba_id)}/message_templates", params=params)
        return bool(answer.get("success"))
