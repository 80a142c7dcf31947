"""Names the tests need that moved between Airflow 3.1 (the floor) and the newest Airflow.

The provider itself takes such names from ``airflow.providers.common.compat.sdk``; this covers the
few it does not re-export.
"""

from __future__ import annotations

from airflow.providers.common.compat.version_compat import AIRFLOW_V_3_2_PLUS

try:
    from airflow.sdk.exceptions import AirflowRescheduleException
except ImportError:  # Airflow 3.1
    from airflow.exceptions import AirflowRescheduleException  # type: ignore[no-redef,attr-defined]

#: Airflow 3.1's ``dag.test()`` (and ``airflow dags test``) runs retry and failure callbacks without
#: ``exception`` in their context; its task runner, under a scheduler, gives it.
DAG_TEST_CALLBACKS_SEE_THE_EXCEPTION = AIRFLOW_V_3_2_PLUS

__all__ = ["DAG_TEST_CALLBACKS_SEE_THE_EXCEPTION", "AirflowRescheduleException"]
