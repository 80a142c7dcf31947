"""The delivery ledger: which recipient got which message, in SQL, so that no try sends anything twice.

One row per (task instance, recipient, message fingerprint). A try first *plans* every row (validated
bodies, in batches), then for each batch marks its rows ``pending`` (committed before any request),
sends, and records ``sent`` (wamid), ``failed`` (code), ``retry`` (failed, but nothing was accepted:
a later try may send it) or ``unknown`` (the gateway may have accepted it). A ``pending`` row found by
a later try was in flight when its try died: it becomes ``unknown``, and is sent again only when asked.

The rows and their table are in :mod:`.rows`. Backends: any database SQLAlchemy reaches (SQLite by
default, PostgreSQL through an Airflow connection).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Engine, bindparam, func, inspect, select, update
from sqlalchemy.exc import DatabaseError

from airflow_provider_whatsapp.delivery.rows import (
    CLAIMABLE,
    DUE,
    FAILED,
    PENDING,
    RETRY,
    SETTLED,
    SKIPPED,
    UNKNOWN,
    Due,
    Outcome,
    Planned,
    Skipped,
    TaskKey,
    deliveries,
    metadata,
    sha256_hex,
)

BATCH = 500


class DeliveryLedger:
    """The rows of one task instance, written by try ``try_number``."""

    def __init__(self, engine: Engine, key: TaskKey, try_number: int) -> None:
        self.engine = engine
        self.key = key
        self.try_number = try_number
        _create_table(engine)

    def _now(self) -> datetime:
        return datetime.now(UTC)

    def plan(self, rows: Iterable[Planned | Skipped]) -> int:
        """Write this try's plan in batches; rows already there keep their state. Returns the count."""
        count = 0
        batch: list[Planned | Skipped] = []
        for row in rows:
            batch.append(row)
            if len(batch) == BATCH:
                count += self._plan_batch(batch)
                batch = []
        return count + (self._plan_batch(batch) if batch else 0)

    def _plan_batch(self, batch: Sequence[Planned | Skipped]) -> int:
        keys = {(self._recipient(row), self._fingerprint(row)): row for row in batch}
        task = self.key.digest
        with self.engine.begin() as conn:
            found = conn.execute(
                select(deliveries.c.id, deliveries.c.recipient, deliveries.c.fingerprint).where(
                    deliveries.c.task == task,
                    deliveries.c.recipient.in_({recipient for recipient, _ in keys}),
                )
            ).all()
            existing = {
                (r.recipient, r.fingerprint): r.id for r in found if (r.recipient, r.fingerprint) in keys
            }
            if existing:
                conn.execute(
                    update(deliveries)
                    .where(deliveries.c.id == bindparam("row_id"))
                    .values(plan_try=self.try_number, seq=bindparam("row_seq")),
                    [{"row_id": row_id, "row_seq": keys[key].seq} for key, row_id in existing.items()],
                )
            new = [self._new_row(key, row) for key, row in keys.items() if key not in existing]
            if new:
                conn.execute(deliveries.insert(), new)
        return len(keys)

    @staticmethod
    def _recipient(row: Planned | Skipped) -> str:
        return row.recipient if isinstance(row, Planned) else sha256_hex(row.raw)

    @staticmethod
    def _fingerprint(row: Planned | Skipped) -> str:
        return row.fingerprint if isinstance(row, Planned) else SKIPPED

    def _new_row(self, key: tuple[str, str], row: Planned | Skipped) -> dict[str, Any]:
        skipped = isinstance(row, Skipped)
        return {
            "task": self.key.digest,
            "recipient": key[0],
            "fingerprint": key[1],
            "dag_id": self.key.dag_id,
            "run_id": self.key.run_id,
            "task_id": self.key.task_id,
            "map_index": self.key.map_index,
            "plan_try": self.try_number,
            "attempt_try": None,
            "seq": row.seq,
            "masked": row.masked,
            "state": SKIPPED if skipped else DUE,
            "body": None if isinstance(row, Skipped) else json.dumps(row.body),
            "wamid": None,
            "error_code": _code(row.error) if isinstance(row, Skipped) else None,
            "error": json.dumps(row.error) if isinstance(row, Skipped) else None,
            "updated_at": self._now(),
        }

    def settle_interrupted(self) -> int:
        """Rows an earlier try left ``pending`` (it died with them in flight) become ``unknown``."""
        error = {"error": "Interrupted", "message": "outcome unknown: the try sending it was stopped"}
        with self.engine.begin() as conn:
            done = conn.execute(
                update(deliveries)
                .where(deliveries.c.task == self.key.digest, deliveries.c.state == PENDING)
                .values(
                    state=UNKNOWN, error_code="Interrupted", error=json.dumps(error), updated_at=self._now()
                )
            )
        return int(done.rowcount or 0)

    def due(self, limit: int, *, resend_unknown: bool = False) -> list[Due]:
        """The next rows of this try's plan to send: planned ones first; then failures that nothing
        accepted, and (only when asked) unknown outcomes, left by earlier tries. Each query walks the
        index in order, so a large plan costs the same per batch at its end as at its start."""
        c = deliveries.c
        mine = (c.task == self.key.digest) & (c.plan_try == self.try_number)
        planned = select(c.id, c.seq, c.masked, c.body).where(mine, c.state == DUE)
        again = [RETRY, UNKNOWN] if resend_unknown else [RETRY]
        earlier = select(c.id, c.seq, c.masked, c.body).where(
            mine, c.state.in_(again), c.attempt_try < self.try_number
        )
        with self.engine.connect() as conn:
            for query in (planned, earlier):
                rows = conn.execute(query.order_by(c.seq).limit(limit)).all()
                if rows:
                    return [Due(r.id, r.seq, r.masked, json.loads(r.body)) for r in rows]
        return []

    def mark_pending(self, rows: Sequence[Due]) -> list[Due]:
        """Claim these rows for sending and commit it, before any of their requests leaves; the rows
        claimed. A row another try took meanwhile (it planned again, or claimed it first: a try still
        running on a worker the scheduler gave up on) is not claimed, so only one try sends it."""
        c = deliveries.c
        ids = [row.id for row in rows]
        with self.engine.begin() as conn:
            conn.execute(
                update(deliveries)
                .where(c.id.in_(ids), c.plan_try == self.try_number, c.state.in_(CLAIMABLE))
                .values(state=PENDING, attempt_try=self.try_number, updated_at=self._now())
            )
            claimed = conn.execute(
                select(c.id).where(c.id.in_(ids), c.state == PENDING, c.attempt_try == self.try_number)
            )
            mine = set(claimed.scalars())
        return [row for row in rows if row.id in mine]

    def record(self, outcomes: Sequence[Outcome]) -> None:
        """Commit the outcomes of this try's sends; settled rows forget their body (and the number in
        it). A row a later try claimed since keeps what that try writes."""
        if not outcomes:
            return
        now = self._now()
        values = [
            {
                "row_id": outcome.id,
                "new_state": outcome.state,
                "new_wamid": outcome.wamid,
                "new_code": None if outcome.error is None else _code(outcome.error),
                "new_error": None if outcome.error is None else json.dumps(outcome.error),
                "settled": outcome.state in SETTLED,
                "now": now,
            }
            for outcome in outcomes
        ]
        c = deliveries.c
        with self.engine.begin() as conn:
            for settled in (True, False):
                group = [value for value in values if value["settled"] is settled]
                if not group:
                    continue
                changes: dict[str, Any] = {
                    "state": bindparam("new_state"),
                    "wamid": bindparam("new_wamid"),
                    "error_code": bindparam("new_code"),
                    "error": bindparam("new_error"),
                    "updated_at": bindparam("now"),
                }
                if settled:
                    changes["body"] = None
                mine = (c.id == bindparam("row_id")) & (c.attempt_try == self.try_number)
                conn.execute(update(deliveries).where(mine).values(**changes), group)

    def counts(self) -> dict[str, int]:
        """Rows of this try's plan per state."""
        c = deliveries.c
        query = (
            select(c.state, func.count())
            .where(c.task == self.key.digest, c.plan_try == self.try_number)
            .group_by(c.state)
        )
        with self.engine.connect() as conn:
            return {state: int(count) for state, count in conn.execute(query)}

    def failures_by_code(self) -> dict[str, int]:
        """Failed rows of this try's plan per error code (Graph's code, else the error's class)."""
        c = deliveries.c
        query = (
            select(c.error_code, func.count())
            .where(c.task == self.key.digest, c.plan_try == self.try_number, c.state == FAILED)
            .group_by(c.error_code)
        )
        with self.engine.connect() as conn:
            return {str(code): int(count) for code, count in conn.execute(query)}

    def report(self) -> Iterator[dict[str, Any]]:
        """One line per row of this try's plan, in the source's order: masked number, state, wamid or
        error. Streamed: memory stays flat however many recipients there are."""
        c = deliveries.c
        query = (
            select(c.seq, c.masked, c.state, c.wamid, c.error)
            .where(c.task == self.key.digest, c.plan_try == self.try_number)
            .order_by(c.seq)
        )
        with self.engine.connect() as conn:
            result = conn.execution_options(stream_results=True).execute(query)
            for rows in result.partitions(BATCH):
                for row in rows:
                    line: dict[str, Any] = {"seq": row.seq, "to": row.masked, "status": row.state}
                    if row.wamid:
                        line["message_id"] = row.wamid
                    if row.error:
                        line["error"] = json.loads(row.error)
                    yield line


def _create_table(engine: Engine) -> None:
    """Create the table (and its index) unless it is there. Mapped tasks starting at once may race to
    create it: the loser's error is fine when the table is there after all."""
    try:
        metadata.create_all(engine, checkfirst=True)
    except DatabaseError:
        if not inspect(engine).has_table(deliveries.name):
            raise


def _code(error: Mapping[str, Any]) -> str:
    """Graph's error code when there is one, else the error's class."""
    code = error.get("code")
    return str(code) if code is not None else str(error.get("error", "error"))
