"""A sender stopped at any point leaves each row in the state that tells the truth about it: planned
when its request never started, pending (so ``unknown`` next try) when it may have left, its outcome
when its answer came in. The stop is raised where a signal handler could raise it."""

from __future__ import annotations

import re
import threading
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from airflow_provider_whatsapp.delivery import sender
from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.rows import DUE, FAILED, PENDING, RETRY, SENT, UNKNOWN, Due, Outcome
from airflow_provider_whatsapp.delivery.sender import Batch, BulkSender, Progress, StartedRequests
from airflow_provider_whatsapp.models.responses import SendResult
from tests.delivery.conftest import LedgerFactory
from tests.delivery.test_ledger import planned


class Stopped(Exception):
    """What the task's timeout raises in the main thread, wherever it is."""


class RecordingHook:
    """Answers every send at once, except the one ``hold`` names, which waits until released."""

    def __init__(self, hold: int | None = None) -> None:
        self.hold = hold
        self.sent: list[str] = []
        self.holding, self.release = threading.Event(), threading.Event()
        self._answered = threading.Condition()

    def send_body(self, body: Mapping[str, Any], **_: Any) -> SendResult:
        if self.hold is not None and body["to"] == planned(self.hold + 1)[self.hold].body["to"]:
            self.holding.set()
            self.release.wait(30)
        with self._answered:
            self.sent.append(body["to"])
            self._answered.notify_all()
        return SendResult(message_id=f"wamid.{body['to']}")

    def wait_until_sent(self, count: int) -> None:
        """Block until ``count`` sends were answered (the worker threads run at their own pace)."""
        with self._answered:
            assert self._answered.wait_for(lambda: len(self.sent) >= count, timeout=30)


def states(ledger: DeliveryLedger) -> list[str]:
    return [line["status"] for line in ledger.report()]


