"""A distributed Airflow 3 on loopback: PostgreSQL, CeleryExecutor with Redis, and two Celery workers.

``celery_cluster()`` creates a fresh PostgreSQL database for the metadata (Celery's results live there
too) and one for the delivery ledger, flushes a Redis database of its own for the broker, then starts what
``airflow_cluster()`` starts (api-server, scheduler, dag-processor, triggerer) and the workers, each in
its own process group, output in ``<home>/process-logs/``. On exit it stops them all, drops both
databases and flushes the Redis database again.

Every worker reports its own name as the task instances' ``hostname`` (``[core] hostname_callable``), so
tests tell which worker ran a try although all of them run on this machine.
"""

from __future__ import annotations

import contextlib
import importlib.metadata
import os
import secrets
import signal
import socket
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import psutil  # type: ignore[import-untyped]
import redis
from sqlalchemy import create_engine, text
from sqlalchemy.exc import SQLAlchemyError

from tests.e2e.airflow_cluster import AIRFLOW, AirflowCluster, airflow_cluster, wait_for

ROOT = Path(__file__).resolve().parents[2]
PG_HOST, PG_PORT, PG_USER = "127.0.0.1", 5432, "postgres"
REDIS_HOST, REDIS_PORT = "127.0.0.1", 6379
#: A Redis database of the tests' own, flushed before and after: other users of the server keep theirs.
REDIS_DB = int(os.environ.get("WHATSAPP_E2E_REDIS_DB", "13"))
WORKERS = ("worker-1", "worker-2")
#: Task slots per worker: two workers of two slots keep a 2-core machine responsive.
WORKER_CONCURRENCY = 2
LEDGER_CONN_ID = "whatsapp_ledger"
#: Before this Celery provider release, workers started with ``--celery-hostname`` reserve tasks but never
#: run them (apache/airflow#59707); the compatibility floor's packages (as of early 2026) have 3.17.
FIRST_GOOD_CELERY_PROVIDER = (3, 19)
WORKER_NAME_ENV = "WHATSAPP_E2E_WORKER"


def worker_name() -> str:
    """``[core] hostname_callable`` of the cluster: the worker's name, else the machine's."""
    return os.environ.get(WORKER_NAME_ENV) or socket.getfqdn()


def pg_url(database: str, driver: str = "postgresql+psycopg2") -> str:
    """SQLAlchemy URL of ``database`` on the local PostgreSQL (trust authentication)."""
    return f"{driver}://{PG_USER}@{PG_HOST}:{PG_PORT}/{database}"


def services_missing() -> str | None:
    """Why the cluster cannot run here (PostgreSQL or Redis unreachable, a Celery provider whose named
    workers run nothing), or None when it can."""
    try:
        engine = create_engine(pg_url("postgres"), connect_args={"connect_timeout": 3})
        with engine.connect():
            pass
        engine.dispose()
    except SQLAlchemyError as error:
        return f"PostgreSQL unreachable at {PG_HOST}:{PG_PORT} as {PG_USER} ({type(error).__name__})"
    try:
        redis.Redis(REDIS_HOST, REDIS_PORT, socket_connect_timeout=3).ping()
    except redis.RedisError as error:
        return f"Redis unreachable at {REDIS_HOST}:{REDIS_PORT} ({type(error).__name__})"
    version = importlib.metadata.version("apache-airflow-providers-celery")
    if tuple(int(part) for part in version.split(".")[:2]) < FIRST_GOOD_CELERY_PROVIDER:
        return (
            f"apache-airflow-providers-celery {version} runs no task on a worker named by --celery-hostname"
        )
    return None


@contextlib.contextmanager
def fresh_databases(*names: str) -> Iterator[dict[str, str]]:
    """Create one PostgreSQL database per name (random suffix), yield ``{name: database}``; drop on exit."""
    admin = create_engine(pg_url("postgres"), isolation_level="AUTOCOMMIT")
    suffix = secrets.token_hex(4)
    databases = {name: f"whatsapp_e2e_{name}_{suffix}" for name in names}
    try:
        with admin.connect() as conn:
            for database in databases.values():
                conn.execute(text(f'CREATE DATABASE "{database}"'))
        yield databases
    finally:
        with admin.connect() as conn:
            for database in databases.values():
                conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
        admin.dispose()


@contextlib.contextmanager
def flushed_redis() -> Iterator[str]:
    """The broker URL of the tests' Redis database, flushed before and after."""
    client = redis.Redis(REDIS_HOST, REDIS_PORT, db=REDIS_DB)
    client.flushdb()
    try:
        yield f"redis://{REDIS_HOST}:{REDIS_PORT}/{REDIS_DB}"
    finally:
        client.flushdb()
        client.close()


