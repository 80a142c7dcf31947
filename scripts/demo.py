"""``make demo``: run every example DAG with ``airflow dags test`` against a local WhatsApp sandbox.

Starts the sandbox in this process and migrates an Airflow database in ``.demo/airflow``. Each DAG then
runs in its own ``airflow dags test`` process, with its own copy of that database (SQLite takes one writer
at a time) and its own sandbox key (fresh, with an ACTIVE connection; the demo customers have written
first, which opens the 24-hour window free text needs), a few DAGs at a time. At the end: what each
recipient received, how each DAG did, and where to look in the sandbox. Exits 1 when a DAG failed.

A background thread plays the user who opens the OAuth page of each PENDING Maton connection, so the
onboarding DAG's sensor sees its new connection turn ACTIVE.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.table import Table

from airflow_provider_whatsapp.sandbox import SandboxServer
from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient
from airflow_provider_whatsapp.utils.phone import mask_phone

ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = ROOT / "example_dags"
DEMO_DIR = ROOT / ".demo"
HOME = DEMO_DIR / "airflow"
LOGS = DEMO_DIR / "logs"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
CONN_ENV = "AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"
#: The fake customers the example DAGs write to by default (their ``recipients`` Params).
DEMO_RECIPIENTS = ("+31612345678", "+31687654321")
TIMEOUT = 300.0
console = Console(highlight=False)


@dataclass
class DagRun:
    """One ``airflow dags test`` run: its key, outcome, wall time and what it sent."""

    dag_id: str
    key: SandboxAdminClient
    ok: bool = False
    seconds: float = 0.0
    messages: list[dict[str, Any]] = field(default_factory=list)

    @property
    def log(self) -> Path:
        """Where the command's output goes."""
        return LOGS / f"{self.dag_id}.log"


