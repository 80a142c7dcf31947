"""A real Airflow 3 on loopback for end-to-end tests: api-server, scheduler, dag-processor, triggerer.

``airflow_cluster()`` migrates a SQLite database in a temporary ``AIRFLOW_HOME``, starts the four processes
(each in its own process group, output in ``<home>/process-logs/``), waits until the api-server reports all
of them healthy, and logs in to the REST API. On exit every process it started, and every descendant, is
stopped; when the body raised, the tail of each component's output is printed first (pytest shows it with
the failure). The settings in ``airflow_env`` are the ones a quick, self-contained cluster needs.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import psutil  # type: ignore[import-untyped]
import requests

BIN = Path(sys.executable).parent
AIRFLOW = str(BIN / "airflow")
ADMIN = "admin"
COMPONENTS = ("api-server", "scheduler", "dag-processor", "triggerer")
FINISHED_TASK_STATES = frozenset({"success", "failed", "skipped", "upstream_failed", "removed"})
T = TypeVar("T")


def listening_port(proc: subprocess.Popen[bytes]) -> int | None:
    """The TCP port a process (or one of its children) listens on, None until it does."""
    with contextlib.suppress(psutil.NoSuchProcess):
        parent = psutil.Process(proc.pid)
        for member in (parent, *parent.children(recursive=True)):
            for conn in member.net_connections("tcp"):
                if conn.status == psutil.CONN_LISTEN:
                    return int(conn.laddr.port)
    return None


def assert_in_order(text: str, *parts: str) -> None:
    """Each part occurs in ``text`` after the previous one."""
    position = 0
    for part in parts:
        found = text.find(part, position)
        assert found >= 0, f"{part!r} missing after position {position} of the task log:\n{text}"
        position = found + len(part)


def wait_for(check: Callable[[], T | None], *, timeout: float, interval: float = 0.5, what: str) -> T:
    """Call ``check`` until it returns something but None or False; TimeoutError after ``timeout``."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result is not None and result is not False:
            return result
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what}")
        time.sleep(interval)


