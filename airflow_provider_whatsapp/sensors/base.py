"""What both sensors share: poke, reschedule and deferrable modes over one decision.

A sensor only says which trigger stands for it (:meth:`WhatsAppBaseSensor.make_trigger`); ``poke`` runs
that trigger's ``check`` with the sensor's hook, so a poke and the deferred wait decide the same way.
A sensor that times out says what its last check saw ("gateway unreachable at ...", "PENDING"), in
every mode, rather than ending in a bare timeout.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.providers.common.compat.sdk import (
    AirflowFailException,
    AirflowSensorTimeout,
    AirflowSkipException,
    conf,
)
from airflow.sdk import BaseSensorOperator, PokeReturnValue

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID, DEFERRAL_GRACE
from airflow_provider_whatsapp.hooks.lazy import WhatsAppHookMixin, hook_settings

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.triggers.base import WhatsAppPollingTrigger
    from airflow_provider_whatsapp.triggers.status import Poll


class WhatsAppBaseSensor(WhatsAppHookMixin, BaseSensorOperator):
    """Wait until a check is done (pushing its value), failing at once on a terminal status.

    ``soft_fail`` / ``never_fail`` turn a terminal status or a timeout into a skip, in every mode.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param hook_params: Hook settings over the connection's (``timeout``, ``waba_id``...).
    :param deferrable: Wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("maton_conn_id",)
    ui_color = "#25D366"

    def __init__(
        self,
        *,
        maton_conn_id: str = DEFAULT_CONN_ID,
        hook_params: Mapping[str, Any] | None = None,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maton_conn_id = maton_conn_id
        self.hook_params = hook_settings(hook_params)
        self.deferrable = deferrable
        self._last_check = "no check finished yet"

    def make_trigger(self, *, timeout_at: float | None = None) -> WhatsAppPollingTrigger:
        """The trigger that waits for what this sensor waits for (its ``check`` is the decision);
        ``timeout_at`` (epoch seconds) is when it stops waiting and reports a timeout."""
        raise NotImplementedError

    def poke(self, context: Context) -> PokeReturnValue:
        """One check: done pushes the value, failed raises without retries, waiting pokes again."""
        return self._resolve(self.make_trigger().check(self.hook))

    def _resolve(self, poll: Poll) -> PokeReturnValue:
        self.log.info("%s", poll.message)
        self._last_check = poll.message
        if poll.state == "failed":
            raise AirflowFailException(poll.message)
        if poll.state == "timeout":
            raise AirflowSensorTimeout(poll.message)
        return PokeReturnValue(is_done=poll.state == "done", xcom_value=poll.value)

    def execute(self, context: Context) -> Any:
        """Poke or reschedule as usual; when deferrable, check once here, then wait in the triggerer.

        ``BaseSensorOperator`` applies ``soft_fail`` to pokes in its own loop and to the deferred wait
        (its timeout included) on resuming; the first check here bypasses that loop, so it does the same.
        """
        if not self.deferrable:
            try:
                return super().execute(context)
            except AirflowSensorTimeout as err:
                raise AirflowSensorTimeout(f"{err}; last check: {self._last_check}") from err
        try:
            first = self.poke(context)
        except AirflowFailException as err:
            if self.soft_fail or self.never_fail:
                raise AirflowSkipException(f"Skipping (soft_fail or never_fail is set): {err}") from err
            raise
        except Exception as err:
            if self.never_fail:
                raise AirflowSkipException(f"Skipping (never_fail is set): {err}") from err
            raise
        if not first.is_done:
            self.defer(
                trigger=self.make_trigger(timeout_at=time.time() + self.timeout),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout) + DEFERRAL_GRACE,
            )
        return first.xcom_value

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str | None:
        """Resume from the trigger's event: return the value, or fail with the trigger's reason
        (``BaseSensorOperator.resume_execution`` turns that into a skip under ``soft_fail``)."""
        from airflow_provider_whatsapp.triggers.status import Poll

        result = self._resolve(Poll.from_event(event))
        return None if result.xcom_value is None else str(result.xcom_value)
