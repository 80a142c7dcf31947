"""``--state FILE``: the sandbox's state in SQLite (the standard library's ``sqlite3``), kept across restarts.

Kept: keys and their ids, connections, templates, profile, registration, windows, media (with their
bytes), messages sent and received, events, and the clock's offset. Not kept: faults, request logs and
the rate limit's bucket, which describe a run. The app saves the key each request touched, after the
request: small parts as one JSON document per key (rewritten only when it changed), messages and events
appended as rows in arrival order, so a save costs what changed, not what is stored. Statuses are
replayed from the status events on load. A row that cannot be read is skipped, never fatal.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import asdict, dataclass, field
from typing import Any

from .records import Connection, Media, Template
from .state import KeyState, SandboxState

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS keys (api_key TEXT PRIMARY KEY, position INTEGER NOT NULL, state TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (
    api_key TEXT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, data TEXT NOT NULL,
    PRIMARY KEY (api_key, seq)
);
CREATE TABLE IF NOT EXISTS media (
    id TEXT PRIMARY KEY, api_key TEXT NOT NULL, mime_type TEXT NOT NULL, sha256 TEXT NOT NULL,
    token TEXT NOT NULL, filename TEXT, data BLOB NOT NULL
);
"""
LISTS = ("messages", "received", "events")


@dataclass
class Saved:
    """What the file holds of one key: its document, the list lengths, the media ids."""

    document: str = ""
    generation: int = -1
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LISTS, 0))
    seq: int = 0
    media: set[str] = field(default_factory=set)


def document(key: KeyState) -> dict[str, Any]:
    """The small, mutable parts of a key, as JSON."""
    return {
        "waba_id": key.waba_id,
        "phone_number_id": key.phone_number_id,
        "display_phone_number": key.display_phone_number,
        "label": key.label,
        "seed": key.seed,
        "phone_registered": key.phone_registered,
        "page_token": key.page_token,
        "profile": key.profile,
        "connections": [asdict(c) for c in key.connections.values()],
        "templates": [asdict(t) for t in key.templates.values()],
        "template_seq": key.template_seq,
        "windows": key.windows,
    }


def dumps(value: Any) -> str:
    """JSON that never fails on stored data (lone surrogates are escaped)."""
    return json.dumps(value, ensure_ascii=True, default=str)


