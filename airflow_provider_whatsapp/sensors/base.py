"""What both sensors share: poke, reschedule and deferrable modes over one decision.

A sensor only says which trigger stands for it (:meth:`MatonBaseSensor.make_trigger`); ``poke`` runs that
trigger's ``check`` with the sensor's hook, so a poke and the deferred wait decide the same way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from airflow.sdk import BaseSensorOperator, PokeReturnValue, conf

from airflow_provider_whatsapp.constants import DEFAULT_CONN_ID
from airflow_provider_whatsapp.operators.base import MatonHookMixin

if TYPE_CHECKING:
    from airflow.sdk import Context

    from airflow_provider_whatsapp.triggers.base import MatonPollingTrigger
    from airflow_provider_whatsapp.triggers.status import Poll


class MatonBaseSensor(MatonHookMixin, BaseSensorOperator):
    """Wait until a check is done (pushing its value), failing at once on a terminal status.

    ``soft_fail`` / ``never_fail`` turn a terminal status or a timeout into a skip, in every mode.

    :param maton_conn_id: Airflow connection of type ``maton_whatsapp`` (templated).
    :param deferrable: Wait in the triggerer instead of a worker slot; defaults to
        ``[operators] default_deferrable``.
    """

    template_fields: Sequence[str] = ("maton_conn_id",)
    ui_color = "#25D366"

    def __init__(
        self,
        *,
        maton_conn_id: str = DEFAULT_CONN_ID,
        deferrable: bool = conf.getboolean("operators", "default_deferrable", fallback=False),
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.maton_conn_id = maton_conn_id
        self.deferrable = deferrable

    def make_trigger(self) -> MatonPollingTrigger:
        """The trigger that waits for what this sensor waits for (its ``check`` is the decision)."""
        raise NotImplementedError

    def poke(self, context: Context) -> PokeReturnValue:
        """One check: done pushes the value, failed raises without retries, waiting pokes again."""
        return self._resolve(self.make_trigger().check(self.hook))

    def _resolve(self, poll: Poll) -> PokeReturnValue:
        from airflow.sdk.exceptions import AirflowFailException

        self.log.info("%s", poll.message)
        if poll.state == "failed":
            raise AirflowFailException(poll.message)
        return PokeReturnValue(is_done=poll.state == "done", xcom_value=poll.value)

    def execute(self, context: Context) -> Any:
        """Poke or reschedule as usual; when deferrable, check once here, then wait in the triggerer.

        ``BaseSensorOperator`` applies ``soft_fail`` to pokes in its own loop and to the deferred wait
        (its timeout included) on resuming; the first check here bypasses that loop, so it does the same.
        """
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        if not self.deferrable:
            return super().execute(context)
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
                trigger=self.make_trigger(),
                method_name="execute_complete",
                timeout=timedelta(seconds=self.timeout),
            )
        return first.xcom_value

    def execute_complete(self, context: Context, event: dict[str, Any]) -> str | None:
        """Resume from the trigger's event: return the value, or fail with the trigger's reason."""
        from airflow_provider_whatsapp.triggers.status import Poll

        result = self._resolve(Poll.from_event(event))
        return None if result.xcom_value is None else str(result.xcom_value)