def airflow_env(home: Path, dags_folder: Path, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    """Environment for every Airflow command of one cluster: isolated home, fast loops, loopback only.

    The api-server listens on a port the OS picks (``0``); ``with_api_url`` adds where it landed.
    """
    env = {k: v for k, v in os.environ.items() if not k.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            # LocalExecutor on SQLite: Airflow 3.3 accepts it (no error, no warning).
            "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
            "AIRFLOW__CORE__PARALLELISM": "4",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            # The first command writes airflow.cfg with a generated JWT secret that all processes then share,
            # but a 16-byte one PyJWT warns about on every token; 64 bytes keeps the logs clean.
            "AIRFLOW__API_AUTH__JWT_SECRET": secrets.token_urlsafe(64),
            # SimpleAuthManager with one admin whose password we choose (see `airflow_cluster`); with
            # `simple_auth_manager_all_admins` the REST API would not need a token at all.
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": f"{ADMIN}:admin",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(home / "passwords.json"),
            "AIRFLOW__API__HOST": "127.0.0.1",
            "AIRFLOW__API__PORT": "0",
            # Shorter loops than the defaults; measured, they save only ~3 s of the ~40 s a run takes
            # (process start-up dominates), and one parsing process spares a core.
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "2",
            "AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL": "10",
            "AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES": "1",
            "AIRFLOW__DAG_PROCESSOR__BUNDLE_REFRESH_CHECK_INTERVAL": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__SCHEDULER__SCHEDULER_IDLE_SLEEP_TIME": "0.2",
            "AIRFLOW__TRIGGERER__JOB_HEARTBEAT_SEC": "1",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(extra or {})
    return env


def with_api_url(env: Mapping[str, str], api_url: str) -> dict[str, str]:
    """``env`` for the components that talk to the api-server at ``api_url``."""
    return {
        **env,
        "AIRFLOW__API__BASE_URL": api_url,
        # Where task runners reach the Task Execution API; derived from base_url when unset, and
        # http://localhost:8080/execution/ when that is unset too.
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{api_url}/execution/",
    }


@dataclass
class AirflowCluster:
    """A running cluster: its home, REST client and processes."""

    home: Path
    api_url: str
    env: dict[str, str]
    processes: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    session: requests.Session = field(default_factory=requests.Session)

    def request(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """Call ``/api/v2{path}`` with the token and return the response.

        SQLite's lock may refuse a statement while another component holds it (a 500 "Database error",
        rolled back); the call is then made again, which is safe because every call these tests make is
        idempotent (a trigger names its run id).
        """

        def answered() -> requests.Response | None:
            response = self.session.request(method, f"{self.api_url}/api/v2{path}", timeout=30, **kwargs)
            refused = response.status_code == 500 and "Database error" in response.text
            return None if refused else response

        return wait_for(answered, timeout=60, what=f"{method} {path} to get past SQLite's lock")

    def api(self, method: str, path: str, **kwargs: Any) -> Any:
        """``request``, raising on an HTTP error; returns the JSON body."""
        response = self.request(method, path, **kwargs)
        if response.status_code >= 400:
            raise AssertionError(f"{method} {path} -> {response.status_code}: {response.text[:2000]}")
        return response.json() if response.content else None

    def check_alive(self) -> None:
        """Raise if any component has exited (a dead scheduler would otherwise look like a slow one)."""
        dead = {name: p.returncode for name, p in self.processes.items() if p.poll() is not None}
        if dead:
            raise RuntimeError(f"Airflow process(es) exited: {dead}")

    def process_logs(self, tail: int = 80) -> str:
        """The last ``tail`` lines of each component's output, for printing when a test fails."""
        parts = []
        for name in self.processes:
            lines = (self.home / "process-logs" / f"{name}.log").read_text(errors="replace").splitlines()
            parts.append(f"===== airflow {name} (last {tail} lines) =====\n" + "\n".join(lines[-tail:]))
        return "\n".join(parts)

    @contextlib.contextmanager
    def logs_on_failure(self) -> Iterator[None]:
        """Print the components' output when the body raises: for tests that share one cluster through
        a fixture, whose own failures never reach ``airflow_cluster``'s handler."""
        try:
            yield
        except BaseException:
            print(self.process_logs(), file=sys.stderr)
            raise

    def dag_runs(self, dag_id: str) -> list[dict[str, Any]]:
        """Every run of ``dag_id`` as the REST API lists it (``dag_run_id``, ``run_type``, ``state``...)."""
        runs: list[dict[str, Any]] = self.api("GET", f"/dags/{dag_id}/dagRuns")["dag_runs"]
        return runs

    def task_instances(self, dag_id: str, run_id: str) -> list[dict[str, Any]]:
        """The task instances of one DAG run (``task_id``, ``state``, ``try_number``...)."""
        tis: list[dict[str, Any]] = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances")[
            "task_instances"
        ]
        return tis

    def task_states(self, dag_id: str, run_id: str) -> dict[str, str | None]:
        """``{task_id: state}`` of one DAG run."""
        return {ti["task_id"]: ti["state"] for ti in self.task_instances(dag_id, run_id)}

    def wait_for_task_state(self, dag_id: str, run_id: str, task_id: str, state: str, timeout: float) -> None:
        """Wait until the task is in ``state``; fail at once if it finishes in another state instead
        (a sensor that fails must not cost the whole timeout)."""

        def reached() -> bool:
            self.check_alive()
            current = self.task_states(dag_id, run_id).get(task_id)
            if current != state and current in FINISHED_TASK_STATES:
                raise AssertionError(f"{dag_id}.{task_id} ended {current} while waiting for {state}")
            return current == state

        wait_for(reached, timeout=timeout, what=f"{dag_id}.{task_id} to be {state}")

    def wait_until_deferred(self, dag_id: str, run_id: str, task_id: str, timeout: float) -> None:
        """Wait until the task is ``deferred`` and the scheduler has processed the exit of the worker that
        deferred it; only then may a test make the trigger fire.

        Airflow 3.3 bug (apache/airflow#72716, #71580): when the trigger fires quickly and the resumed try
        is already running before the scheduler drains the deferring worker's "success" event, the
        scheduler sees a state mismatch and marks the resumed try failed. Seen here on 2 busy cores, where
        that worker took 5 s to exit. The event is only visible in the scheduler's output.
        """
        self.wait_for_task_state(dag_id, run_id, task_id, "deferred", timeout=timeout)
        event = (
            f"Received executor event with state success for task instance TaskInstanceKey("
            f"dag_id='{dag_id}', task_id='{task_id}', run_id='{run_id}'"
        )
        log = self.home / "process-logs" / "scheduler.log"
        wait_for(
            lambda: event in log.read_text(errors="replace"),
            timeout=timeout,
            what=f"the scheduler to process the deferring exit of {dag_id}.{task_id}",
        )

    def unpause_when_parsed(self, dag_id: str, timeout: float) -> None:
        """Wait until the dag-processor has stored ``dag_id``, then unpause it (new DAGs start paused, so
        scheduled example DAGs other than the one under test stay quiet)."""

        def parsed() -> bool:
            self.check_alive()
            return self.session.get(f"{self.api_url}/api/v2/dags/{dag_id}", timeout=10).status_code == 200

        wait_for(parsed, timeout=timeout, what=f"DAG {dag_id} to be parsed")
        self.api("PATCH", f"/dags/{dag_id}", json={"is_paused": False})

    def trigger(
        self, dag_id: str, conf: Mapping[str, Any] | None = None, logical_date: datetime | None = None
    ) -> str:
        """Trigger a run now through the REST API and return its run_id.

        Without ``logical_date`` (Airflow 3's default for a triggered run) the run has none, so templates
        using ``ds``, ``ts`` or ``logical_date`` fail to render in it.
        """
        when = None if logical_date is None else logical_date.isoformat()
        run_id = f"manual__test_{secrets.token_hex(6)}"
        body = {"dag_run_id": run_id, "logical_date": when, "conf": dict(conf or {})}

        # A 409 says an earlier answer was lost after the run was created.
        answer = self.request("POST", f"/dags/{dag_id}/dagRuns", json=body)
        if answer.status_code not in (200, 409):
            raise AssertionError(f"POST /dags/{dag_id}/dagRuns -> {answer.status_code}: {answer.text[:2000]}")
        return run_id

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float) -> str:
        """Wait until the run is finished and return its final state (``success`` or ``failed``)."""

        def finished() -> str | None:
            self.check_alive()
            state: str = self.api("GET", f"/dags/{dag_id}/dagRuns/{run_id}")["state"]
            return state if state in ("success", "failed") else None

        return wait_for(finished, timeout=timeout, what=f"run {run_id} of {dag_id} to finish")

    def task_log(
        self, dag_id: str, run_id: str, task_id: str, try_number: int = 1, map_index: int = -1
    ) -> str:
        """The task's log as text, read through the REST API (the same text the UI shows)."""
        body = self.api(
            "GET",
            f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances/{task_id}/logs/{try_number}",
            params={"full_content": "true", "map_index": map_index},
            headers={"Accept": "application/json"},
        )
        # Structured events ({"event": text, ...}), or plain lines when Airflow could not parse the file.
        return "\n".join(
            str(line.get("event", "")) if isinstance(line, dict) else str(line) for line in body["content"]
        )


def _stop(processes: Mapping[str, subprocess.Popen[bytes]], grace: float = 10.0) -> None:
    """SIGTERM each process group, then SIGKILL whatever is left of it and of the descendants.

    Descendants are listed first because task runners put themselves in their own process groups.
    A single SIGTERM per group: a second one makes the triggerer skip its clean shutdown.
    """
    victims: list[psutil.Process] = []
    for proc in processes.values():
        with contextlib.suppress(psutil.NoSuchProcess):
            parent = psutil.Process(proc.pid)
            victims += [parent, *parent.children(recursive=True)]
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
    _, alive = psutil.wait_procs(victims, timeout=grace)
    for proc in processes.values():
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
    for victim in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            victim.kill()
    psutil.wait_procs(alive, timeout=5)
    for proc in processes.values():
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)


