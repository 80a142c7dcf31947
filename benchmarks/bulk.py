"""Sending from data at the account's limit: the bulk operator beside a sequential loop, in one run.

Starts the sandbox in a subprocess with the given latency, rate limit and faults. Sends ``--messages``
personalised texts through ``WhatsAppBulkSendOperator`` (its delivery ledger a SQLite file; with
``--retries N`` a failed try is retried like Airflow would, up to N times), then the same audience
with a sequential loop in the style of the gateway's own examples (urllib, one request after the other,
an error counted and skipped). For each: delivered messages/s, the sandbox's 429s, duplicates stored,
lost (neither stored nor reported), unknown, CPU per message and peak memory growth.

    python benchmarks/bulk.py --messages 1000 --latency-ms 150 --rate-limit 10
    python benchmarks/bulk.py --messages 10000 --rate-limit 0 --no-loop
    python benchmarks/bulk.py --messages 10000 --rate-limit 0 --no-loop --retries 3 \\
        --rate-limit-rate 0.05 --error-rate 0.02 --drop-rate 0.01 --lost-response-rate 0.01
    python benchmarks/bulk.py --messages 100000 --rate-limit 0 --no-loop --sql

``--sql`` reads the audience from a SQLite table through ``SqlToWhatsAppOperator`` instead of a list.
"""

from __future__ import annotations

import argparse
import json
import os
import tempfile
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psutil  # type: ignore[import-untyped]
from client_overhead import sandbox  # this folder is on sys.path when a script here runs

from airflow_provider_whatsapp.sandbox.admin_client import SandboxAdminClient

os.environ.setdefault("AIRFLOW__LOGGING__LOGGING_LEVEL", "WARNING")
TEXT = "Hi {{ name }}, your order {{ order }} is on its way."
HEADER = (
    f"{'client':<28}{'msg/s':>9}{'429s':>7}{'dup':>6}{'lost':>6}{'unknown':>9}{'failed':>8}"
    f"{'CPU ms/msg':>11}{'peak MB':>9}"
)


@dataclass
class Figures:
    """What one client did, as the sandbox and the client's own report tell it."""

    client: str
    messages: int
    seconds: float
    cpu_seconds: float
    peak_mb: float
    delivered: int
    duplicates: int
    rate_limited: int
    reported: Counter[str]

    @property
    def lost(self) -> int:
        """Recipients neither stored by the sandbox nor reported unknown or failed by the client."""
        accounted = self.delivered + sum(n for state, n in self.reported.items() if state != "sent")
        return max(self.messages - accounted, 0)

    def row(self) -> str:
        rate = self.delivered / self.seconds if self.seconds else 0.0
        unknown = self.reported.get("unknown", 0)
        failed = self.reported.get("failed", 0) + self.reported.get("retry", 0)
        return (
            f"{self.client:<28}{rate:>9.1f}{self.rate_limited:>7}{self.duplicates:>6}{self.lost:>6}"
            f"{unknown:>9}{failed:>8}{self.cpu_seconds / self.messages * 1e3:>11.3f}{self.peak_mb:>9.1f}"
        )


@contextmanager
def measured() -> Iterator[dict[str, float]]:
    """Wall time, this process's CPU time and its peak RSS growth (sampled every 20 ms) of the body."""
    process = psutil.Process()
    base, peak, stop = process.memory_info().rss, [0], threading.Event()

    def sample() -> None:
        while not stop.wait(0.02):
            peak[0] = max(peak[0], process.memory_info().rss - base)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    figures: dict[str, float] = {}
    started, cpu = time.perf_counter(), time.process_time()
    try:
        yield figures
    finally:
        figures["seconds"] = time.perf_counter() - started
        figures["cpu"] = time.process_time() - cpu
        stop.set()
        sampler.join()
        figures["peak_mb"] = max(peak[0], process.memory_info().rss - base) / 2**20


def audience(count: int) -> list[dict[str, str]]:
    """Distinct fake customers (none ends in 0000, the sandbox's undeliverable numbers)."""
    return [
        {"to": f"+3162{index:07d}1", "name": f"Customer {index}", "order": f"A-{index}"}
        for index in range(count)
    ]


class BenchTI:
    """The task instance ``execute()`` reads: its ledger key, its try; XCom pushes are dropped."""

    def __init__(self, run_id: str, try_number: int) -> None:
        self.dag_id, self.task_id, self.map_index = "bench", "bulk", -1
        self.run_id, self.try_number = run_id, try_number

    def xcom_push(self, key: str, value: Any) -> None:
        """Not kept."""


