"""The delivery ledger on each backend: plans, the states of a send, what a later try may send again,
and what it keeps of a number once a send is settled."""

from __future__ import annotations

import json
import random
import signal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select, text

from airflow_provider_whatsapp.delivery import storage
from airflow_provider_whatsapp.delivery.ledger import BATCH
from airflow_provider_whatsapp.delivery.rows import (
    DUE,
    FAILED,
    PENDING,
    RETRY,
    SENT,
    SKIPPED,
    UNKNOWN,
    Outcome,
    Planned,
    Skipped,
    deliveries,
)
from tests.delivery.conftest import LedgerFactory


def body(number: str, text: str = "hi") -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "to": number, "type": "text", "text": {"body": text}}


def planned(count: int, text: str = "hi") -> list[Planned]:
    return [Planned(seq, f"+31******{seq:03d}", body(f"+3161{seq:07d}1", text)) for seq in range(count)]


def send_all(ledger: Any, state: str = SENT) -> list[int]:
    """Mark every due row pending, then give it ``state``; the ids, in order."""
    ids: list[int] = []
    while rows := ledger.due(100):
        ledger.mark_pending(rows)
        ledger.record(
            [Outcome(row.id, state, wamid=f"wamid.{row.seq}" if state == SENT else None) for row in rows]
        )
        ids += [row.id for row in rows]
    return ids