@contextmanager
def oauth_user(keys: Sequence[SandboxAdminClient], interval: float = 0.3) -> Iterator[list[str]]:
    """Open the ``url`` of every PENDING connection of ``keys`` as it appears; yields the ids opened."""
    opened: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            for key in keys:
                try:
                    for connection in key.connections("PENDING"):
                        key.open_oauth_page(connection)
                        opened.append(connection["connection_id"])
                except requests.HTTPError as error:
                    if error.response is None or error.response.status_code != 429:
                        console.print(f"[yellow]OAuth helper: {error}[/]")
                    # a 429: the key's DAG uses its 10 requests/s; look again next round
                except requests.RequestException as error:
                    console.print(f"[yellow]OAuth helper: {error}[/]")

    thread = threading.Thread(target=watch, name="oauth-user", daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        stop.set()
        thread.join(timeout=5)


def airflow_env(dags_folder: Path, database: Path, connection_json: str = "") -> dict[str, str]:
    """Environment of an Airflow command: the demo's home, one database, the sandbox as the gateway."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(HOME),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{database}",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
        }
    )
    if connection_json:
        env[CONN_ENV] = connection_json
    return env


def airflow(args: Sequence[str], env: Mapping[str, str], log: Path) -> subprocess.CompletedProcess[str]:
    """Run an ``airflow`` command, its output also written to ``log``; a timeout counts as exit code 124."""
    try:
        result = subprocess.run(
            [AIRFLOW, *args], env=dict(env), capture_output=True, text=True, timeout=TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        result = subprocess.CompletedProcess(args, 124, "", f"[demo] timed out after {TIMEOUT:.0f} s\n")
    log.write_text(result.stdout + result.stderr)
    return result


def dag_ids(env: Mapping[str, str]) -> list[str]:
    """The DAG ids in the DAGs folder as Airflow parses them; SystemExit when a file does not import."""
    result = airflow(["dags", "list", "--local", "--output", "json"], env, LOGS / "dags-list.log")
    if "Failed to load all files" in result.stderr:
        errors = airflow(["dags", "list-import-errors", "--local"], env, LOGS / "import-errors.log")
        raise SystemExit(f"DAG files failed to import:\n{errors.stdout}")
    listing = [line for line in result.stdout.splitlines() if line.startswith("[")]
    if result.returncode != 0 or not listing:
        raise SystemExit(f"airflow dags list failed; see {LOGS / 'dags-list.log'}")
    return sorted(dag["dag_id"] for dag in json.loads(listing[-1]))


def run_dag(run: DagRun, dags_folder: Path, template_db: Path) -> DagRun:
    """``airflow dags test`` on a copy of the migrated database; record outcome, time and messages."""
    database = HOME / "runs" / f"{run.dag_id}.db"
    shutil.copyfile(template_db, database)
    started = time.monotonic()
    result = airflow(
        ["dags", "test", run.dag_id],
        airflow_env(dags_folder, database, run.key.airflow_connection_json()),
        run.log,
    )
    run.ok, run.seconds = result.returncode == 0, time.monotonic() - started
    run.messages = run.key.messages()
    return run


def describe(message: Mapping[str, Any]) -> str:
    """What the recipient sees, in one short line: the text, the template, the file, ..."""
    kind = message["type"]
    part: dict[str, Any] = message["body"].get(kind) or {}
    if kind == "text":
        text = str(part.get("body", ""))
    elif kind == "template":
        filled = " ".join(str(message.get("template_text", "")).split())
        text = f"template {part.get('name')}: {filled}" if filled else f"template {part.get('name')}"
    elif kind in ("document", "image", "video", "audio", "sticker"):
        text = " - ".join(str(part[name]) for name in ("filename", "caption") if part.get(name))
        text = f"{kind}: {text or part.get('id') or part.get('link')}"
    elif kind == "interactive":
        text = f"interactive: {(part.get('body') or {}).get('text', part.get('type', ''))}"
    else:
        text = f"{kind}: {json.dumps(part)}"
    return text if len(text) <= 120 else text[:117] + "..."


#: A DAG that reaches more recipients than this is summed up in one line, not listed per recipient.
CAMPAIGN = 10


def short(dag_id: str) -> str:
    """``whatsapp_media_report`` -> ``media_report``: every example DAG id starts the same way."""
    return dag_id.removeprefix("whatsapp_")


def summary(runs: Sequence[DagRun], opened: Sequence[str], seconds: float, server_url: str) -> None:
    """Print per DAG, per recipient, and where to look."""
    dags = Table(title="DAGs run with airflow dags test", title_justify="left")
    dags.add_column("DAG", no_wrap=True)
    dags.add_column("result")
    dags.add_column("seconds", justify="right")
    dags.add_column("sent", justify="right")
    for run in runs:
        outcome = "[green]success[/]" if run.ok else "[red]FAILED[/]"
        dags.add_row(run.dag_id, outcome, f"{run.seconds:.1f}", str(len(run.messages)))
    console.print(dags)
    for run in runs:
        if not run.ok:
            console.print(f"[red]{run.dag_id} failed[/]: its output is in {run.log.relative_to(ROOT)}")

    campaigns = [run for run in runs if len({m["wa_id"] for m in run.messages}) > CAMPAIGN]
    for run in campaigns:
        kinds = Counter(describe(message).split(":")[0] for message in run.messages)
        first = describe(run.messages[0]) if run.messages else ""
        console.print(
            f"[cyan]{short(run.dag_id)}[/] reached {len({m['wa_id'] for m in run.messages})} recipients "
            f"({', '.join(f'{n} {kind}' for kind, n in kinds.items())}); the first read: {first}"
        )
    sent = sorted(
        ((message, run.dag_id) for run in runs if run not in campaigns for message in run.messages),
        key=lambda pair: (pair[0]["wa_id"], pair[1], pair[0]["timestamp"]),
    )
    for wa_id in dict.fromkeys(message["wa_id"] for message, _ in sent):
        mine = [(message, dag_id) for message, dag_id in sent if message["wa_id"] == wa_id]
        table = Table(
            title=f"{mask_phone('+' + wa_id)} received {len(mine)} message(s)", title_justify="left", box=None
        )
        table.add_column("from DAG", style="cyan", no_wrap=True)
        table.add_column("message")
        for message, dag_id in mine:
            table.add_row(short(dag_id), describe(message))
        console.print(table)
    if opened:
        console.print(f"The OAuth helper opened the connect page of {len(opened)} PENDING connection(s).")

    look = Table(title="Where to look", title_justify="left", box=None, show_header=False)
    look.add_column(style="bold", no_wrap=True)
    look.add_column()
    for where, what in (
        ("inbox", f"{server_url}/ (one account per DAG: pick it at the top)"),
        ("make sandbox", "your own, on 127.0.0.1:8765 with key sandbox-key"),
        ("GET /_sandbox/messages", "what was sent (Authorization: Bearer <key>)"),
        ("GET /_sandbox/events", "inbound messages and statuses, as webhooks"),
        ("POST /_sandbox/inbound", 'a customer writes {"from", "text"}: 24 h window'),
        ("GET /connections", "Maton connections; a PENDING one's url activates it"),
        ("POST /_sandbox/keys", "a fresh key with an ACTIVE connection"),
        ("sandbox README", "airflow_provider_whatsapp/sandbox/README.md"),
        (str(LOGS.relative_to(ROOT)), f"each DAG's output (Airflow home: {HOME.relative_to(ROOT)})"),
    ):
        look.add_row(where, what)
    console.print(look)
    console.print(f"Demo took {seconds:.0f} s.")


def main() -> int:
    """Run the demo; 0 when every DAG succeeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags-folder", type=Path, default=DAGS_FOLDER, help="default: example_dags/")
    parser.add_argument("--jobs", type=int, default=min(4, os.cpu_count() or 1), help="DAGs run at once")
    args = parser.parse_args()
    dags_folder: Path = args.dags_folder.resolve()
    started = time.monotonic()
    (HOME / "runs").mkdir(parents=True, exist_ok=True)
    LOGS.mkdir(parents=True, exist_ok=True)
    template_db = HOME / "airflow.db"

    with SandboxServer() as server:
        console.print(
            f"Sandbox on {server.url}. Migrating the Airflow database in {HOME.relative_to(ROOT)} ..."
        )
        env = airflow_env(dags_folder, template_db)
        if airflow(["db", "migrate"], env, LOGS / "db-migrate.log").returncode != 0:
            console.print(f"[red]airflow db migrate failed; see {LOGS / 'db-migrate.log'}[/]")
            return 1
        runs = [
            DagRun(dag_id, SandboxAdminClient.new_key(server.url, label=dag_id, templates="docs"))
            for dag_id in dag_ids(env)
        ]
        for run in runs:
            for number in DEMO_RECIPIENTS:
                run.key.inbound(number, "Hi! Keep me posted here.")
        console.print(
            f"{len(runs)} DAGs, one sandbox key each (an ACTIVE connection; the {len(DEMO_RECIPIENTS)} demo "
            f"customers wrote first). {args.jobs} at a time; a helper opens new connections' OAuth pages."
        )
        with oauth_user([run.key for run in runs]) as opened, ThreadPoolExecutor(args.jobs) as pool:
            futures = [pool.submit(run_dag, run, dags_folder, template_db) for run in runs]
            with console.status("airflow dags test ..."):
                for future in as_completed(futures):
                    run = future.result()
                    mark = "[green]ok[/]    " if run.ok else "[red]FAILED[/]"
                    console.print(f"{mark} {run.dag_id}: {run.seconds:.1f} s, {len(run.messages)} message(s)")
        summary(runs, opened, time.monotonic() - started, server.url)
        ok = all(run.ok for run in runs)
        first = runs[0].key.inbox_url() if runs else f"{server.url}/"
        console.print(f"Inbox: {first}")
        if sys.stdout.isatty() and not os.environ.get("CI"):
            console.print("The sandbox stays up for you to look around: Ctrl-C to stop.")
            with suppress(KeyboardInterrupt):
                threading.Event().wait()
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
