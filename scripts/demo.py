"""``make demo``: run every example DAG with ``airflow dags test`` against a local WhatsApp sandbox.

Starts the sandbox in this process, makes a fresh sandbox key with an ACTIVE connection, lets the demo
recipients write first (free text is only allowed inside the 24-hour window), migrates an Airflow database
in ``.demo/airflow``, runs each DAG in ``example_dags/`` one after another, then prints what each recipient
received, how each DAG did, and where to look in the sandbox. Exits 1 when a DAG failed.

A background thread plays the user who opens the OAuth page of each PENDING Maton connection, so the
onboarding DAG's sensor sees its connection turn ACTIVE.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests
from rich.console import Console
from rich.panel import Panel
from rich.table import Table

from airflow_provider_whatsapp.models.phone import mask_phone
from airflow_provider_whatsapp.sandbox import SandboxServer

ROOT = Path(__file__).resolve().parents[1]
DAGS_FOLDER = ROOT / "example_dags"
DEMO_DIR = ROOT / ".demo"
AIRFLOW = str(Path(sys.executable).parent / "airflow")
CONN_ID = "maton_whatsapp_default"
#: The fake customers the example DAGs write to; each writes first, so free text may be sent to them.
DEMO_RECIPIENTS = ("+31612345678", "+31687654321", "+4915112345678")
DAG_TIMEOUT = 300.0
console = Console(highlight=False)


@dataclass
class DagResult:
    """One ``airflow dags test`` run: outcome, wall time, where its output went, what it sent."""

    dag_id: str
    ok: bool
    seconds: float
    log: Path
    messages: list[dict[str, Any]] = field(default_factory=list)


class SandboxClient:
    """The few sandbox calls the demo makes, all with one key."""

    def __init__(self, url: str, api_key: str) -> None:
        self.url = url
        self.session = requests.Session()
        self.session.headers["Authorization"] = f"Bearer {api_key}"

    def get(self, path: str, **params: str) -> Any:
        """GET a sandbox path and return the JSON answer."""
        answer = self.session.get(f"{self.url}{path}", params=params, timeout=10)
        answer.raise_for_status()
        return answer.json()

    def post(self, path: str, body: Mapping[str, Any]) -> Any:
        """POST a JSON body to a sandbox path and return the JSON answer."""
        answer = self.session.post(f"{self.url}{path}", json=dict(body), timeout=10)
        answer.raise_for_status()
        return answer.json()

    def messages(self) -> list[dict[str, Any]]:
        """Everything sent with this key so far, oldest first."""
        data: list[dict[str, Any]] = self.get("/_sandbox/messages")["data"]
        return data


@contextmanager
def oauth_clicker(sandbox: SandboxClient, interval: float = 0.3) -> Iterator[list[str]]:
    """Open the ``url`` of every PENDING connection as soon as it appears; yields the ids opened."""
    opened: list[str] = []
    stop = threading.Event()

    def watch() -> None:
        while not stop.wait(interval):
            try:
                for connection in sandbox.get("/connections", status="PENDING")["connections"]:
                    requests.get(connection["url"], timeout=5).raise_for_status()
                    if connection["connection_id"] not in opened:
                        opened.append(connection["connection_id"])
            except requests.RequestException as error:
                console.print(f"[yellow]OAuth helper: {error}[/]")

    thread = threading.Thread(target=watch, name="oauth-clicker", daemon=True)
    thread.start()
    try:
        yield opened
    finally:
        stop.set()
        thread.join(timeout=5)


def airflow_env(sandbox_url: str, key: Mapping[str, Any], dags_folder: Path) -> dict[str, str]:
    """Environment of every Airflow command: the demo's own home and the sandbox as the gateway."""
    connection = {
        "conn_type": "maton_whatsapp",
        "host": sandbox_url,
        "password": key["api_key"],
        "extra": {"phone_number_id": key["phone_number_id"], "waba_id": key["waba_id"]},
    }
    env = {name: value for name, value in os.environ.items() if not name.startswith("AIRFLOW")}
    env.update(
        {
            "AIRFLOW_HOME": str(DEMO_DIR / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(dags_folder),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__LOGGING__COLORED_CONSOLE_LOG": "False",
            f"AIRFLOW_CONN_{CONN_ID.upper()}": json.dumps(connection),
        }
    )
    return env


def run(args: list[str], env: Mapping[str, str], log: Path) -> bool:
    """Run an ``airflow`` command with its output in ``log``; True when it exits 0."""
    with log.open("w") as out:
        try:
            return (
                subprocess.run(
                    [AIRFLOW, *args], env=dict(env), stdout=out, stderr=subprocess.STDOUT, timeout=DAG_TIMEOUT
                ).returncode
                == 0
            )
        except subprocess.TimeoutExpired:
            out.write(f"\n[demo] timed out after {DAG_TIMEOUT:.0f} s\n")
            return False


def dag_ids(env: Mapping[str, str], log: Path) -> list[str]:
    """The DAG ids in ``example_dags/`` as Airflow parses them; raises SystemExit on import errors."""

    def airflow_json(*args: str) -> Any:
        result = subprocess.run(
            [AIRFLOW, "dags", *args, "--local", "--output", "json"],
            env=dict(env),
            capture_output=True,
            text=True,
            timeout=DAG_TIMEOUT,
            check=False,
        )
        with log.open("a") as out:
            out.write(result.stdout + result.stderr)
        lines = [line for line in result.stdout.splitlines() if line.startswith("[")]
        if result.returncode != 0 or not lines:
            raise SystemExit(f"airflow dags {args[0]} failed; see {log}")
        return json.loads(lines[-1])

    log.write_text("")
    errors = airflow_json("list-import-errors")
    if errors:
        raise SystemExit(f"example_dags/ has import errors; see {log}:\n{json.dumps(errors, indent=2)}")
    return sorted(dag["dag_id"] for dag in airflow_json("list"))


def describe(message: Mapping[str, Any]) -> str:
    """One line for a sent message: the text, the template, the file, ..."""
    body: dict[str, Any] = message["body"]
    kind = message["type"]
    part: dict[str, Any] = body.get(kind) or {}
    if kind == "text":
        text = str(part.get("body", ""))
    elif kind == "template":
        language = (part.get("language") or {}).get("code", "")
        text = f"{part.get('name')} ({language})"
    elif kind in ("document", "image", "video", "audio", "sticker"):
        text = " ".join(str(part[name]) for name in ("filename", "caption") if part.get(name))
        text = text or str(part.get("id") or part.get("link") or "")
    elif kind == "interactive":
        text = str((part.get("body") or {}).get("text", part.get("type", "")))
    else:
        text = json.dumps(part)[:80]
    return text if len(text) <= 90 else text[:87] + "..."


def show(results: list[DagResult], sandbox: SandboxClient, key: Mapping[str, Any], opened: list[str]) -> None:
    """The summary: per DAG, per message, and where to look."""
    dags = Table(title="Example DAGs (airflow dags test)", title_justify="left")
    for column in ("DAG", "result", "seconds", "messages sent"):
        dags.add_column(column)
    for result in results:
        outcome = "[green]success[/]" if result.ok else f"[red]failed[/] (see {result.log.relative_to(ROOT)})"
        dags.add_row(result.dag_id, outcome, f"{result.seconds:.1f}", str(len(result.messages)))
    console.print(dags)

    received = Table(title="What each recipient received (numbers masked)", title_justify="left")
    for column in ("recipient", "DAG", "type", "content"):
        received.add_column(column)
    sent = [(result.dag_id, message) for result in results for message in result.messages]
    for dag_id, message in sorted(sent, key=lambda pair: (pair[1]["wa_id"], pair[1]["timestamp"])):
        received.add_row(mask_phone("+" + message["wa_id"]), dag_id, message["type"], describe(message))
    console.print(received)
    if opened:
        console.print(
            f"OAuth helper opened the connect page of {len(opened)} PENDING connection(s): {opened}"
        )

    console.print(
        Panel.fit(
            "This sandbox stops with the demo. Start your own with [bold]make sandbox[/] "
            "(http://127.0.0.1:8765), make a key, then look around:\n"
            "  curl -X POST localhost:8765/_sandbox/keys -d '{\"active_connection\": true}'\n"
            "  curl -H 'Authorization: Bearer KEY' localhost:8765/_sandbox/messages   # what was sent\n"
            "  curl -H 'Authorization: Bearer KEY' localhost:8765/_sandbox/events     # webhooks\n"
            "  curl -H 'Authorization: Bearer KEY' localhost:8765/connections         # Maton connections\n"
            "  curl -H 'Authorization: Bearer KEY' -X POST localhost:8765/_sandbox/inbound "
            '-d \'{"from": "+31612345678", "text": "hi"}\'\n'
            f"Airflow home of this run: {(DEMO_DIR / 'airflow').relative_to(ROOT)} "
            f"(DAG outputs in {(DEMO_DIR / 'logs').relative_to(ROOT)}); "
            f"sandbox phone_number_id {key['phone_number_id']}, waba_id {key['waba_id']}. "
            "See airflow_provider_whatsapp/sandbox/README.md.",
            title="Where to look",
        )
    )
    console.print(f"{len(sandbox.messages())} message(s) stored by the sandbox in total.")


def main() -> int:
    """Run the demo; 0 when every DAG succeeded."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dags-folder", type=Path, default=DAGS_FOLDER, help="default: example_dags/")
    args = parser.parse_args()
    started = time.monotonic()
    logs = DEMO_DIR / "logs"
    logs.mkdir(parents=True, exist_ok=True)
    with SandboxServer() as server:
        key = requests.post(
            f"{server.url}/_sandbox/keys", json={"active_connection": True}, timeout=10
        ).json()
        sandbox = SandboxClient(server.url, key["api_key"])
        for number in DEMO_RECIPIENTS:
            sandbox.post("/_sandbox/inbound", {"from": number, "text": "Hi! Keep me posted here."})
        console.print(
            f"Sandbox on {server.url}: fresh key with ACTIVE connection {key['connection_id']}; "
            f"{len(DEMO_RECIPIENTS)} demo customers wrote first (opens their 24 h window)."
        )
        env = airflow_env(server.url, key, args.dags_folder.resolve())
        with console.status("airflow db migrate (.demo/airflow) ..."):
            if not run(["db", "migrate"], env, logs / "db-migrate.log"):
                console.print(f"[red]airflow db migrate failed; see {logs / 'db-migrate.log'}[/]")
                return 1
            ids = dag_ids(env, logs / "dags-list.log")
        console.print(f"{len(ids)} DAGs in {args.dags_folder}: {', '.join(ids)}")
        console.print(
            "A helper thread opens the OAuth URL of each PENDING Maton connection (you would click it)."
        )

        results: list[DagResult] = []
        with oauth_clicker(sandbox) as opened:
            for dag_id in ids:
                before = len(sandbox.messages())
                t0 = time.monotonic()
                with console.status(f"airflow dags test {dag_id} ..."):
                    ok = run(["dags", "test", dag_id], env, logs / f"{dag_id}.log")
                result = DagResult(dag_id, ok, time.monotonic() - t0, logs / f"{dag_id}.log")
                result.messages = sandbox.messages()[before:]
                results.append(result)
                mark = "[green]ok[/]" if ok else "[red]FAILED[/]"
                console.print(f"{mark} {dag_id} ({result.seconds:.1f} s, {len(result.messages)} message(s))")
        show(results, sandbox, key, opened)
    failed = [result.dag_id for result in results if not result.ok]
    console.print(f"Demo took {time.monotonic() - started:.0f} s.")
    if failed:
        console.print(f"[red]{len(failed)} DAG(s) failed: {', '.join(failed)}[/]")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