def celery_env(metadata_db: str, ledger_db: str, broker_url: str) -> dict[str, str]:
    """Settings over ``airflow_env``'s: PostgreSQL, Celery, the ledger's connection, a quick retry of the
    task of a worker that died."""
    return {
        "AIRFLOW__CORE__EXECUTOR": "CeleryExecutor",
        "AIRFLOW__CORE__PARALLELISM": str(WORKER_CONCURRENCY * len(WORKERS)),
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": pg_url(metadata_db),
        "AIRFLOW__CELERY__BROKER_URL": broker_url,
        "AIRFLOW__CELERY__RESULT_BACKEND": f"db+{pg_url(metadata_db)}",
        "AIRFLOW__CELERY__WORKER_CONCURRENCY": str(WORKER_CONCURRENCY),
        "AIRFLOW__CORE__HOSTNAME_CALLABLE": f"{__name__}.worker_name",
        # A dead worker's tries stop heartbeating; the scheduler fails (and retries) them after this long
        # instead of the default 300 s.
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT": "30",
        "AIRFLOW__SCHEDULER__TASK_INSTANCE_HEARTBEAT_TIMEOUT_DETECTION_INTERVAL": "2",
        "AIRFLOW__WHATSAPP__LEDGER_CONN_ID": LEDGER_CONN_ID,
        f"AIRFLOW_CONN_{LEDGER_CONN_ID.upper()}": pg_url(ledger_db, driver="postgres"),
        # The worker_name callable above lives in this repository.
        "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
    }


@dataclass
class CeleryCluster:
    """A running distributed cluster: the Airflow components, the workers and the ledger's database."""

    airflow: AirflowCluster
    ledger_url: str

    def ledger_states(self, dag_id: str) -> dict[str, int]:
        """How many rows of the ledger's PostgreSQL database (every worker's) are in each state, for
        ``dag_id``."""
        engine = create_engine(self.ledger_url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(
                    text(
                        "SELECT state, count(*) FROM whatsapp_deliveries WHERE dag_id = :dag GROUP BY state"
                    ),
                    {"dag": dag_id},
                )
                return {str(state): int(count) for state, count in rows}
        finally:
            engine.dispose()

    def start_worker(self, name: str, timeout: float = 120) -> None:
        """Start ``airflow celery worker`` as ``name`` and wait until Celery reports it ready."""
        log = self.airflow.home / "process-logs" / f"{name}.log"
        env = {**self.airflow.env, WORKER_NAME_ENV: name}
        command = [AIRFLOW, "celery", "worker", "--celery-hostname", name, "--skip-serve-logs"]
        with log.open("ab") as out:
            self.airflow.processes[name] = subprocess.Popen(
                [*command, "--concurrency", str(WORKER_CONCURRENCY)],
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                start_new_session=True,
            )

        def ready() -> bool:
            self.airflow.check_alive()
            return f"celery@{name} ready." in log.read_text(errors="replace")

        wait_for(ready, timeout=timeout, what=f"Celery worker {name} to be ready")

    def worker_tree(self, name: str) -> list[psutil.Process]:
        """The worker's main process and every descendant (task runners have process groups of their own)."""
        main = psutil.Process(self.airflow.processes[name].pid)
        return [main, *main.children(recursive=True)]

    def worker_connected_to(self, port: int) -> str | None:
        """The worker one of whose processes has a TCP connection open to ``port`` (e.g. the sandbox)."""
        for name in WORKERS:
            for process in self.worker_tree(name):
                with contextlib.suppress(psutil.NoSuchProcess, psutil.AccessDenied):
                    if any(c.raddr and c.raddr.port == port for c in process.net_connections("tcp")):
                        return name
        return None

    def kill_worker(self, name: str) -> None:
        """SIGKILL the worker's process group and every descendant, as when its machine dies; the cluster
        no longer watches it (``check_alive``)."""
        tree = self.worker_tree(name)
        os.killpg(self.airflow.processes[name].pid, signal.SIGKILL)
        for process in tree:
            with contextlib.suppress(psutil.NoSuchProcess):
                process.kill()
        psutil.wait_procs(tree, timeout=10)
        self.airflow.processes.pop(name).wait(timeout=10)


@contextlib.contextmanager
def celery_cluster(
    home: Path, dags_folder: Path, extra_env: Mapping[str, str] | None = None
) -> Iterator[CeleryCluster]:
    """Fresh databases and broker, the Airflow components and both workers; all gone on exit."""
    with fresh_databases("metadata", "ledger") as databases, flushed_redis() as broker_url:
        env = {**celery_env(databases["metadata"], databases["ledger"], broker_url), **(extra_env or {})}
        with airflow_cluster(home, dags_folder, extra_env=env, startup_timeout=180) as airflow:
            cluster = CeleryCluster(airflow, ledger_url=pg_url(databases["ledger"]))
            for name in WORKERS:
                cluster.start_worker(name)
            yield cluster
