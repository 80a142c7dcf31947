"""Templates as code: plan what makes the account's templates match the files, apply it, export them.

The plan itself is pure (``models/template_plan.py``); this reads the account (every page), makes the
writes a plan asks for (create, edit by template id, delete by name and id), and reads the account's
templates back in the file format. The sync operator, the export operator and ``whatsapp-templates``
all go through here.
"""

from __future__ import annotations

from typing import Any

from airflow_provider_whatsapp.exceptions import WhatsAppAPIError, WhatsAppError
from airflow_provider_whatsapp.hooks.templates import WhatsAppTemplatesMixin
from airflow_provider_whatsapp.models.template_files import TemplatesInput, definition_of, load_templates
from airflow_provider_whatsapp.models.template_plan import (
    BEING_DELETED,
    WRITES,
    PlanItem,
    TemplatePlan,
    make_plan,
)

#: Meta's answer to an edit its limits refuse (an APPROVED template: once in 24 hours, 10 in 30 days):
#: Graph's generic invalid parameter, with no subcode (100/33, say, is a template that is gone).
EDIT_REFUSED_CODE = 100


class WhatsAppTemplateSyncMixin(WhatsAppTemplatesMixin):
    """Plan, apply and export an account's templates."""

    def plan_templates(
        self,
        templates: TemplatesInput,
        *,
        delete_missing: bool = False,
        waba_id: str | None = None,
        page_size: int | None = None,
    ) -> TemplatePlan:
        """The plan for ``templates`` (a file, a folder, definitions): reads the files (validating every
        template first) and every page of the account's templates; makes no write.

        :param delete_missing: Plan to delete the account's templates the files do not have.
        :param page_size: Templates per page when reading the account (Graph's default: 25).
        """
        wanted = load_templates(templates)
        existing = list(self.list_templates(limit=page_size, waba_id=waba_id))
        return make_plan(wanted, existing, delete_missing=delete_missing)

    def apply_template_plan(self, plan: TemplatePlan, *, waba_id: str | None = None) -> TemplatePlan:
        """Make the plan's writes, each on its own: one that fails does not stop the others. Returns the
        plan with each write's ``result`` (``done``, ``failed``, or ``refused``: an edit Meta's limits
        turned down, which becomes ``blocked``) and the status it left."""
        items = [self._apply(item, waba_id) if item.action in WRITES else item for item in plan.items]
        return TemplatePlan(tuple(items))

    def _apply(self, item: PlanItem, waba_id: str | None) -> PlanItem:
        label = f"template {item.name} ({item.language})"
        try:
            if item.action == "create":
                created = self.create_template(dict(item.definition or {}), waba_id=waba_id)
                self.log.info("Created %s: %s, id %s", label, created.status, created.id)
                return item.applied("done", template_id=created.id, status=created.status or "PENDING")
            if item.action == "update":
                edit = dict(item.edit or {})
                if not self.update_template(str(item.template_id), **edit):
                    return item.applied(
                        "failed", detail=f"{item.detail}; the gateway did not confirm the edit"
                    )
                self.log.info("Edited %s (%s): back to review", label, item.detail)
                return item.applied("done", status="PENDING")
            if not self.delete_template(item.name, hsm_id=item.template_id, waba_id=waba_id):
                return item.applied("failed", detail="the gateway did not confirm the delete")
            self.log.info("Deleted %s", label)
            return item.applied("done", status="DELETED")
        except WhatsAppError as error:
            refused = (
                isinstance(error, WhatsAppAPIError)
                and error.code == EDIT_REFUSED_CODE
                and error.error_subcode is None
            )
            if refused and item.action == "update" and item.status == "APPROVED":
                self.log.warning("Meta refused the edit of %s: %s", label, error)
                reason = getattr(error, "details", None) or str(error)
                why = f"Meta refused the edit (its limits on editing APPROVED templates): {reason}"
                return item.applied("refused", action="blocked", detail=f"{item.detail}; {why}")
            self.log.error("Could not %s %s: %s", item.action, label, error)
            return item.applied("failed", detail=f"{item.detail}; {type(error).__name__}: {error}")

    def export_templates(self, *, waba_id: str | None = None) -> list[dict[str, Any]]:
        """The account's templates in the file format (every page), those being deleted left out."""
        return [
            definition_of(template)
            for template in self.list_templates(waba_id=waba_id)
            if str(template.status or "").upper() not in BEING_DELETED
        ]