def run_operator(
    admin: SandboxAdminClient, people: list[dict[str, str]], rate: float, retries: int, sql: str | None
) -> Figures:
    """The bulk operator (or, with ``sql``, the SQL one over that SQLite file), retried like Airflow
    would; figures from its report and the sandbox."""
    from airflow.providers.common.compat.sdk import AirflowException, AirflowFailException
    from airflow.sdk import DAG

    from airflow_provider_whatsapp.operators import SqlToWhatsAppOperator, WhatsAppBulkSendOperator

    os.environ["AIRFLOW_CONN_MATON_WHATSAPP_DEFAULT"] = admin.airflow_connection_json()
    common: dict[str, Any] = {
        "task_id": "bulk",
        "message": {"type": "text", "text": {"body": TEXT}},
        "hook_params": {"requests_per_second": rate},
        "max_failures": len(people),
    }
    with DAG("bench", schedule=None, start_date=datetime(2025, 1, 1)) as dag:
        if sql:
            os.environ["AIRFLOW_CONN_BENCH_AUDIENCE"] = f"sqlite:///{sql}"
            operator: WhatsAppBulkSendOperator = SqlToWhatsAppOperator(
                sql="select * from audience", sql_conn_id="bench_audience", **common
            )
        else:
            operator = WhatsAppBulkSendOperator(recipients=people, **common)
    run_id, summary = f"bench__{uuid.uuid4().hex}", {}
    with measured() as figures:
        for try_number in range(1, retries + 2):
            try:
                summary = operator.execute({"ti": BenchTI(run_id, try_number), "dag": dag})  # type: ignore[arg-type]
                break
            except AirflowFailException:
                break
            except AirflowException:
                continue
    reported = Counter(
        {state: int(summary.get(state, 0)) for state in ("sent", "unknown", "retry", "skipped")}
    )
    reported["failed"] = sum(summary.get("failed", {}).values())
    name = "SqlToWhatsAppOperator" if sql else "WhatsAppBulkSendOperator"
    return figures_of(name, admin, len(people), figures, reported)


def run_loop(admin: SandboxAdminClient, people: list[dict[str, str]]) -> Figures:
    """One request after the other, as the gateway's examples do; an error is counted and skipped."""
    url = f"{admin.base_url}/whatsapp-business/v21.0/{admin.ids['phone_number_id']}/messages"
    headers = {"Authorization": f"Bearer {admin.api_key}", "Content-Type": "application/json"}
    reported: Counter[str] = Counter()
    with measured() as figures:
        for person in people:
            body = {
                "messaging_product": "whatsapp",
                "recipient_type": "individual",
                "to": person["to"],
                "type": "text",
                "text": {"body": f"Hi {person['name']}, your order {person['order']} is on its way."},
            }
            request = urllib.request.Request(url, json.dumps(body).encode(), headers, method="POST")
            try:
                urllib.request.urlopen(request, timeout=30).read()
                reported["sent"] += 1
            except (urllib.error.URLError, OSError):
                reported["failed"] += 1
    return figures_of("sequential urllib loop", admin, len(people), figures, reported)


def figures_of(
    client: str, admin: SandboxAdminClient, messages: int, figures: dict[str, float], reported: Counter[str]
) -> Figures:
    stored = admin.messages()
    copies = Counter((m["wa_id"], json.dumps(m["body"].get("text"), sort_keys=True)) for m in stored)
    return Figures(
        client=client,
        messages=messages,
        seconds=figures["seconds"],
        cpu_seconds=figures["cpu"],
        peak_mb=figures["peak_mb"],
        delivered=len(copies),
        duplicates=sum(count - 1 for count in copies.values()),
        rate_limited=admin.request_outcomes().get("rate_limited", 0) + admin.request_outcomes().get("429", 0),
        reported=reported,
    )


def write_audience(path: str, people: list[dict[str, str]]) -> str:
    """The audience as a SQLite table ``audience``; the file's path."""
    import sqlite3

    with sqlite3.connect(path) as db:
        db.execute('create table audience ("to" text, name text, "order" text)')
        db.executemany("insert into audience values (:to, :name, :order)", people)
    return path


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--latency-ms", type=float, default=0.0)
    parser.add_argument("--rate-limit", type=float, default=10.0, help="the sandbox's requests/s per key")
    parser.add_argument("--retries", type=int, default=0, help="task retries of the operator")
    parser.add_argument("--no-loop", action="store_true", help="skip the sequential loop")
    parser.add_argument("--sql", action="store_true", help="the audience from SQLite, streamed")
    for fault in ("error-rate", "rate-limit-rate", "drop-rate", "lost-response-rate"):
        parser.add_argument(f"--{fault}", type=float, default=0.0)
    args = parser.parse_args()
    flags = [
        "--quiet",
        "--no-window",
        "--rate-limit",
        str(args.rate_limit),
        "--latency-ms",
        str(args.latency_ms),
    ]
    for fault in ("error_rate", "rate_limit_rate", "drop_rate", "lost_response_rate"):
        flags += [f"--{fault.replace('_', '-')}", str(getattr(args, fault))]
    flags += ["--seed", "7"]
    people = audience(args.messages)
    with tempfile.TemporaryDirectory() as home, sandbox(*flags) as url:
        os.environ["AIRFLOW__WHATSAPP__LEDGER_SQLITE_PATH"] = os.path.join(home, "ledger.sqlite")
        print(
            f"{args.messages} messages; sandbox: {args.latency_ms:g} ms latency, "
            f"{args.rate_limit:g} requests/s limit ({'off' if not args.rate_limit else 'per key'}), faults "
            + ", ".join(
                f"{f}={getattr(args, f)}"
                for f in ("error_rate", "rate_limit_rate", "drop_rate", "lost_response_rate")
            )
        )
        print(HEADER)
        database = write_audience(os.path.join(home, "audience.sqlite"), people) if args.sql else None
        runs: list[Callable[[SandboxAdminClient], Figures]] = [
            lambda admin: run_operator(admin, people, args.rate_limit, args.retries, database)
        ]
        if not args.no_loop:
            runs.append(lambda admin: run_loop(admin, people))
        for run in runs:
            print(run(SandboxAdminClient.new_key(url)).row(), flush=True)


if __name__ == "__main__":
    main()