def run_airflow(args: list[str], env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run one ``airflow`` CLI command to completion; raise with its output if it fails."""
    result = subprocess.run(
        [AIRFLOW, *args], env=dict(env), capture_output=True, text=True, timeout=timeout, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(
            f"airflow {' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}"
        )
    return result


def _healthy(cluster: AirflowCluster) -> bool:
    """True when the api-server answers and reports the scheduler, dag-processor and triggerer healthy."""
    cluster.check_alive()
    try:
        health = requests.get(f"{cluster.api_url}/api/v2/monitor/health", timeout=5).json()
    except (requests.ConnectionError, requests.Timeout, ValueError):
        return False
    parts = ("metadatabase", "scheduler", "triggerer", "dag_processor")
    return all((health.get(part) or {}).get("status") == "healthy" for part in parts)


def _api_port(cluster: AirflowCluster) -> int | None:
    """The port the api-server listens on, once it does (raise if a component died meanwhile)."""
    cluster.check_alive()
    return listening_port(cluster.processes["api-server"])


def _write_ahead_log(url: str) -> None:
    """Put a SQLite metadata database in WAL mode, which it keeps: readers then never block the
    writer, so the components and the REST calls wait far less on each other's locks than in SQLite's
    default rollback journal (where a wait past 5 s is a 500 "Database error")."""
    if url.startswith("sqlite:///"):
        with contextlib.closing(sqlite3.connect(url.removeprefix("sqlite:///"))) as database:
            database.execute("PRAGMA journal_mode=WAL")


@contextlib.contextmanager
def airflow_cluster(
    home: Path, dags_folder: Path, extra_env: Mapping[str, str] | None = None, startup_timeout: float = 60.0
) -> Iterator[AirflowCluster]:
    """Migrate, start the four components, wait until healthy, log in; stop them all on exit."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "process-logs").mkdir(exist_ok=True)
    env = airflow_env(home, dags_folder, extra_env)
    password = secrets.token_urlsafe(16)
    (home / "passwords.json").write_text(json.dumps({ADMIN: password}))
    run_airflow(["db", "migrate"], env, timeout=90)
    _write_ahead_log(env["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"])
    cluster = AirflowCluster(home=home, api_url="", env=env)
    commands = {
        "api-server": ["api-server"],
        # The log servers listen on every interface; the api-server reads the log files from the shared home.
        "scheduler": ["scheduler", "--skip-serve-logs"],
        "dag-processor": ["dag-processor"],
        "triggerer": ["triggerer", "--skip-serve-logs"],
    }
    try:
        for name in COMPONENTS:  # the api-server first: the others need the port it was given
            with (home / "process-logs" / f"{name}.log").open("wb") as out:
                cluster.processes[name] = subprocess.Popen(
                    [AIRFLOW, *commands[name]],
                    env=cluster.env,
                    stdout=out,
                    stderr=subprocess.STDOUT,
                    stdin=subprocess.DEVNULL,
                    start_new_session=True,
                )
            if name == "api-server":
                port = wait_for(
                    lambda: _api_port(cluster), timeout=startup_timeout, interval=0.2, what="the api port"
                )
                cluster.api_url = f"http://127.0.0.1:{port}"
                cluster.env = with_api_url(env, cluster.api_url)
        wait_for(lambda: _healthy(cluster), timeout=startup_timeout, interval=1, what="a healthy cluster")
        token = requests.post(
            f"{cluster.api_url}/auth/token", json={"username": ADMIN, "password": password}, timeout=10
        ).json()["access_token"]
        cluster.session.headers["Authorization"] = f"Bearer {token}"
        yield cluster
    except BaseException:
        print(cluster.process_logs(), file=sys.stderr)
        raise
    finally:
        _stop(cluster.processes)
        cluster.session.close()