def test_a_stop_right_after_a_batch_turns_pending_puts_it_back(
    make_ledger: LedgerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The window between the commit and the bookkeeping: the batch was never sent, so it is planned."""
    ledger = make_ledger(1)
    ledger.plan(planned(4))
    commit, calls = ledger.mark_pending, []
    hook = RecordingHook()

    def stopped_after_the_second_commit(rows: list[Due]) -> list[Due]:
        claimed = commit(rows)
        calls.append(claimed)
        if len(calls) == 2:
            hook.wait_until_sent(2)  # the first batch (two rows) answered, however slow its thread
            raise Stopped
        return claimed

    monkeypatch.setattr(ledger, "mark_pending", stopped_after_the_second_commit)
    with pytest.raises(Stopped):
        BulkSender(hook, ledger, max_in_flight=1).run()  # type: ignore[arg-type]

    assert states(ledger) == [SENT, SENT, DUE, DUE]
    assert len(hook.sent) == 2


def test_a_stop_while_a_request_is_in_flight_leaves_only_it_pending(
    make_ledger: LedgerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """One worker: the first answer is in, the second request hangs, the next batch waits its turn."""
    monkeypatch.setattr(sender, "STOP_WAIT_SECONDS", 0.05)
    ledger = make_ledger(1)
    ledger.plan(planned(4))
    hook = RecordingHook(hold=1)

    def stopped_while_waiting_for_answers(self: BulkSender, entry: Any) -> None:
        hook.holding.wait(30)
        raise Stopped

    monkeypatch.setattr(BulkSender, "_settle", stopped_while_waiting_for_answers)
    with pytest.raises(Stopped):
        BulkSender(hook, ledger, max_in_flight=1).run()  # type: ignore[arg-type]
    hook.release.set()

    assert states(ledger) == [SENT, PENDING, DUE, DUE]


def test_once_stopped_no_request_starts() -> None:
    requests = StartedRequests()
    assert requests.start(1)
    assert requests.start(2)
    requests.finish()
    assert requests.stop(timeout=0) == ({1, 2}, 1), "both started, the first is still running"
    assert not requests.start(3), "a worker picking up a row after the stop must not send it"


def test_a_stop_waits_for_the_requests_that_started() -> None:
    """``stop`` refuses every request from then on, and waits for the answer of the one that started."""
    requests = StartedRequests()
    requests.start(1)
    answered: list[int] = []

    def answer_once_refused() -> None:
        row = 2
        while requests.start(row):  # the stop has not begun: this row started, and is answered at once
            answered.append(row)
            requests.finish()
            row += 1
        answered.append(1)
        requests.finish()

    threading.Thread(target=answer_once_refused, daemon=True).start()
    started, running = requests.stop(timeout=30)
    assert running == 0, "the stop gave up waiting: the answer did not wake it"
    assert answered[-1] == 1
    assert started == {1, *answered}, "every row that started was counted, none refused"


def test_a_batch_is_answered_when_each_claimed_row_is() -> None:
    batch = Batch([Due(1, 0, "", {}), Due(2, 1, "", {}), Due(3, 2, "", {})])
    batch.claimed(batch.rows[:2])  # another try took the third
    batch.add(Outcome(2, SENT))
    assert not batch.answered.is_set()
    batch.add(Outcome(1, FAILED))
    assert batch.answered.is_set()
    assert batch.answers() == {1: Outcome(1, FAILED), 2: Outcome(2, SENT)}
    nothing = Batch([Due(1, 0, "", {})])
    nothing.claimed([])
    assert nothing.answered.is_set(), "a batch of which nothing was claimed has nothing to wait for"


def test_progress_says_how_many_were_sent_how_fast_and_what_else(monkeypatch: pytest.MonkeyPatch) -> None:
    progress = Progress(started=100.0, logged=100.0)
    monkeypatch.setattr(sender, "time", SimpleNamespace(monotonic=lambda: 102.0))
    progress.add([Outcome(i, SENT) for i in range(4)] + [Outcome(4, FAILED), Outcome(5, RETRY)])
    assert progress.rate() == 3.0
    assert progress.line() == "sent 4 (2.0/s); 1 failed, 1 retry"
    assert Progress(started=102.0).line() == "sent 0 (0.0/s)"
    quick = Progress(started=101.5)
    quick.add([Outcome(i, SENT) for i in range(3)])
    assert quick.line() == "sent 3 (6.0/s)", "half a second is half a second, not the rate window"


def test_a_burst_at_the_start_does_not_make_the_batches_big(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bucket's burst answers 16 sends in 50 ms; at 10/s a batch must still hold few rows, or a
    try killed in its first second leaves dozens of recipients unknown."""
    ledger: Any = None
    bulk = BulkSender(RecordingHook(), ledger, max_in_flight=4)  # type: ignore[arg-type]
    bulk.progress = Progress(started=100.0)
    monkeypatch.setattr(sender, "time", SimpleNamespace(monotonic=lambda: 100.05))
    bulk.progress.add([Outcome(i, SENT) for i in range(16)])
    assert bulk.batch_size == 8, "twice max_in_flight: 16 outcomes in the first second are 16/s"


def test_a_run_reports_progress_every_progress_seconds(
    make_ledger: LedgerFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(sender, "PROGRESS_SECONDS", 0.0)
    ledger = make_ledger(1)
    ledger.plan(planned(4))
    lines: list[str] = []
    outcomes = BulkSender(RecordingHook(), ledger, max_in_flight=1).run(on_progress=lines.append)  # type: ignore[arg-type]
    assert outcomes == {SENT: 4}
    assert lines, "a line after each batch"
    assert re.fullmatch(r"sent 4 \(\d+\.\d/s\)", lines[-1]), lines


class BrokenHook(RecordingHook):
    """Sends like ``RecordingHook``, but breaks on two rows: once before answering, once after."""

    def send_body(self, body: Mapping[str, Any], **kwargs: Any) -> Any:
        if body["to"] == planned(2)[1].body["to"]:
            raise RuntimeError("a bug in the hook")
        answer = super().send_body(body, **kwargs)
        return SimpleNamespace() if body["to"] == planned(4)[3].body["to"] else answer  # no message_id


def test_a_send_that_breaks_is_unknown_and_the_run_goes_on(make_ledger: LedgerFactory) -> None:
    """A bug in a worker never stops the run waiting for an answer, nor claims the row was not sent."""
    ledger = make_ledger(1)
    ledger.plan(planned(6))
    outcomes = BulkSender(BrokenHook(), ledger, max_in_flight=2).run()  # type: ignore[arg-type]
    assert outcomes == {SENT: 4, UNKNOWN: 2}
    lines = list(ledger.report())
    assert [line["status"] for line in lines] == [SENT, UNKNOWN, SENT, UNKNOWN, SENT, SENT]
    assert [lines[i]["error"]["error"] for i in (1, 3)] == ["RuntimeError", "AttributeError"]


def test_several_workers_send_each_row_once_and_end_with_the_run(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger(1)
    ledger.plan(planned(40))
    hook = RecordingHook()
    assert BulkSender(hook, ledger, max_in_flight=4).run() == {SENT: 40}  # type: ignore[arg-type]
    assert sorted(hook.sent) == sorted(row.body["to"] for row in planned(40))
    assert [t.name for t in threading.enumerate() if t.name.startswith("whatsapp-send-")] == []
