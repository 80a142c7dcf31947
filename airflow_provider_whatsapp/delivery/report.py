"""A delivery's result: counts for XCom, the per-recipient report (XCom, or a file when it is too big),
and whether the task should fail.

Every recipient of the plan is accounted for: sent (with its wamid), failed (with the error's code),
retry (failed, nothing accepted: a new try sends it), unknown (may have arrived: not sent again unless
asked), or skipped (its message broke a rule). Numbers in the report are masked.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from airflow_provider_whatsapp.delivery.ledger import DeliveryLedger
from airflow_provider_whatsapp.delivery.rows import DUE, FAILED, PENDING, RETRY, SENT, SKIPPED, UNKNOWN

#: A report of more lines than this goes to a file, not XCom (which lives in Airflow's database).
XCOM_REPORT_LIMIT = 1000


@dataclass(frozen=True)
class Summary:
    """How the plan's recipients stand (``failed`` is per error code)."""

    total: int
    sent: int
    failed: dict[str, int] = field(default_factory=dict)
    retry: int = 0
    unknown: int = 0
    skipped: int = 0
    not_sent: int = 0
    report_path: str | None = None

    @classmethod
    def of(cls, ledger: DeliveryLedger) -> Summary:
        """The ledger's counts for this try's plan."""
        states = ledger.counts()
        return cls(
            total=sum(states.values()),
            sent=states.get(SENT, 0),
            failed=ledger.failures_by_code() if states.get(FAILED) else {},
            retry=states.get(RETRY, 0),
            unknown=states.get(UNKNOWN, 0),
            skipped=states.get(SKIPPED, 0),
            not_sent=states.get(DUE, 0) + states.get(PENDING, 0),
        )

    @property
    def failures(self) -> int:
        """Recipients that did not (or may not) get the message: failed, retry and unknown."""
        return sum(self.failed.values()) + self.retry + self.unknown

    def exceeds(self, max_failures: float) -> bool:
        """Whether the failures pass ``max_failures``: a count (``3``), or a fraction (``0.05``) of the
        recipients that were not skipped."""
        if 0 < max_failures < 1:
            return self.failures > max_failures * max(self.total - self.skipped, 0)
        return self.failures > max_failures

    def describe(self) -> str:
        """``"9,990 of 10,000 sent; failed: 131026 x4; 2 retry; 4 unknown; 0 skipped"``."""
        failed = ", ".join(f"{code} x{count}" for code, count in sorted(self.failed.items())) or "none"
        return (
            f"{self.sent:,} of {self.total:,} sent; failed: {failed}; {self.retry} retry; "
            f"{self.unknown} unknown; {self.skipped} skipped"
        )

    def to_xcom(self) -> dict[str, Any]:
        """The counts as a JSON-safe dict."""
        return asdict(self)


def write_report(lines: Iterable[Mapping[str, Any]], path: Any) -> int:
    """Write the report as JSON lines to ``path`` (local, or an ``ObjectStoragePath`` / URL); return
    the number of lines. Written to a temporary name first where the path is local."""
    local = _local_name(path)
    if local is None:
        from airflow.sdk import ObjectStoragePath  # fsspec: only for remote reports

        with ObjectStoragePath(path).open("w") as out:  # type: ignore[no-untyped-call]
            return _write(lines, out)
    os.makedirs(os.path.dirname(os.path.abspath(local)), exist_ok=True)
    partial = f"{local}.part"
    with open(partial, "w", encoding="utf-8") as out:
        count = _write(lines, out)
    os.replace(partial, local)
    return count


def _local_name(path: Any) -> str | None:
    """The local file ``path`` names; None for a URL or an ``ObjectStoragePath`` (on Airflow 3.1 a
    path-like whose ``os.fspath`` is its URL, ``file://`` ones included)."""
    if not isinstance(path, (str, os.PathLike)):
        return None
    name = str(os.fspath(path))
    return None if "://" in name else name


def _write(lines: Iterable[Mapping[str, Any]], out: Any) -> int:
    count = 0
    for line in lines:
        out.write(json.dumps(line, ensure_ascii=False) + "\n")
        count += 1
    return count
