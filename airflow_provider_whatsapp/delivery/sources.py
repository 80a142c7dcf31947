"""Recipients as DAG authors have them, read as a stream: one row at a time, whatever the audience's size.

A source is a list of numbers, a list of dicts (a number plus that recipient's values), a string of
numbers, or a CSV / JSONL file (a local path, a URL such as ``s3://...``, or an ``ObjectStoragePath``).
Each row becomes a :class:`Recipient` with its position in the source, so that reports can point back.
"""

from __future__ import annotations

import ast
import csv
import io
import json
import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import IO, Any

from airflow_provider_whatsapp.exceptions import WhatsAppValidationError
from airflow_provider_whatsapp.utils.recipients import parse_recipients

FILE_SUFFIXES = (".csv", ".jsonl", ".ndjson")


@dataclass(frozen=True)
class Recipient:
    """One row of the audience: its number (None when the row has none) and its values."""

    seq: int
    number: str | None
    values: Mapping[str, Any]


def read_recipients(source: Any, *, recipient_key: str = "to") -> Iterator[Recipient]:
    """Every recipient of ``source``, in order; a dict row's number is its ``recipient_key`` value."""
    rows: Iterable[Any]
    if is_file(source):
        rows = _file_rows(source)
    elif isinstance(source, str) and source.lstrip().startswith("[{"):
        rows = _rendered_rows(source)
    elif isinstance(source, (str, int)):
        rows = parse_recipients(source)
    elif isinstance(source, Iterable) and not isinstance(source, Mapping):
        rows = source
    else:
        raise WhatsAppValidationError([("recipients", "must be numbers, dicts with a number, or a file")])
    for seq, row in enumerate(rows):
        if isinstance(row, Mapping):
            number = row.get(recipient_key)
            yield Recipient(seq, None if number in (None, "") else str(number).strip(), row)
        else:
            yield Recipient(seq, str(row).strip(), {recipient_key: row})


def is_file(source: Any) -> bool:
    """Whether ``source`` names a file (a path, a URL, an ``ObjectStoragePath``) rather than recipients."""
    if isinstance(source, os.PathLike) or (hasattr(source, "open") and hasattr(source, "suffix")):
        return True
    return isinstance(source, str) and (
        source.lower().endswith(FILE_SUFFIXES) or ("://" in source and not source.startswith("["))
    )


def _rendered_rows(text: str) -> list[Any]:
    """A list of dicts as a Jinja template over it renders without ``render_template_as_native_obj``."""
    try:
        rows = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        raise WhatsAppValidationError([("recipients", "not a list of recipients")]) from None
    if not isinstance(rows, list):
        raise WhatsAppValidationError([("recipients", "not a list of recipients")])
    return rows


def _file_rows(source: Any) -> Iterator[dict[str, Any]]:
    """The rows of a CSV (header row) or JSONL file, read line by line."""
    name = str(source)
    with _open(source) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        if name.lower().endswith(".csv"):
            yield from csv.DictReader(text)
            return
        for number, line in enumerate(text, start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except ValueError:
                raise WhatsAppValidationError([(f"recipients line {number}", "is not JSON")]) from None
            if not isinstance(row, dict):
                raise WhatsAppValidationError([(f"recipients line {number}", "must be a JSON object")])
            yield row


def _open(source: Any) -> IO[bytes]:
    """A local path opened as is; anything else through Airflow's object storage."""
    from airflow.sdk import ObjectStoragePath  # fsspec: loaded only for a file source

    if isinstance(source, str) and "://" in source:
        source = ObjectStoragePath(source)
    if isinstance(source, ObjectStoragePath):
        stream: IO[bytes] = source.open("rb")  # type: ignore[no-untyped-call]
        return stream
    return open(os.fspath(source), "rb")