class Store:
    """One SQLite file; ``load`` fills a ``SandboxState``, ``save(key)`` writes what changed."""

    def __init__(self, path: str) -> None:
        # Opened by the thread that builds the app, used by the server's event loop thread: one at a time.
        self.db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        self.db.execute("PRAGMA synchronous=NORMAL")
        self.db.executescript(SCHEMA)
        self.saved: dict[str, Saved] = {}
        self.offset: float | None = None

    def load(self, sandbox: SandboxState) -> None:
        """Every key of the file into ``sandbox``, and the clock's offset."""
        row = self.db.execute("SELECT value FROM meta WHERE name = 'clock_offset'").fetchone()
        if row is not None:
            sandbox.clock.offset = self.offset = float(row[0])
        for api_key, text in self.db.execute("SELECT api_key, state FROM keys ORDER BY position"):
            try:
                self.load_key(sandbox, api_key, json.loads(text))
            except (ValueError, KeyError, TypeError):
                continue

    def load_key(self, sandbox: SandboxState, api_key: str, doc: dict[str, Any]) -> None:
        """One key: its document, then its records in arrival order, then its media."""
        key = KeyState(
            api_key=api_key,
            config=sandbox.config,
            clock=sandbox.clock,
            waba_id=doc["waba_id"],
            phone_number_id=doc["phone_number_id"],
            label=doc.get("label", ""),
            seed=doc.get("seed", "minimal"),
        )
        key.display_phone_number = doc["display_phone_number"]
        key.phone_registered = bool(doc["phone_registered"])
        key.page_token = doc["page_token"]
        key.profile = doc["profile"]
        key.connections = {c["connection_id"]: Connection(**c) for c in doc["connections"]}
        key.templates = {t["id"]: Template(**t) for t in doc["templates"]}
        key.template_seq = int(doc["template_seq"])
        key.windows = {str(k): float(v) for k, v in doc["windows"].items()}
        saved = Saved(generation=key.generation)
        rows = self.db.execute(
            "SELECT seq, kind, data FROM records WHERE api_key = ? ORDER BY seq", (api_key,)
        )
        for seq, kind, data in rows:
            saved.seq = seq + 1
            saved.counts[kind] = saved.counts.get(kind, 0) + 1
            try:
                record = json.loads(data)
            except ValueError:
                record = {"id": f"unreadable-{seq}", "error": "this stored record could not be read"}
            getattr(key, kind).append(record)
            if kind != "events" and isinstance(record.get("wa_id"), str):
                key.index(record)
        replay_statuses(key)
        for media_id, mime, sha, token, filename, data in self.db.execute(
            "SELECT id, mime_type, sha256, token, filename, data FROM media WHERE api_key = ?", (api_key,)
        ):
            key.media[media_id] = Media(media_id, bytes(data), mime, sha, token, filename)
        saved.media = set(key.media)
        saved.document = dumps(document(key))
        saved.generation = key.generation
        sandbox.keys[api_key] = key
        self.saved[api_key] = saved

    def save(self, key: KeyState) -> None:
        """Write what changed of ``key`` since its last save (nothing when nothing did)."""
        saved = self.saved.setdefault(key.api_key, Saved())
        with self.db:
            self.db.execute("BEGIN")
            if saved.generation != key.generation:
                self.db.execute("DELETE FROM records WHERE api_key = ?", (key.api_key,))
                saved.counts, saved.generation = dict.fromkeys(LISTS, 0), key.generation
            text = dumps(document(key))
            if text != saved.document:
                position = self.db.execute("SELECT COUNT(*) FROM keys").fetchone()[0]
                self.db.execute(
                    "INSERT INTO keys (api_key, position, state) VALUES (?, ?, ?) "
                    "ON CONFLICT (api_key) DO UPDATE SET state = excluded.state",
                    (key.api_key, position, text),
                )
                saved.document = text
            for kind in LISTS:
                items: list[dict[str, Any]] = getattr(key, kind)
                for item in items[saved.counts[kind] :]:
                    self.db.execute(
                        "INSERT INTO records (api_key, seq, kind, data) VALUES (?, ?, ?, ?)",
                        (key.api_key, saved.seq, kind, dumps(item)),
                    )
                    saved.seq += 1
                saved.counts[kind] = len(items)
            self.save_media(key, saved)
            if key.clock.offset != self.offset:
                self.db.execute(
                    "INSERT OR REPLACE INTO meta (name, value) VALUES ('clock_offset', ?)",
                    (str(key.clock.offset),),
                )
                self.offset = key.clock.offset

    def save_media(self, key: KeyState, saved: Saved) -> None:
        """Insert new media, delete deleted ones."""
        current = set(key.media)
        for media_id in current - saved.media:
            media = key.media[media_id]
            self.db.execute(
                "INSERT OR REPLACE INTO media (id, api_key, mime_type, sha256, token, filename, data) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    media.id,
                    key.api_key,
                    media.mime_type,
                    media.sha256,
                    media.token,
                    media.filename,
                    media.data,
                ),
            )
        for media_id in saved.media - current:
            self.db.execute("DELETE FROM media WHERE id = ?", (media_id,))
        saved.media = current

    def close(self) -> None:
        """Close the file."""
        self.db.close()


def replay_statuses(key: KeyState) -> None:
    """Set each sent message's status from its latest status event."""
    for event in key.events:
        for entry in event.get("entry", []):
            for change in entry.get("changes", []):
                for status in change.get("value", {}).get("statuses", []):
                    record = key.by_id.get(status.get("id"))
                    if record is not None:
                        record["status"] = status.get("status", "sent")
