"""Templates as code: keep an account's message templates in step with files reviewed in the DAG
repository, and export the account's templates into such files.

The plan, the writes and the file format live in the hook and the models (``hooks/template_sync.py``,
``models/template_plan.py``, ``models/template_files.py``); they load inside ``execute()``, so that this
module stays light when a DAG file is parsed.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException

from airflow_provider_whatsapp.constants import DEFERRAL_GRACE
from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.operators.base import WhatsAppBaseOperator

if TYPE_CHECKING:
    from airflow.sdk import Context, ObjectStoragePath

    from airflow_provider_whatsapp.models.template_files import ExportTarget, TemplatesInput

Plan = list[dict[str, Any]]


def _storage(path: Any) -> Any:
    """A URL string such as ``s3://bucket/templates`` as an ``ObjectStoragePath``; anything else as is."""
    if isinstance(path, str) and "://" in path:
        from airflow.sdk import ObjectStoragePath

        return ObjectStoragePath(path)
    return path


class WhatsAppSyncTemplatesOperator(WhatsAppBaseOperator):
    """Make the account's templates match template files: plan, log the plan, apply it.

    The plan (create / update / delete / unchanged / blocked / drift / unmanaged, each with its reason)
    goes to the task log as a table and to XCom, one dict per template: under ``plan`` as soon as it is
    made or applied (also when the task then fails or waits), and as the return value when the task
    succeeds. A dry run makes no write request; a sync right after a sync makes none either. Meta's
    edit rules are kept, not fought: what they refuse is ``blocked``, and a category Meta changed itself
    is ``drift``. Writes that fail are tried each on its own, and the task fails at the end naming them
    (a retry is safe: it plans again).

    :param templates: A YAML or JSON file, a folder of them, an ``ObjectStoragePath`` or a URL such as
        ``s3://bucket/templates/``, or a list of template definitions. Not templated: template texts
        hold ``{{1}}``, which Jinja would render.
    :param delete_missing: Delete the account's templates the files do not have (default: keep them,
        listed as ``unmanaged``).
    :param dry_run: Plan and log only: no write request.
    :param wait_for_approval: After applying, wait in the triggerer (deferred) until Meta has approved
        every template of the files still in review; fail when one is rejected. Or wait downstream with
        :class:`~airflow_provider_whatsapp.sensors.template.WhatsAppTemplateStatusSensor`.
    :param poke_interval: Seconds between checks while waiting.
    :param approval_timeout: Seconds to wait for approval at most.
    :param waba_id: WhatsApp Business Account; defaults to the connection's (templated).
    """

    template_fields: Sequence[str] = (*WhatsAppBaseOperator.template_fields, "waba_id")

    def __init__(
        self,
        *,
        templates: str | os.PathLike[str] | ObjectStoragePath | Sequence[Mapping[str, Any]],
        delete_missing: bool = False,
        dry_run: bool = False,
        wait_for_approval: bool = False,
        poke_interval: float = 60,
        approval_timeout: float = 24 * 60 * 60,
        waba_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.templates = templates
        self.delete_missing = delete_missing
        self.plan_only = dry_run  # BaseOperator has a dry_run() method of its own
        self.wait_for_approval = wait_for_approval
        self.poke_interval = poke_interval
        self.approval_timeout = approval_timeout
        self.waba_id = waba_id

    def execute(self, context: Context) -> Plan:
        """Plan (bad files fail for good, before any request), apply unless a dry run, maybe wait."""
        source: TemplatesInput = _storage(self.templates)
        waba_id = self.waba_id or None
        try:
            plan = self.hook.plan_templates(source, delete_missing=self.delete_missing, waba_id=waba_id)
        except WhatsAppValidationError as err:  # the same files fail the same way: no retry
            raise AirflowFailException(str(err)) from err
        mode = "dry run: nothing is applied" if self.plan_only else f"{len(plan.writes)} write(s)"
        self.log.info("Template plan: %s (%s)\n%s", plan.summary(), mode, plan.table())
        if not self.plan_only and plan.writes:
            plan = self.hook.apply_template_plan(plan, waba_id=waba_id)
            self.log.info("Applied:\n%s", plan.table())
        rows = plan.to_json()
        context["ti"].xcom_push(key="plan", value=rows)
        for item in plan.items:
            if item.action == "blocked":
                self.log.warning("Not applied: %s (%s): %s", item.name, item.language, item.detail)
        failed = plan.failed()
        if failed:
            names = "; ".join(
                f"{item.action} {item.name} ({item.language}): {item.detail}" for item in failed
            )
            raise AirflowException(f"{len(failed)} of {len(plan.writes)} template write(s) failed: {names}")
        in_review = plan.awaiting_review()
        if not self.plan_only and self.wait_for_approval and in_review:
            self._wait_for(in_review)
        return rows

    def _wait_for(self, in_review: list[tuple[str, str]]) -> None:
        """Defer until every template in ``in_review`` is APPROVED (or one fails, or time is up)."""
        from airflow_provider_whatsapp.triggers.template import WhatsAppTemplatesApprovedTrigger

        self.log.info("Waiting for Meta to approve %s", ", ".join(f"{n} ({lang})" for n, lang in in_review))
        self.defer(
            trigger=WhatsAppTemplatesApprovedTrigger(
                maton_conn_id=self.maton_conn_id,
                hook_params=self.hook_params,
                templates=in_review,
                waba_id=self.waba_id or None,
                poke_interval=self.poke_interval,
                timeout_at=time.time() + self.approval_timeout,
            ),
            method_name="execute_complete",
            timeout=timedelta(seconds=self.approval_timeout) + DEFERRAL_GRACE,
        )

    def execute_complete(self, context: Context, event: dict[str, Any]) -> Plan:
        """Resume after the wait: the plan (from XCom ``plan``: ``dag.test()`` resumes with the event
        alone, without the deferral's kwargs) when every template is APPROVED, else fail with the reason."""
        from airflow_provider_whatsapp.triggers.status import Poll

        poll = Poll.from_event(event)
        self.log.info("%s", poll.message)
        if poll.state != "done":
            raise AirflowFailException(poll.message)
        plan: Plan = context["ti"].xcom_pull(task_ids=self.task_id, key="plan")
        return plan


class WhatsAppExportTemplatesOperator(WhatsAppBaseOperator):
    """Write the account's templates as template files, so that a team starts from what it has.

    Syncing the export right away makes no write. Returns the files written.

    :param path: A folder (one ``<name>.yaml`` per template name, its languages together) or one file
        named ``*.yaml``, ``*.yml`` or ``*.json`` (every template): local, an ``ObjectStoragePath``, or
        a URL such as ``s3://bucket/templates/`` (templated).
    :param waba_id: WhatsApp Business Account; defaults to the connection's (templated).
    """

    template_fields: Sequence[str] = (*WhatsAppBaseOperator.template_fields, "path", "waba_id")

    def __init__(
        self,
        *,
        path: str | os.PathLike[str] | ObjectStoragePath,
        waba_id: str | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.path = path
        self.waba_id = waba_id

    def execute(self, context: Context) -> list[str]:
        """Read every page of the account's templates and write them."""
        from pathlib import Path

        from airflow_provider_whatsapp.models.template_files import write_export

        path = _storage(self.path)  # a local path becomes a Path (an ObjectStoragePath is PathLike too)
        target: ExportTarget = path if hasattr(path, "mkdir") else Path(path)
        definitions = self.hook.export_templates(waba_id=self.waba_id or None)
        written = write_export(target, definitions)
        self.log.info("Exported %d template(s) to %d file(s) in %s", len(definitions), len(written), target)
        return written