def test_a_plan_is_sent_once_in_the_sources_order_and_reported(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger(1)
    assert ledger.plan(planned(3)) == 3
    due = ledger.due(10)
    assert [row.seq for row in due] == [0, 1, 2]
    assert due[1].body == body("+316100000011")

    ledger.mark_pending(due[:2])
    assert ledger.counts() == {PENDING: 2, DUE: 1}
    assert [row.seq for row in ledger.due(10)] == [2], "pending rows are not due again"
    ledger.record(
        [Outcome(due[0].id, SENT, wamid="wamid.A"), Outcome(due[1].id, FAILED, error={"code": 131026})]
    )

    assert ledger.counts() == {SENT: 1, FAILED: 1, DUE: 1}
    assert ledger.failures_by_code() == {"131026": 1}
    assert list(ledger.report()) == [
        {"seq": 0, "to": "+31******000", "status": SENT, "message_id": "wamid.A"},
        {"seq": 1, "to": "+31******001", "status": FAILED, "error": {"code": 131026}},
        {"seq": 2, "to": "+31******002", "status": DUE},
    ]


def test_the_same_message_to_the_same_number_is_one_row(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger(1)
    same = body("+31 6 1000 0001")
    ledger.plan(
        [
            Planned(0, "a", same),
            Planned(1, "b", {**same, "to": "31610000001"}),
            Planned(2, "c", body("+31610000001", "other")),
        ]
    )
    assert len(ledger.due(10)) == 2, "another message to the same number is another delivery"


def test_a_later_try_sends_only_what_has_no_outcome(make_ledger: LedgerFactory) -> None:
    first = make_ledger(1)
    first.plan(planned(4))
    rows = first.due(10)
    first.mark_pending(rows[:3])
    first.record([Outcome(rows[0].id, SENT, wamid="w0"), Outcome(rows[1].id, RETRY, error={"error": "429"})])
    # rows[2] stays pending: the try was killed with it in flight; rows[3] was never started

    second = make_ledger(2)
    assert second.settle_interrupted() == 1
    second.plan(planned(4))  # the retry plans the same messages again
    assert second.counts() == {SENT: 1, RETRY: 1, UNKNOWN: 1, DUE: 1}
    assert [row.seq for row in second.due(10)] == [3], "planned rows first"
    send_all(second)
    assert [row.seq for row in second.due(10)] == [], "nothing left: the retry row was picked with them"


def test_a_row_another_try_planned_meanwhile_is_not_claimed(make_ledger: LedgerFactory) -> None:
    """A try still running on a worker the scheduler gave up on, and its retry: one sends each row."""
    zombie = make_ledger(1)
    zombie.plan(planned(4))
    due = zombie.due(10)
    assert [row.seq for row in zombie.mark_pending(due[:1])] == [0]

    retry = make_ledger(2)
    retry.settle_interrupted()
    retry.plan(planned(4))  # the retry takes the task's rows over
    assert zombie.mark_pending(due[1:]) == [], "the zombie claims nothing the retry now plans"
    assert [row.seq for row in retry.mark_pending(retry.due(10))] == [1, 2, 3]

    zombie.record([Outcome(row.id, SENT, wamid="late") for row in due])
    assert retry.counts() == {SENT: 1, PENDING: 3}, "the zombie's answers change only what it claimed"
    assert [line.get("message_id") for line in retry.report()] == ["late", None, None, None]


def test_retry_rows_of_earlier_tries_and_asked_for_unknowns_are_due_again(make_ledger: LedgerFactory) -> None:
    first = make_ledger(1)
    first.plan(planned(3))
    rows = first.due(10)
    first.mark_pending(rows)
    first.record(
        [Outcome(rows[0].id, RETRY), Outcome(rows[1].id, UNKNOWN), Outcome(rows[2].id, SENT, wamid="w")]
    )
    assert first.due(10) == [], "this try does not send its own retries again"

    second = make_ledger(2)
    second.plan(planned(3))
    assert [row.seq for row in second.due(10)] == [0]
    assert [row.seq for row in second.due(10, resend_unknown=True)] == [0, 1]


def test_a_changed_plan_sends_the_new_message_and_not_the_old_one(make_ledger: LedgerFactory) -> None:
    first = make_ledger(1)
    first.plan(planned(2, "old"))
    send_all(first)  # both got "old"
    second = make_ledger(2)
    second.plan(planned(1, "new"))  # the retry has a new text, for the first recipient only
    assert [(row.seq, row.body["text"]["body"]) for row in second.due(10)] == [(0, "new")]
    assert [line["status"] for line in second.report()] == [DUE], "the plan of this try only"


def test_settled_rows_forget_the_number(make_ledger: LedgerFactory, ledger_engine: Any) -> None:
    ledger = make_ledger(1)
    ledger.plan(
        [*planned(2), Skipped(2, "+31******999", raw="+31 999", error={"error": "WhatsAppValidationError"})]
    )
    rows = ledger.due(10)
    ledger.mark_pending(rows)
    ledger.record([Outcome(rows[0].id, SENT, wamid="w"), Outcome(rows[1].id, UNKNOWN)])
    with ledger_engine.connect() as conn:
        stored = conn.execute(
            select(deliveries.c.state, deliveries.c.body).where(deliveries.c.task == ledger.key.digest)
        ).all()
    bodies = dict(stored)
    assert bodies[SENT] is None
    assert bodies[SKIPPED] is None
    assert json.loads(bodies[UNKNOWN])["to"] == "+316100000011", "kept: a retry may be asked to resend it"
    assert "6100000001" not in str([row for row in stored if row.state != UNKNOWN])


def test_plans_bigger_than_a_batch(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger(1)
    count = 2 * BATCH + 7
    assert ledger.plan(planned(count)) == count
    assert len(send_all(ledger)) == count
    assert [line["seq"] for line in ledger.report()] == list(range(count))


def test_tasks_that_start_at_once_may_race_to_create_the_table(ledger_engine: Any) -> None:
    """Each makes its ledger as if it were the first; all of them work."""
    import threading

    from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
    from airflow_provider_whatsapp.delivery.rows import TaskKey

    start, errors = threading.Barrier(6), []

    def first_use(index: int) -> None:
        start.wait()
        try:
            ledger = DeliveryLedger(ledger_engine, TaskKey("race", f"run_{index}", "send"), 1)
            ledger.plan(planned(2))
        except Exception as error:  # collected: the assertion below names it
            errors.append(error)

    threads = [threading.Thread(target=first_use, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []


class Stopped(BaseException):
    """What Airflow's task timeout raises (AirflowTaskTimeout is a BaseException), wherever it lands."""


def test_a_timeout_inside_a_transaction_leaves_the_sqlite_file_writable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A signal raised while a statement of a write transaction runs: the stop must still be able to
    write its record, so the transaction is rolled back and the file's lock released."""
    monkeypatch.setattr(storage, "SQLITE_BUSY_SECONDS", 0.2)
    engine = storage._sqlite(tmp_path / "ledger.sqlite")
    with engine.begin() as conn:
        conn.execute(text("create table t (x int)"))
        conn.execute(text("insert into t values " + ",".join(f"({i})" for i in range(20000))))

    def stop(*_: Any) -> None:
        raise Stopped

    previous = signal.signal(signal.SIGALRM, stop)
    interrupted, rng = 0, random.Random(7)
    try:
        for _ in range(500):
            if interrupted == 20:
                break
            try:
                signal.setitimer(signal.ITIMER_REAL, rng.uniform(0.0001, 0.004))
                with engine.begin() as conn:
                    conn.execute(text("update t set x = x + 1 where x < 10"))
                    conn.execute(text("select sum(x) from t where x % 7 = 0")).all()
                    conn.execute(text("select count(*) from t where x % 3 = 0")).all()
                signal.setitimer(signal.ITIMER_REAL, 0)
            except Stopped:
                signal.setitimer(signal.ITIMER_REAL, 0)
                interrupted += 1
                with engine.begin() as conn:  # "database is locked" here without the rollback
                    conn.execute(text("insert into t values (-1)"))
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
    assert interrupted == 20, "the signal never landed inside a transaction: nothing was tested"
