"""Reuse the e2e fixtures: a temporary AIRFLOW_HOME (set before Airflow is imported), the sandbox
connection, and the sandbox's admin API."""

from tests.e2e.conftest import (  # noqa: F401  (fixtures)
    airflow_home,
    maton_connection,
    oauth_user,
    sandbox_admin,
    wrong_maton_key,
)
