"""The delivery ledger's table and the rows it holds: one per (task instance, recipient, message).

The task instance is (DAG, run, task, map index), hashed; the recipient is a SHA-256 of the number's
digits, and the number itself lives only in the stored body, which is cleared once the row is settled.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Column, DateTime, Index, Integer, MetaData, String, Table, Text, UniqueConstraint

#: Rows of a try's plan that a sender still has to attempt.
DUE = "planned"
PENDING, SENT, FAILED, RETRY, UNKNOWN, SKIPPED = "pending", "sent", "failed", "retry", "unknown", "skipped"
#: States of rows a try may claim for sending (``due`` picks which of them it asks for).
CLAIMABLE = (DUE, RETRY, UNKNOWN)
#: States after which the body (and with it the number) is no longer needed.
SETTLED = frozenset({SENT, FAILED, SKIPPED})

metadata = MetaData()
deliveries = Table(
    "whatsapp_deliveries",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("task", String(64), nullable=False),
    Column("recipient", String(64), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("dag_id", String(250), nullable=False),
    Column("run_id", String(250), nullable=False),
    Column("task_id", String(250), nullable=False),
    Column("map_index", Integer, nullable=False),
    Column("plan_try", Integer, nullable=False),
    Column("attempt_try", Integer),
    Column("seq", Integer, nullable=False),
    Column("masked", String(32), nullable=False),
    Column("state", String(16), nullable=False),
    Column("body", Text),
    Column("wamid", String(250)),
    Column("error_code", String(64)),
    Column("error", Text),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    UniqueConstraint("task", "recipient", "fingerprint", name="uq_whatsapp_deliveries"),
    Index("ix_whatsapp_deliveries_due", "task", "plan_try", "state", "seq"),
)


def sha256_hex(text: str) -> str:
    """The SHA-256 of ``text``, in hex: the table's fixed-size keys."""
    return hashlib.sha256(text.encode()).hexdigest()


@dataclass(frozen=True)
class TaskKey:
    """The task instance a ledger serves: its rows are this key's, whatever try writes them."""

    dag_id: str
    run_id: str
    task_id: str
    map_index: int = -1

    @property
    def digest(self) -> str:
        """A fixed-size key for the index."""
        return sha256_hex(json.dumps([self.dag_id, self.run_id, self.task_id, self.map_index]))


@dataclass(frozen=True)
class Planned:
    """One checked message for one recipient: ``body`` is the complete ``POST /messages`` body."""

    seq: int
    masked: str
    body: Mapping[str, Any]

    @property
    def recipient(self) -> str:
        """The number's digits, hashed."""
        return sha256_hex("".join(ch for ch in str(self.body["to"]) if ch.isdigit()))

    @property
    def fingerprint(self) -> str:
        """The message without its recipient, hashed: the same message to the same number is one row."""
        rest = {key: value for key, value in self.body.items() if key != "to"}
        return sha256_hex(json.dumps(rest, sort_keys=True, separators=(",", ":")))


@dataclass(frozen=True)
class Skipped:
    """A recipient whose message broke a rule (``on_invalid="skip"``): reported, never sent."""

    seq: int
    masked: str
    raw: str
    error: Mapping[str, Any]


@dataclass(frozen=True)
class Due:
    """A row to send now."""

    id: int
    seq: int
    masked: str
    body: dict[str, Any]


@dataclass(frozen=True)
class Outcome:
    """What became of one row's send."""

    id: int
    state: str
    wamid: str | None = None
    error: Mapping[str, Any] | None = None
