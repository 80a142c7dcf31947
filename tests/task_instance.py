"""A stand-in for the task instance in ``execute()``'s context: what the send operators read from it
(its key in the delivery ledger, its try) and what they push to XCom.

Each one gets a run id of its own, so that tests never share rows of the ledger.
"""

from __future__ import annotations

import uuid
from typing import Any


class RecordingTI:
    """``ti`` of a context: ``dag_id``, ``run_id``, ``task_id``, ``map_index``, ``try_number``; records
    ``xcom_push`` (``xcom_pull`` reads it back). ``retry()`` is the same task instance's next try."""

    def __init__(self, try_number: int = 1, *, run_id: str | None = None, map_index: int = -1) -> None:
        self.dag_id = "test_dag"
        self.task_id = "send"
        self.run_id = run_id or f"test__{uuid.uuid4().hex}"
        self.map_index = map_index
        self.try_number = try_number
        self.pushed: dict[str, Any] = {}

    def xcom_push(self, key: str, value: Any) -> None:
        self.pushed[key] = value

    def xcom_pull(self, task_ids: str, key: str) -> Any:
        """What this task instance pushed (the only task it knows)."""
        return self.pushed[key]

    def retry(self) -> RecordingTI:
        return RecordingTI(self.try_number + 1, run_id=self.run_id, map_index=self.map_index)

    def context(self) -> Any:
        """A context holding only this task instance."""
        return {"ti": self}
