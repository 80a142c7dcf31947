"""Sending a planned delivery: a few requests in flight, paced by the hook, each batch in the ledger.

A batch's rows are committed ``pending`` before its first request and their outcomes committed when its
last answer is in; the next batch is already in flight meanwhile, so that the ledger's commits never
leave the threads idle. When the sender is stopped (the task's timeout, a bug), the sends not started
yet go back to ``planned``, and the ones that were in flight stay ``pending``: the next try reports
them ``unknown``. A stop may land between any two statements (a signal handler raises there), so
which requests started is known from the workers themselves, not from the main thread's bookkeeping.
Rate limits are the hook's business (its token bucket slows down on 429).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.outcomes import error_summary, state_of
from airflow_provider_whatsapp.delivery.rows import DUE, SENT, UNKNOWN, Due, Outcome
from airflow_provider_whatsapp.exceptions import WhatsAppError
from airflow_provider_whatsapp.hooks.whatsapp import MatonWhatsAppHook

log = logging.getLogger(__name__)

PROGRESS_SECONDS = 10.0
#: Seconds of sends a batch holds, and the most rows it may hold.
BATCH_SECONDS = 0.25
MAX_BATCH = 256
#: How often the main thread wakes while it waits for answers: a signal Airflow sends the process
#: (SIGALRM for ``execution_timeout``) may be taken by another thread, and waits until it does.
WAKE_SECONDS = 0.5
#: How long a stopped sender waits for its requests in flight before it leaves them ``pending``.
STOP_WAIT_SECONDS = 5.0
#: The shortest time a pace is judged over: the token bucket's burst at the start would otherwise look
#: like hundreds of messages a second, and the first batches would hold far more than BATCH_SECONDS.
RATE_WINDOW_SECONDS = 1.0


class StartedRequests:
    """Which rows' requests started, told by the worker threads as they start them.

    Once stopped, no request starts: a row a worker had not started yet is known not to be sent.
    """

    def __init__(self) -> None:
        self._changed = threading.Condition()
        self._stopped = False
        self._started: set[int] = set()
        self._running = 0

    def start(self, row_id: int) -> bool:
        """Whether the worker may send this row (not once stopped)."""
        with self._changed:
            if not self._stopped:
                self._started.add(row_id)
                self._running += 1
            return not self._stopped

    def finish(self) -> None:
        """A started request is answered (its outcome handed in before)."""
        with self._changed:
            self._running -= 1
            if self._stopped:  # only a stop waits for this
                self._changed.notify_all()

    def forget(self, rows: Sequence[Due]) -> None:
        """Drop rows whose outcomes the ledger holds (memory stays bounded by the rows in flight)."""
        with self._changed:
            self._started.difference_update(row.id for row in rows)

    def stop(self, timeout: float) -> tuple[set[int], int]:
        """Let no request start; wait up to ``timeout`` for the started ones; the rows that started,
        and how many of their requests are still running."""
        with self._changed:
            self._stopped = True
            self._changed.wait_for(lambda: self._running == 0, timeout)
            return set(self._started), self._running


class Batch:
    """Rows claimed together, and their outcomes as the worker threads hand them in."""

    def __init__(self, rows: Sequence[Due]) -> None:
        self.rows = rows
        self.outcomes: dict[int, Outcome] = {}
        self.answered = threading.Event()
        self._lock = threading.Lock()

    def claimed(self, rows: Sequence[Due]) -> None:
        """The rows the ledger let this try claim: the ones to send, and to wait for."""
        self.rows = rows
        if not rows:
            self.answered.set()

    def add(self, outcome: Outcome) -> None:
        with self._lock:
            self.outcomes[outcome.id] = outcome
            if len(self.outcomes) == len(self.rows):
                self.answered.set()

    def answers(self) -> dict[int, Outcome]:
        """The outcomes handed in so far."""
        with self._lock:
            return dict(self.outcomes)


Work = queue.SimpleQueue[tuple[Batch, Due] | None]


@dataclass
class Progress:
    """Outcomes of this try so far, for the progress log line."""

    started: float = field(default_factory=time.monotonic)
    states: Counter[str] = field(default_factory=Counter)
    logged: float = field(default_factory=time.monotonic)

    def add(self, outcomes: Sequence[Outcome]) -> None:
        self.states.update(outcome.state for outcome in outcomes)

    def rate(self) -> float:
        """Outcomes per second so far (over ``RATE_WINDOW_SECONDS`` at least)."""
        return sum(self.states.values()) / max(time.monotonic() - self.started, RATE_WINDOW_SECONDS)

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.started, 1e-9)
        sent = self.states[SENT]
        others = ", ".join(
            f"{count} {state}" for state, count in sorted(self.states.items()) if state != SENT
        )
        return f"sent {sent} ({sent / elapsed:.1f}/s)" + (f"; {others}" if others else "")


class BulkSender:
    """Send every due row of ``ledger`` through ``hook``.

    :param max_in_flight: Requests at once (4 fill Maton's 10/s at a 150 ms round trip, with room).
    :param resend_unknown: Also send rows whose outcome an earlier try could not know.

    A batch holds about a quarter second of sends at the pace reached (at least twice
    ``max_in_flight``, at most ``MAX_BATCH``): few enough that a killed try leaves only the last
    half second's recipients ``unknown`` (two batches are pending at a time), many enough that the
    ledger's commits cost little at a thousand messages a second. ``max_in_flight`` worker threads
    take the claimed rows from one queue and hand each outcome to its batch (a future per row cost
    as much CPU as the ledger's commits).
    """

    #: This run's requests, as its workers start them (a new set for each run).
    requests: StartedRequests

    def __init__(
        self,
        hook: MatonWhatsAppHook,
        ledger: DeliveryLedger,
        *,
        max_in_flight: int = 4,
        resend_unknown: bool = False,
    ) -> None:
        self.hook = hook
        self.ledger = ledger
        self.max_in_flight = max(1, max_in_flight)
        self.resend_unknown = resend_unknown
        self.progress = Progress()

    @property
    def batch_size(self) -> int:
        """About ``BATCH_SECONDS`` of sends at the pace reached so far."""
        smallest = 2 * self.max_in_flight
        return min(MAX_BATCH, max(smallest, int(self.progress.rate() * BATCH_SECONDS)))

    def run(self, on_progress: Callable[[str], None] = log.info) -> Counter[str]:
        """Send until no row is due; return this run's outcomes per state."""
        in_flight: deque[Batch] = deque()
        work: Work = queue.SimpleQueue()
        self.requests = StartedRequests()
        workers: list[threading.Thread] = []
        try:
            for n in range(self.max_in_flight):
                # a daemon: a request still hanging after a stop must not keep the process alive
                worker = threading.Thread(
                    target=self._work, args=(work,), name=f"whatsapp-send-{n}", daemon=True
                )
                workers.append(worker)
                worker.start()
            while True:
                due = self.ledger.due(self.batch_size, resend_unknown=self.resend_unknown)
                if due:
                    batch = Batch(due)
                    in_flight.append(batch)  # before the rows turn pending: a stop sees them
                    batch.claimed(self.ledger.mark_pending(due))
                    for row in batch.rows:
                        work.put((batch, row))
                if in_flight and (len(in_flight) > 1 or not due):
                    self._settle(in_flight[0])
                    self.requests.forget(in_flight.popleft().rows)
                    self._report(on_progress)
                if not due and not in_flight:
                    break
        except BaseException:
            self._stop(in_flight)
            raise
        finally:
            for _ in workers:
                work.put(None)  # each worker ends at its first None, after the rows queued before it
        for worker in workers:
            worker.join()
        return self.progress.states

    def _work(self, work: Work) -> None:
        """A worker thread: send the queued rows one after the other, until told to end."""
        while (item := work.get()) is not None:
            batch, row = item
            if not self.requests.start(row.id):
                continue
            try:
                outcome = self._request(row)
            except BaseException as error:  # a bug after the request may have left: never say not sent
                summary = {"error": type(error).__name__, "message": "outcome unknown: the send broke"}
                outcome = Outcome(row.id, UNKNOWN, error=summary)
            batch.add(outcome)  # before finish(): a stop that saw the request end sees its outcome
            self.requests.finish()

    def _request(self, row: Due) -> Outcome:
        """One request and its outcome; a refusal or an error the hook knows is an outcome too."""
        try:
            return Outcome(row.id, SENT, wamid=self.hook.send_body(row.body).message_id)
        except WhatsAppError as error:
            return Outcome(row.id, state_of(error), error=error_summary(error, row.body["to"]))

    def _settle(self, batch: Batch) -> None:
        while not batch.answered.wait(WAKE_SECONDS):
            pass  # waking up now and then lets the main thread run a signal handler (a task timeout)
        outcomes = [batch.outcomes[row.id] for row in batch.rows]
        self.ledger.record(outcomes)
        self.progress.add(outcomes)

    def _report(self, on_progress: Callable[[str], None]) -> None:
        if time.monotonic() - self.progress.logged >= PROGRESS_SECONDS:
            self.progress.logged = time.monotonic()
            on_progress(self.progress.line())

    def _stop(self, in_flight: deque[Batch]) -> None:
        """Put back what never started, give the running requests a moment, record what finished;
        a request still running stays ``pending`` (the next try reports it ``unknown``)."""
        started, running = self.requests.stop(STOP_WAIT_SECONDS)
        if running:
            log.warning("%d request(s) still running when the send stopped: left pending", running)
        outcomes: list[Outcome] = []
        for batch in in_flight:
            answers = batch.answers()
            outcomes += [
                answers[row.id] if row.id in answers else Outcome(row.id, DUE)
                for row in batch.rows
                if row.id in answers or row.id not in started
            ]
        self.ledger.record(outcomes)
