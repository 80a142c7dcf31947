"""A delivery's summary (counts, when the task fails, its one-line description) and the report file."""

from __future__ import annotations

import json
import locale
from collections.abc import Iterator
from pathlib import Path

import pytest
from airflow.sdk import ObjectStoragePath

from airflow_provider_whatsapp.delivery.report import Summary, write_report
from airflow_provider_whatsapp.delivery.rows import FAILED, RETRY, SENT, UNKNOWN, Outcome, Skipped
from tests.delivery.conftest import LedgerFactory
from tests.delivery.test_ledger import planned

LINES = [
    {"seq": 0, "to": "+31******678", "status": "sent", "message_id": "wamid.1"},
    {"seq": 1, "to": "+31******321", "status": "failed", "error": {"message": "Zoë's number is gone"}},
]


def test_failures_count_failed_retry_and_unknown_but_not_skipped() -> None:
    summary = Summary(total=10, sent=4, failed={"131026": 2, "131049": 1}, retry=1, unknown=1, skipped=1)
    assert summary.failures == 5
    assert summary.describe() == "4 of 10 sent; failed: 131026 x2, 131049 x1; 1 retry; 1 unknown; 1 skipped"
    assert Summary(total=1_000, sent=1_000).describe() == (
        "1,000 of 1,000 sent; failed: none; 0 retry; 0 unknown; 0 skipped"
    )
    assert summary.to_xcom() == {
        "total": 10,
        "sent": 4,
        "failed": {"131026": 2, "131049": 1},
        "retry": 1,
        "unknown": 1,
        "skipped": 1,
        "not_sent": 0,
        "report_path": None,
    }


@pytest.mark.parametrize(
    ("max_failures", "exceeds"),
    [(0, True), (2, True), (3, False), (0.2, True), (0.3, False), (0.5, False), (1, True)],
)
def test_max_failures_is_a_count_or_a_fraction_of_the_recipients_not_skipped(
    max_failures: float, exceeds: bool
) -> None:
    """3 failures of 11 recipients, 1 skipped: a fraction counts against the 10 that were planned."""
    summary = Summary(total=11, sent=7, failed={"131026": 3}, skipped=1)
    assert summary.exceeds(max_failures) is exceeds


def test_a_plan_of_only_skipped_rows_fails_on_any_failure_fraction() -> None:
    assert Summary(total=2, sent=0, skipped=2).exceeds(0.5) is False
    assert Summary(total=2, sent=0, unknown=1, skipped=2).exceeds(0.5) is True


def test_a_local_report_is_json_lines_in_folders_it_makes(tmp_path: Path) -> None:
    target = tmp_path / "reports" / "2025" / "run.jsonl"
    assert write_report(iter(LINES), target) == 2
    assert target.read_text(encoding="utf-8").splitlines() == [
        json.dumps(line, ensure_ascii=False) for line in LINES
    ]
    assert "Zoë" in target.read_text(encoding="utf-8")
    assert sorted(p.name for p in target.parent.iterdir()) == ["run.jsonl"], "no .part left"
    assert write_report([], str(target)) == 0
    assert target.read_text() == ""


@pytest.fixture
def ascii_locale() -> Iterator[None]:
    """The C library's locale set to plain ASCII, as on a server with ``LANG=C`` and no UTF-8 mode."""
    previous = locale.setlocale(locale.LC_CTYPE)
    locale.setlocale(locale.LC_CTYPE, "C")
    try:
        yield
    finally:
        locale.setlocale(locale.LC_CTYPE, previous)


@pytest.mark.usefixtures("ascii_locale")
def test_a_local_report_is_utf_8_whatever_the_locale(tmp_path: Path) -> None:
    target = tmp_path / "run.jsonl"
    assert write_report(LINES, target) == 2
    assert "Zoë" in target.read_text(encoding="utf-8")


@pytest.mark.parametrize("as_path", [True, False])
def test_a_url_or_object_storage_path_goes_through_object_storage(tmp_path: Path, as_path: bool) -> None:
    url = f"file://{tmp_path}/run.jsonl"
    assert write_report(LINES, ObjectStoragePath(url) if as_path else url) == 2
    written = ObjectStoragePath(url).read_text()
    assert [json.loads(line) for line in written.splitlines()] == LINES


def test_the_summary_of_a_ledger_counts_each_state_of_this_plan(make_ledger: LedgerFactory) -> None:
    ledger = make_ledger(1)
    rows = planned(7)
    ledger.plan([*rows, Skipped(7, "+31******999", "+31699999999", {"error": "WhatsAppValidationError"})])
    due = ledger.due(100)
    ledger.mark_pending(due[:6])
    error = {"error": "WhatsAppRecipientError", "code": 131026}
    ledger.record(
        [
            Outcome(due[0].id, SENT, wamid="wamid.0"),
            Outcome(due[1].id, SENT, wamid="wamid.1"),
            Outcome(due[2].id, FAILED, error=error),
            Outcome(due[3].id, RETRY, error={"error": "WhatsAppRateLimitError"}),
            Outcome(due[4].id, UNKNOWN, error={"error": "WhatsAppUnknownOutcomeError"}),
        ]
    )
    assert Summary.of(ledger) == Summary(
        total=8, sent=2, failed={"131026": 1}, retry=1, unknown=1, skipped=1, not_sent=2
    )
